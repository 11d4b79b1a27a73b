using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace ActorScaler.Bench;

/// <summary>
/// One `actorscaler` OS process started by the launcher: its output goes line by line to a log file,
/// it can be killed (SIGKILL: a crash), terminated (SIGTERM: a graceful stop, e.g. a rolling update)
/// and restarted with the same arguments, and its CPU time and memory are read from /proc. Every
/// process still running when the launching process exits is killed, so a failed test leaves no
/// orphans behind.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int RecentLines = 200;

    /// <summary>How many of a process's last lines an error message quotes.</summary>
    public const int ErrorContextLines = 30;

    private static readonly ConcurrentDictionary<ChildProcess, byte> Live = new();

    private readonly ActorScalerExecutable _executable;
    private readonly IReadOnlyList<string> _arguments;
    private readonly IReadOnlyDictionary<string, string>? _environment;
    private readonly object _logLock = new();
    private readonly Queue<string> _recent = new();
    private StreamWriter? _log;
    private Process? _process;
    private ProcessUsage? _lastUsage;
    private TimeSpan _cpuOfEarlierRuns;
    private long _peakOfEarlierRuns;

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var child in Live.Keys)
                child.KillNow();
        };
    }

    public ChildProcess(string name, ActorScalerExecutable executable, IReadOnlyList<string> arguments, string logPath,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(executable);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentException.ThrowIfNullOrWhiteSpace(logPath);
        Name = name;
        _executable = executable;
        _arguments = arguments;
        _environment = environment;
        LogPath = Path.GetFullPath(logPath);
    }

    public string Name { get; }

    /// <summary>The command line after `dotnet actorscaler.dll`.</summary>
    public IReadOnlyList<string> Arguments => _arguments;

    /// <summary>stdout and stderr of every run of this process, appended.</summary>
    public string LogPath { get; }

    /// <summary>The OS process id of the current (or last) run; 0 before the first start.</summary>
    public int Pid { get; private set; }

    /// <summary>How many times the process was started (1 after the first start, 2 after a restart...).</summary>
    public int Starts { get; private set; }

    public bool IsRunning => _process is { } p && !p.HasExited;

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>Starts the process (again, after it exited).</summary>
    public void Start()
    {
        if (IsRunning)
            throw new InvalidOperationException($"{Name} is already running (pid {Pid})");
        Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
        lock (_logLock)
        {
            _log ??= new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            _log.WriteLine($"### {DateTimeOffset.UtcNow:O} start #{Starts + 1}: {_executable.Host} {_executable.EntryAssembly} {string.Join(' ', _arguments)}");
        }
        var process = new Process { StartInfo = _executable.StartInfo(_arguments, Path.GetDirectoryName(LogPath)!, _environment), EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        if (!process.Start())
            throw new InvalidOperationException($"{Name}: the process did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Pid = process.Id;
        Starts++;
        _lastUsage = null;
        Live[this] = 0;
    }

    /// <summary>SIGKILL, as a crash or an OOM kill would end it; returns when it has exited.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        if (_process is not { } process)
            return;
        Sample();
        KillNow();
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        Exited();
    }

    /// <summary>
    /// SIGTERM, as the kubelet stops a pod: the process leaves gracefully. If it has not exited within
    /// <paramref name="grace"/> (a pod's terminationGracePeriodSeconds) it is killed. Returns its exit code.
    /// </summary>
    public async Task<int> TerminateAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        if (_process is not { } process)
            throw new InvalidOperationException($"{Name} was never started");
        if (!process.HasExited)
        {
            Sample();
            if (SendSignal(process.Id, SigTerm) != 0)
                throw new InvalidOperationException($"{Name}: kill({process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(grace);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Append($"### {DateTimeOffset.UtcNow:O} did not exit within {grace.TotalSeconds:0.#}s of SIGTERM: killed");
                KillNow();
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        Exited();
        return process.ExitCode;
    }

    /// <summary>Stops the process (SIGTERM with <paramref name="grace"/>) if it runs, then starts it again
    /// with the same arguments and log.</summary>
    public async Task RestartAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        if (IsRunning)
            await TerminateAsync(grace, cancellationToken).ConfigureAwait(false);
        Start();
    }

    /// <summary>
    /// CPU time and memory of the current run as /proc reports it now; once it has exited, the last
    /// reading taken (at every kill, terminate and sample). CPU time and peak memory include earlier runs
    /// of a restarted process.
    /// </summary>
    public ProcessUsage? Sample()
    {
        if (_process is { } p && !p.HasExited && ProcessUsage.Read(p.Id) is { } usage)
            _lastUsage = usage;
        return _lastUsage is { } last
            ? last with { CpuTime = last.CpuTime + _cpuOfEarlierRuns, PeakResidentBytes = Math.Max(last.PeakResidentBytes, _peakOfEarlierRuns) }
            : null;
    }

    /// <summary>The last lines the process wrote (for error messages when it fails to start).</summary>
    public string RecentOutput(int lines = RecentLines)
    {
        lock (_logLock)
            return string.Join('\n', _recent.Skip(Math.Max(0, _recent.Count - lines)));
    }

    /// <summary>Waits until the process has exited.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default) =>
        _process?.WaitForExitAsync(cancellationToken) ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            KillNow();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            process.Dispose();
            _process = null;
        }
        Live.TryRemove(this, out _);
        lock (_logLock)
        {
            _log?.Dispose();
            _log = null;
        }
    }

    public override string ToString() => $"{Name} (pid {Pid.ToString(CultureInfo.InvariantCulture)})";

    private void Exited()
    {
        if (_lastUsage is { } last)
        {
            _cpuOfEarlierRuns += last.CpuTime;
            _peakOfEarlierRuns = Math.Max(_peakOfEarlierRuns, last.PeakResidentBytes);
            _lastUsage = null;
        }
        Live.TryRemove(this, out _);
    }

    private void KillNow()
    {
        try
        {
            if (_process is { HasExited: false } p)
                p.Kill(entireProcessTree: false);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Exited between the check and the signal: nothing left to kill.
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_logLock)
        {
            _log?.WriteLine(line);
            _recent.Enqueue(line);
            if (_recent.Count > RecentLines)
                _recent.Dequeue();
        }
    }

    // kill(2) from libc: .NET has Process.Kill (SIGKILL) but no way to send SIGTERM to another process.
    // DllImport rather than LibraryImport: the generated stub needs unsafe code for nothing here (two ints).
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SendSignal(int pid, int signal);
#pragma warning restore SYSLIB1054
}
