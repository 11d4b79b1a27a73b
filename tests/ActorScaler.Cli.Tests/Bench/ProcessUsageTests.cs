using ActorScaler.Bench;
using Xunit;

namespace ActorScaler.Cli.Tests.Bench;

public sealed class ProcessUsageTests
{
    // A real line from a dotnet process, with a command name that holds a space and a ')'.
    private const string StatLine =
        "4242 (dotnet (x) y) S 1 4242 4242 0 -1 4194560 61234 0 12 0 1234 567 0 0 20 0 23 0 1790 3498397696 40960 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0";

    private const string Status = """
        Name:	dotnet
        Umask:	0022
        State:	S (sleeping)
        VmPeak:	 3416408 kB
        VmSize:	 3416404 kB
        VmHWM:	  187116 kB
        VmRSS:	  163840 kB
        Threads:	23
        """;

    [Fact]
    public void Cpu_time_is_utime_plus_stime_in_user_hz_counted_after_the_command_name()
    {
        // utime 1234 + stime 567 ticks at 100 Hz.
        Assert.Equal(TimeSpan.FromSeconds(18.01), ProcessUsage.ParseCpuTime(StatLine));
    }

    [Fact]
    public void Peak_and_current_resident_set_come_from_VmHWM_and_VmRSS()
    {
        Assert.Equal(187_116, ProcessUsage.StatusKibibytes(Status, "VmHWM"));
        Assert.Equal(163_840, ProcessUsage.StatusKibibytes(Status, "VmRSS"));
    }

    [Fact]
    public void Malformed_proc_files_name_the_problem()
    {
        Assert.Contains("command name", Assert.Throws<FormatException>(() => ProcessUsage.ParseCpuTime("4242 dotnet S 1")).Message);
        Assert.Contains("expected at least 15", Assert.Throws<FormatException>(() => ProcessUsage.ParseCpuTime("4242 (dotnet) S 1 2 3")).Message);
        Assert.Contains("utime", Assert.Throws<FormatException>(() => ProcessUsage.ParseCpuTime(StatLine.Replace(" 1234 567 ", " x 567 ", StringComparison.Ordinal))).Message);
        Assert.Contains("no VmSwap line", Assert.Throws<FormatException>(() => ProcessUsage.StatusKibibytes(Status, "VmSwap")).Message);
        Assert.Contains("VmHWM", Assert.Throws<FormatException>(() => ProcessUsage.StatusKibibytes("VmHWM:\tlots kB\n", "VmHWM")).Message);
    }

    [Fact]
    public void The_current_process_reads_as_alive_with_cpu_and_memory()
    {
        var usage = ProcessUsage.Read(Environment.ProcessId);
        Assert.NotNull(usage);
        Assert.True(usage.CpuTime > TimeSpan.Zero);
        Assert.True(usage.ResidentBytes > 10 * 1024 * 1024, $"RSS {usage.ResidentBytes}");
        Assert.True(usage.PeakResidentBytes >= usage.ResidentBytes);
        Assert.Null(ProcessUsage.Read(int.MaxValue));
    }
}
