using System.Runtime.InteropServices;
using BenchmarkDotNet.Running;

namespace ActorScaler.Benchmarks;

public static class Program
{
    /// <summary>
    /// "--alloc-check" runs the decision in-process without BenchmarkDotNet and prints bytes allocated and
    /// the thread's own CPU time per decision: on a shared, loaded machine wall time mostly measures waiting
    /// for a core, while thread CPU time measures the work.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args is ["--alloc-check"])
        {
            var bench = new DecisionBenchmarks();
            bench.Setup();
            for (var i = 0; i < 20_000; i++)
            {
                bench.DecideAndComplete();
            }
            const int runs = 20_000;
            var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
            var cpuBefore = NativeMethods.ThreadCpuTime();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < runs; i++)
            {
                bench.DecideAndComplete();
            }
            watch.Stop();
            var cpu = NativeMethods.ThreadCpuTime() - cpuBefore;
            var bytes = (GC.GetAllocatedBytesForCurrentThread() - bytesBefore) / runs;
            Console.WriteLine($"{bytes} B allocated, {cpu.TotalMicroseconds / runs:F2} us thread CPU, {watch.Elapsed.TotalMicroseconds / runs:F2} us wall per decision");
            return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

internal static partial class NativeMethods
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockGetTime(int clockId, out TimeSpec time);

    /// <summary>CPU time consumed by the calling thread (Linux CLOCK_THREAD_CPUTIME_ID).</summary>
    public static TimeSpan ThreadCpuTime()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockThreadCpuTimeId, out var t) != 0)
        {
            return TimeSpan.Zero;
        }
        return TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100);
    }
}
