using System.Diagnostics;

namespace ActorScaler.Bench;

/// <summary>
/// How to start another `actorscaler` process of the very build that is running: `dotnet
/// &lt;dir&gt;/actorscaler.dll` beside this assembly. It works the same from the CLI (the apphost or `dotnet
/// run`) and from a test project that references the CLI (the SDK copies actorscaler.dll with its
/// runtimeconfig.json and deps.json into the test's output).
/// </summary>
public sealed record ActorScalerExecutable(string Host, string EntryAssembly)
{
    private const string AssemblyFileName = "actorscaler.dll";

    /// <summary>The build this code belongs to.</summary>
    public static ActorScalerExecutable Current()
    {
        var directory = Path.GetDirectoryName(typeof(ActorScalerExecutable).Assembly.Location);
        if (string.IsNullOrEmpty(directory))
            throw new InvalidOperationException("cannot locate actorscaler.dll: the running assembly has no file location (single-file publish is not supported by the launcher)");
        var dll = Path.Combine(directory, AssemblyFileName);
        if (!File.Exists(dll))
            throw new FileNotFoundException($"cannot start member processes: {dll} does not exist", dll);
        if (!File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
            throw new FileNotFoundException($"cannot start member processes: {Path.ChangeExtension(dll, ".runtimeconfig.json")} does not exist", dll);
        return new ActorScalerExecutable(DotnetHost(), dll);
    }

    /// <summary>A start description with stdout and stderr redirected (the caller writes them to a log).</summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var info = new ProcessStartInfo(Host)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(EntryAssembly);
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        // Plain lines in the log files: no ANSI colours, no terminal width probing.
        info.Environment["NO_COLOR"] = "1";
        info.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "0";
        if (environment is not null)
            foreach (var (key, value) in environment)
                info.Environment[key] = value;
        return info;
    }

    /// <summary>
    /// The `dotnet` muxer: the SDK sets DOTNET_HOST_PATH for everything it runs (tests, `dotnet run`);
    /// a process started as `dotnet x.dll` is itself the muxer; else the one in DOTNET_ROOT or on PATH.
    /// </summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
            return hostPath;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
            return self;
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root && File.Exists(Path.Combine(root, "dotnet")))
            return Path.Combine(root, "dotnet");
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "dotnet");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException("cannot start member processes: no `dotnet` host found (DOTNET_HOST_PATH, DOTNET_ROOT, PATH)");
    }
}
