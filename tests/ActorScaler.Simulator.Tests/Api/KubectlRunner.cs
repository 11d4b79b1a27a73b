using System.Diagnostics;

namespace ActorScaler.Simulator.Tests.Api;

/// <summary>Runs the installed kubectl (the version dispatcher) against a simulator's kubeconfig, with its own cache dir.</summary>
public sealed class KubectlRunner(string kubeconfig, string cacheDir)
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public async Task<Result> RunAsync(params string[] args) => await RunAsync(TimeSpan.FromSeconds(30), args);

    public async Task<Result> RunAsync(TimeSpan timeout, params string[] args)
    {
        var process = Start(args);
        using var cts = new CancellationTokenSource(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish within {timeout}");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts kubectl without waiting (for `get -w`).</summary>
    public Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["KUBECONFIG"] = kubeconfig;
        // The dispatcher caches /version per URL: a private cache keeps each test's pick its own.
        info.Environment["KUBECACHEDIR"] = cacheDir;
        return Process.Start(info) ?? throw new InvalidOperationException("kubectl did not start");
    }
}
