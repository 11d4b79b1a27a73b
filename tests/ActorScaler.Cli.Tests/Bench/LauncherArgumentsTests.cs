using ActorScaler.Bench;
using Xunit;

namespace ActorScaler.Cli.Tests.Bench;

public sealed class LauncherArgumentsTests
{
    [Fact]
    public void Simulator_gets_its_port_nodes_kubeconfig_and_each_manifest()
    {
        var args = SimulatorProcess.Arguments(new SimulatorProcessOptions { Nodes = 20, Manifests = ["/a.yaml", "/b.json"] }, 41000, "/out/sim.kubeconfig");
        Assert.Equal(["sim", "serve", "--nodes", "20", "--port", "41000", "--kubeconfig-out", "/out/sim.kubeconfig", "--filename", "/a.yaml", "--filename", "/b.json"], args);
    }

    [Fact]
    public void Members_list_every_member_as_seed_first_one_first_and_carry_periods_and_extra_flags()
    {
        var options = new MemberProcessOptions
        {
            SyncPeriod = TimeSpan.FromSeconds(5),
            MetricResolution = TimeSpan.FromMilliseconds(1500),
            ExtraArguments = ["--horizontal-pod-autoscaler-downscale-stabilization", "30s"],
        };
        var args = MemberProcess.Arguments(options, "/out/sim.kubeconfig", "/out/simulator-ca.crt", 5001, 6001, [5000, 5001, 5002], 3);
        var text = string.Join(' ', args);
        Assert.StartsWith("run --kubeconfig /out/sim.kubeconfig --kubelet-certificate-authority /out/simulator-ca.crt --cluster-port 5001", text);
        Assert.Contains("--seed-nodes 127.0.0.1:5000,127.0.0.1:5001,127.0.0.1:5002 --min-members 3", text);
        Assert.Contains("--listen-address 127.0.0.1:6001 --listen-insecure-http", text);
        Assert.Contains("--horizontal-pod-autoscaler-sync-period 5s --metric-resolution 1.5s", text);
        Assert.EndsWith("--horizontal-pod-autoscaler-downscale-stabilization 30s", text);
    }

    [Fact]
    public void Member_arguments_are_accepted_by_the_run_command()
    {
        // The launcher's flags must be ones `run` knows: parse them with the command's own settings.
        var args = MemberProcess.Arguments(new MemberProcessOptions(), "/k", "/etc/hostname", 5001, 6001, [5000, 5001], 2);
        var settings = new ActorScaler.Commands.RunCommand.Settings
        {
            Kubeconfig = args[Index(args, "--kubeconfig")],
            KubeletCertificateAuthority = args[Index(args, "--kubelet-certificate-authority")],
            ClusterPort = int.Parse(args[Index(args, "--cluster-port")]),
            SeedNodes = args[Index(args, "--seed-nodes")],
            MinMembers = int.Parse(args[Index(args, "--min-members")]),
            ListenAddress = args[Index(args, "--listen-address")],
            SyncPeriod = args[Index(args, "--horizontal-pod-autoscaler-sync-period")],
            MetricResolution = args[Index(args, "--metric-resolution")],
        };
        var options = settings.ToOptions();
        Assert.Equal(5001, options.Membership.Port);
        Assert.Equal(["127.0.0.1:5000", "127.0.0.1:5001"], options.Membership.SeedNodes);
        Assert.Equal(TimeSpan.FromSeconds(15), options.SyncPeriod);
        Assert.Equal(6001, options.ListenAddress.Port);
    }

    [Fact]
    public void The_executable_is_this_build_run_by_the_dotnet_host()
    {
        var exe = ActorScalerExecutable.Current();
        Assert.Equal("actorscaler.dll", Path.GetFileName(exe.EntryAssembly));
        Assert.True(File.Exists(exe.EntryAssembly));
        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(exe.Host));
        var info = exe.StartInfo(["version"], "/tmp");
        Assert.Equal([exe.EntryAssembly, "version"], info.ArgumentList);
        Assert.True(info.RedirectStandardOutput && info.RedirectStandardError);
    }

    [Fact]
    public void Free_ports_are_distinct_loopback_ports()
    {
        var ports = LoopbackPorts.Free(20);
        Assert.Equal(20, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 1024, 65535));
    }

    private static int Index(IReadOnlyList<string> args, string flag) => args.ToList().IndexOf(flag) + 1;
}
