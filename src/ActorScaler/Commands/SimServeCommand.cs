using System.ComponentModel;
using System.Runtime.InteropServices;
using ActorScaler.Simulator;
using Spectre.Console.Cli;

namespace ActorScaler.Commands;

/// <summary>
/// `actorscaler sim serve`: a simulated cluster (API server, nodes, workloads) on 127.0.0.1 that
/// kubectl and the controller use through a kubeconfig, until Ctrl+C or SIGTERM.
/// </summary>
public sealed class SimServeCommand : AsyncCommand<SimServeCommand.Settings>
{
    /// <summary>Exit code for bad flags or manifests.</summary>
    public const int InputErrorExitCode = 2;

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--nodes <N>")]
        [Description("Simulated nodes, each with its own kubelet endpoint (0: a control plane only). Default 3.")]
        public int Nodes { get; init; } = 3;

        [CommandOption("--port <PORT>")]
        [Description("API server port on 127.0.0.1 (0 picks a free port). Default 0.")]
        public int Port { get; init; }

        [CommandOption("--kubeconfig-out <FILE>")]
        [Description("Where to write the kubeconfig (the CA file is written beside it). Default ./sim.kubeconfig.")]
        public string KubeconfigOut { get; init; } = "sim.kubeconfig";

        [CommandOption("--prometheus-sd-file <FILE>")]
        [Description("Keep a Prometheus file-SD list of every simulated pod's /metrics endpoint here.")]
        public string? PrometheusSdFile { get; init; }

        [CommandOption("-f|--filename <FILE>")]
        [Description("Manifests to apply after start (YAML or JSON, multi-document); repeatable.")]
        public string[] Filenames { get; init; } = [];

        [CommandOption("--kubernetes-version <VERSION>")]
        [Description("The version /version reports (kubectl's dispatcher picks its client by the minor). Default v1.33.1.")]
        public string KubernetesVersion { get; init; } = "v1.33.1";

        [CommandOption("--insecure-http")]
        [Description("Serve plain HTTP instead of HTTPS with the simulator's CA.")]
        public bool InsecureHttp { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = new SimulatorOptions
        {
            Nodes = settings.Nodes,
            Port = settings.Port,
            KubeconfigOut = settings.KubeconfigOut,
            PrometheusSdFile = settings.PrometheusSdFile,
            Manifests = settings.Filenames,
            KubernetesVersion = settings.KubernetesVersion,
            Https = !settings.InsecureHttp,
        };
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            foreach (var p in problems) Console.Error.WriteLine($"error: {p}");
            return InputErrorExitCode;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Ctrl+C and SIGTERM both stop the simulator cleanly (watches closed, ports released).
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

        SimulatedCluster cluster;
        try
        {
            cluster = await SimulatedCluster.StartAsync(options, stop.Token);
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return InputErrorExitCode;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"error: could not start the simulator: {e.Message}");
            return 1;
        }
        await using (cluster)
        {
            Console.WriteLine($"Kubernetes API (simulated, {cluster.Version.GitVersion}) listening on {cluster.ApiBaseUrl.ToString().TrimEnd('/')}");
            Console.WriteLine($"kubeconfig: {cluster.KubeconfigPath}");
            if (cluster.CaFile is not null) Console.WriteLine($"CA: {cluster.CaFile}");
            Console.WriteLine($"nodes: {options.Nodes}; try: kubectl --kubeconfig {cluster.KubeconfigPath} get nodes");
            Console.WriteLine("Press Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("stopping");
            }
        }
        return 0;
    }
}
