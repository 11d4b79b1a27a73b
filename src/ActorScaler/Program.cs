using ActorScaler.Commands;
using Spectre.Console.Cli;

namespace ActorScaler;

public static class Program
{
    public static int Main(string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("actorscaler");
            config.PropagateExceptions();
            // One line per command; each command lives in Commands/<Name>Command.cs.
            config.AddBranch("sim", sim => sim.AddCommand<SimServeCommand>("serve").WithDescription("Serve a simulated cluster (Kubernetes API, nodes, workloads) on 127.0.0.1 for kubectl and the controller."));
            config.AddCommand<RunCommand>("run")
                .WithDescription("Run one cluster member: the metrics pipeline and the HPA controller, until stopped.");
            config.AddCommand<TopCommand>("top").WithDescription("Show CPU and memory of nodes or pods, as kubectl top does (through metrics.k8s.io).");
            config.AddCommand<ValidateCommand>("validate")
                .WithDescription("Validate HPA manifests as the API server would and print the canonical autoscaling/v2 form.");
            config.AddCommand<SimulateCommand>("simulate").WithDescription("What-if: replay an HPA against a load curve in virtual time (no cluster) and chart replicas, flaps and cost.");
            config.AddCommand<ExplainCommand>("explain").WithDescription("Why an HPA has its replica count: its last decisions step by step (metrics, tolerance, stabilization, limits), from any member.");
            config.AddCommand<DemoCommand>("demo").WithDescription("The seed tutorial live: a simulated cluster, 3 members, the bootcamp HPA scaling 1 -> 10 -> 1 under load (under 3 minutes).");
            config.AddCommand<BenchCommand>("bench").WithDescription("The scale benchmark: the simulator and N members as processes, thousands of HPAs, a load step; reconciles/s, effective sync period, decision latency, API and kubelet requests, CPU and memory per member, HPA and node.");
        });
        try
        {
            return app.Run(args);
        }
        catch (CommandParseException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        catch (CommandRuntimeException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
    }
}
