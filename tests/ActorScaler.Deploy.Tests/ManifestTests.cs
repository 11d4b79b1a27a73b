using System.Diagnostics;
using ActorScaler.Actors.Cluster;
using ActorScaler.Hosting;
using k8s;
using k8s.Models;

namespace ActorScaler.Deploy.Tests;

/// <summary>deploy/ loaded as typed objects and checked against each other and against the code's defaults.</summary>
public sealed class ManifestTests
{
    private const string Namespace = "actorscaler";
    private static readonly DeployManifests Manifests = DeployManifests.Load();

    private static V1StatefulSet StatefulSet => Manifests.Single<V1StatefulSet>();
    private static V1Container Container => Assert.Single(StatefulSet.Spec.Template.Spec.Containers);

    private static int Majority(int replicas) => (replicas / 2) + 1;

    [Fact]
    public void Every_manifest_loads_as_a_typed_object_of_the_expected_kinds()
    {
        var kinds = Manifests.Objects.Select(o => $"{o.Object.Kind}/{o.Object.Metadata.Name}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
        [
            "APIService/v1beta1.metrics.k8s.io",
            "ClusterRole/actorscaler",
            "ClusterRoleBinding/actorscaler",
            "ConfigMap/actorscaler-hocon",
            "Namespace/actorscaler",
            "PodDisruptionBudget/actorscaler",
            "Service/actorscaler",
            "Service/actorscaler-metrics-api",
            "ServiceAccount/actorscaler",
            "StatefulSet/actorscaler",
        ], kinds);
        Assert.IsType<V1APIService>(Manifests.Single<V1APIService>());
        Assert.IsType<V1PodDisruptionBudget>(Manifests.Single<V1PodDisruptionBudget>());
        // Namespaced objects live in our namespace.
        foreach (var (file, obj) in Manifests.Objects)
        {
            if (obj is V1Namespace or V1ClusterRole or V1ClusterRoleBinding or V1APIService)
                Assert.Null(obj.Metadata.NamespaceProperty);
            else
                Assert.True(obj.Metadata.NamespaceProperty == Namespace, $"{file}: {obj.Kind}/{obj.Metadata.Name} is not in namespace {Namespace}");
            Assert.Equal("actorscaler", obj.Metadata.Labels["app.kubernetes.io/name"]);
        }
    }

    [Fact]
    public void The_kustomization_lists_every_manifest_and_kustomize_builds_the_same_objects()
    {
        var listed = Repository.Read($"{DeployManifests.Directory}/{DeployManifests.Kustomization}")
            .Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("- ", StringComparison.Ordinal)).Select(l => l[2..].Trim())
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(DeployManifests.Files.Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList(), listed);

        var (exit, output, error) = Kubectl.Run(["kustomize", Repository.Path(DeployManifests.Directory)]);
        Assert.True(exit == 0, $"kubectl kustomize failed: {error}");
        var built = KubernetesYaml.LoadAllFromString(output).Cast<IKubernetesObject<V1ObjectMeta>>()
            .Select(o => $"{o.Kind}/{o.Metadata.Name}").Order(StringComparer.Ordinal);
        Assert.Equal(Manifests.Objects.Select(o => $"{o.Object.Kind}/{o.Object.Metadata.Name}").Order(StringComparer.Ordinal), built);
    }

    [Fact]
    public void The_configmap_carries_the_shipped_hocon_byte_for_byte()
    {
        var configMap = Manifests.Single<V1ConfigMap>();
        var key = Assert.Single(configMap.Data.Keys);
        Assert.Equal(Path.GetFileName(ClusterSetup.HoconRelativePath), key);
        var shipped = Repository.Read(ClusterSetup.HoconRelativePath);
        // Equal as text is not enough to explain a mismatch: point at the first differing line.
        var a = shipped.Split('\n');
        var b = configMap.Data[key].Split('\n');
        var first = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], -1);
        Assert.True(shipped == configMap.Data[key],
            $"deploy/configmap.yaml differs from {ClusterSetup.HoconRelativePath} at line {(first < 0 ? Math.Min(a.Length, b.Length) + 1 : first + 1)}; copy the file into the ConfigMap (indented by 4)");
    }

    [Fact]
    public void The_statefulset_runs_three_parallel_non_root_members_with_probes_resources_and_a_read_only_root()
    {
        var spec = StatefulSet.Spec;
        Assert.Equal(3, spec.Replicas);
        Assert.Equal("Parallel", spec.PodManagementPolicy);
        Assert.Equal(spec.Selector.MatchLabels, spec.Template.Metadata.Labels);
        var pod = spec.Template.Spec;
        Assert.Equal(Manifests.Single<V1ServiceAccount>().Metadata.Name, pod.ServiceAccountName);

        var antiAffinity = Assert.Single(pod.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution);
        Assert.Equal("kubernetes.io/hostname", antiAffinity.PodAffinityTerm.TopologyKey);
        Assert.Equal(spec.Selector.MatchLabels, antiAffinity.PodAffinityTerm.LabelSelector.MatchLabels);

        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.NotEqual(0, pod.SecurityContext.RunAsUser);
        var container = Container;
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        // A read-only root still needs a writable /tmp (.NET's and ASP.NET's temporary files).
        var tmp = Assert.Single(container.VolumeMounts, m => m.MountPath == "/tmp");
        Assert.NotNull(Assert.Single(pod.Volumes, v => v.Name == tmp.Name).EmptyDir);

        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.Contains(container.Ports, p => p.Name == container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Contains(container.Ports, p => p.Name == container.LivenessProbe.HttpGet.Port.Value);
        Assert.True(container.Resources.Requests.ContainsKey("cpu") && container.Resources.Requests.ContainsKey("memory"));
        Assert.True(container.Resources.Limits.ContainsKey("memory"));
        // No CPU limit: CFS throttling shows up as missed heartbeats and false unreachability.
        Assert.False(container.Resources.Limits.ContainsKey("cpu"));

        // The host gives CoordinatedShutdown less than the grace period, so a member leaves by itself.
        Assert.True(pod.TerminationGracePeriodSeconds > MemberHost.ShutdownTimeout.TotalSeconds);
    }

    [Fact]
    public void The_container_ports_are_the_codes_defaults()
    {
        var ports = Container.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        Assert.Equal(ClusterMembership.DefaultPort, ports["akka-remote"]);
        Assert.Equal(new RunOptions().ListenAddress.Port, ports["https"]);
        Assert.Contains($"--listen-address=0.0.0.0:{ports["https"]}", Container.Args);
    }

    [Fact]
    public void The_config_flag_names_the_configmap_file_where_it_is_mounted()
    {
        var configArg = Assert.Single(Container.Args, a => a.StartsWith("--config=", StringComparison.Ordinal))["--config=".Length..];
        var configMap = Manifests.Single<V1ConfigMap>();
        var volume = Assert.Single(StatefulSet.Spec.Template.Spec.Volumes, v => v.ConfigMap?.Name == configMap.Metadata.Name);
        var mount = Assert.Single(Container.VolumeMounts, m => m.Name == volume.Name);
        Assert.True(mount.ReadOnlyProperty);
        Assert.Equal($"{mount.MountPath}/{Assert.Single(configMap.Data.Keys)}", configArg);
    }

    [Fact]
    public void Each_pod_gets_its_stable_name_the_same_seeds_and_only_ordinal_0_may_form_the_cluster()
    {
        var replicas = StatefulSet.Spec.Replicas!.Value;
        var service = Manifests.Single<V1Service>(StatefulSet.Spec.ServiceName);
        var seedLists = new List<IReadOnlyList<string>>();
        for (var ordinal = 0; ordinal < replicas; ordinal++)
        {
            var podName = $"{StatefulSet.Metadata.Name}-{ordinal}";
            var env = DeployManifests.ExpandEnvironment(Container.Env, new Dictionary<string, string>
            {
                ["metadata.name"] = podName,
                ["metadata.namespace"] = Namespace,
            });
            var membership = MembershipSources.Resolve(new MembershipFlags(), name => env.GetValueOrDefault(name));
            Assert.Equal($"{podName}.{service.Metadata.Name}.{Namespace}.svc.cluster.local", membership.PublicHostname);
            Assert.Equal(ClusterMembership.DefaultPort, membership.Port);
            Assert.Equal(replicas, membership.SeedAddresses.Count);
            Assert.Equal(Majority(replicas), membership.MinimumMembers);
            Assert.Equal(ordinal == 0, membership.IsFirstSeed);
            Assert.Contains(membership.SelfAddress, membership.SeedAddresses);
            seedLists.Add(membership.SeedAddresses);
        }
        Assert.All(seedLists, s => Assert.Equal(seedLists[0], s));
    }

    [Fact]
    public void The_headless_service_publishes_not_ready_pods_and_every_service_targets_a_named_container_port()
    {
        var headless = Manifests.Single<V1Service>(StatefulSet.Spec.ServiceName);
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.True(headless.Spec.PublishNotReadyAddresses);
        var names = Container.Ports.Select(p => p.Name).ToHashSet();
        foreach (var service in Manifests.All<V1Service>())
        {
            Assert.Equal(StatefulSet.Spec.Selector.MatchLabels, service.Spec.Selector);
            Assert.All(service.Spec.Ports, p => Assert.Contains(p.TargetPort.Value, names));
        }
    }

    [Fact]
    public void The_disruption_budget_keeps_the_majority_the_members_wait_for()
    {
        var pdb = Manifests.Single<V1PodDisruptionBudget>();
        Assert.Equal(Majority(StatefulSet.Spec.Replicas!.Value).ToString(System.Globalization.CultureInfo.InvariantCulture), pdb.Spec.MinAvailable.Value);
        Assert.Equal(StatefulSet.Spec.Selector.MatchLabels, pdb.Spec.Selector.MatchLabels);
        var env = Container.Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal(pdb.Spec.MinAvailable.Value, env[MembershipSources.MinMembersVariable]);
    }

    [Fact]
    public void The_apiservice_registers_metrics_v1beta1_through_a_service_that_reaches_the_members()
    {
        var apiService = Manifests.Single<V1APIService>();
        Assert.Equal(("metrics.k8s.io", "v1beta1"), (apiService.Spec.Group, apiService.Spec.Version));
        Assert.Equal($"{apiService.Spec.Version}.{apiService.Spec.Group}", apiService.Metadata.Name);
        var service = Manifests.Single<V1Service>(apiService.Spec.Service.Name);
        Assert.Equal(Namespace, apiService.Spec.Service.NamespaceProperty);
        Assert.Contains(service.Spec.Ports, p => p.Port == (apiService.Spec.Service.Port ?? 443));
        // The members serve a self-signed certificate, as metrics-server does.
        Assert.True(apiService.Spec.InsecureSkipTLSVerify == true || apiService.Spec.CaBundle is { Length: > 0 });
    }

    [Fact]
    public void The_cluster_role_binding_grants_the_role_to_the_pods_service_account()
    {
        var account = Manifests.Single<V1ServiceAccount>();
        var binding = Manifests.Single<V1ClusterRoleBinding>();
        Assert.Equal(Manifests.Single<V1ClusterRole>().Metadata.Name, binding.RoleRef.Name);
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal(("ServiceAccount", account.Metadata.Name, account.Metadata.NamespaceProperty), (subject.Kind, subject.Name, subject.NamespaceProperty));
        // The members read no authentication ConfigMap (no front-proxy client verification), so no
        // binding to extension-apiserver-authentication-reader: it would grant an unused read.
        Assert.Empty(Manifests.All<V1RoleBinding>());
    }
}

/// <summary>Runs the real kubectl.</summary>
internal static class Kubectl
{
    public static (int Exit, string Output, string Error) Run(IEnumerable<string> arguments, string? kubeconfig = null)
    {
        var info = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        if (kubeconfig is not null)
            info.Environment["KUBECONFIG"] = kubeconfig;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("kubectl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', info.ArgumentList)} did not finish within 60 s");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
