using BenchmarkDotNet.Running;

namespace ActorScaler.Benchmarks;

public static class Program
{
    /// <summary>"--alloc-check" runs one decision in-process and prints its allocation (a quick guard, no BenchmarkDotNet).</summary>
    public static int Main(string[] args)
    {
        if (args is ["--alloc-check"])
        {
            var bench = new DecisionBenchmarks();
            bench.Setup();
            for (var i = 0; i < 1000; i++)
            {
                bench.DecideAndComplete();
            }
            var before = GC.GetAllocatedBytesForCurrentThread();
            const int runs = 10_000;
            var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < runs; i++)
            {
                bench.DecideAndComplete();
            }
            watch.Stop();
            var bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / runs;
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            // CPU time is printed too: on a loaded machine wall time mostly measures waiting for a core.
            Console.WriteLine($"{bytes} B allocated, {watch.Elapsed.TotalMicroseconds / runs:F2} us wall, {cpu.TotalMicroseconds / runs:F2} us CPU per decision");
            return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
