using ActorScaler.Simulator;
using ActorScaler.Simulator.Storage;

namespace ActorScaler.Deploy.Tests;

/// <summary>
/// The real `kubectl apply --dry-run=server` of deploy/ against the simulator's API server: every object
/// is validated as kube-apiserver would and nothing is stored; an invalid object is refused naming its field.
/// </summary>
public sealed class KubectlDryRunTests : IAsyncLifetime
{
    private SimulatedCluster _simulator = null!;
    private string _directory = null!;

    public async Task InitializeAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"actorscaler-dryrun-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        _simulator = await SimulatedCluster.StartAsync(new SimulatorOptions
        {
            Nodes = 0,
            SimulateWorkloads = false,
            KubeconfigOut = Path.Combine(_directory, "kubeconfig"),
        });
    }

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private (int Exit, string Output, string Error) Kubectl(params string[] arguments) =>
        Deploy.Tests.Kubectl.Run(arguments, _simulator.KubeconfigPath);

    private long Stored(GroupResource resource) => _simulator.Store.Count(resource);

    [Fact]
    public void Every_manifest_passes_a_server_side_dry_run_and_none_is_stored()
    {
        // A dry run stores nothing, so the namespace the other objects live in must exist first, as on a
        // real cluster (`kubectl apply --dry-run=server -k deploy/` fails there the same way without it).
        var (exit, output, error) = Kubectl("apply", "-f", Repository.Path("deploy/namespace.yaml"));
        Assert.True(exit == 0, error);
        var before = Resources.ToDictionary(r => r, Stored);

        (exit, output, error) = Kubectl("apply", "--dry-run=server", "-k", Repository.Path(DeployManifests.Directory));

        Assert.True(exit == 0, $"kubectl apply --dry-run=server failed:\n{error}\n{output}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var manifests = DeployManifests.Load().Objects;
        Assert.Equal(manifests.Count, lines.Length);
        Assert.All(lines, l => Assert.EndsWith("(server dry run)", l));
        Assert.Contains("statefulset.apps/actorscaler created (server dry run)", lines);
        Assert.Contains("apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io created (server dry run)", lines);
        Assert.Contains("clusterrole.rbac.authorization.k8s.io/actorscaler created (server dry run)", lines);
        foreach (var resource in Resources)
            Assert.True(before[resource] == Stored(resource), $"the dry run stored a {resource}");
        Assert.Null(_simulator.Store.Get(new GroupResource("apps", "statefulsets"), "actorscaler", "actorscaler"));
        Assert.Null(_simulator.Store.Get(new GroupResource("apiregistration.k8s.io", "apiservices"), "", "v1beta1.metrics.k8s.io"));
    }

    [Fact]
    public void An_invalid_statefulset_is_refused_by_the_dry_run_naming_the_fields()
    {
        Assert.Equal(0, Kubectl("apply", "-f", Repository.Path("deploy/namespace.yaml")).Exit);
        // The shipped StatefulSet with two classic mistakes: a selector that does not select the pod
        // template, and a volume mount without its volume.
        var broken = Repository.Read("deploy/statefulset.yaml")
            .Replace("  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: actorscaler", "  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: other", StringComparison.Ordinal)
            .Replace("            - name: tmp\n              mountPath: /tmp", "            - name: scratch\n              mountPath: /tmp", StringComparison.Ordinal);
        Assert.NotEqual(Repository.Read("deploy/statefulset.yaml"), broken);
        var file = Path.Combine(_directory, "statefulset.yaml");
        File.WriteAllText(file, broken);

        var (exit, _, error) = Kubectl("apply", "--dry-run=server", "-f", file);

        Assert.NotEqual(0, exit);
        Assert.Contains("The StatefulSet \"actorscaler\" is invalid", error);
        Assert.Contains("spec.template.metadata.labels: Invalid value: map[string]string{\"app.kubernetes.io/name\":\"other\"}: `selector` does not match template `labels`", error);
        Assert.Contains("spec.template.spec.containers[0].volumeMounts[1].name: Not found: \"scratch\"", error);
        Assert.Null(_simulator.Store.Get(new GroupResource("apps", "statefulsets"), "actorscaler", "actorscaler"));
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata:\n  name: Metrics_API\n  namespace: actorscaler\nspec:\n  ports:\n    - port: 443\n", "metadata.name: Invalid value: \"Metrics_API\": a DNS-1035 label must consist of lower case alphanumeric characters")]
    [InlineData("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: pdb\n  namespace: actorscaler\nspec:\n  minAvailable: 2\n  maxUnavailable: 1\n", "minAvailable and maxUnavailable cannot be both set")]
    [InlineData("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\nrules:\n  - apiGroups: [\"\"]\n    resources: [pods]\n", "rules[0].verbs: Required value: verbs must contain at least one value")]
    [InlineData("apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata:\n  name: metrics\nspec:\n  group: metrics.k8s.io\n  version: v1beta1\n  groupPriorityMinimum: 100\n  versionPriority: 100\n", "metadata.name: Invalid value: \"metrics\": must be v1beta1.metrics.k8s.io")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: actorscaler\ndata:\n  \"a/b\": x\n", "data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters")]
    public void Invalid_objects_of_the_deployed_kinds_are_refused_as_the_api_server_refuses_them(string manifest, string expected)
    {
        Assert.Equal(0, Kubectl("apply", "-f", Repository.Path("deploy/namespace.yaml")).Exit);
        var file = Path.Combine(_directory, "bad.yaml");
        File.WriteAllText(file, manifest);
        var (exit, _, error) = Kubectl("apply", "--dry-run=server", "-f", file);
        Assert.NotEqual(0, exit);
        Assert.Contains(expected, error);
    }

    private static readonly GroupResource[] Resources =
    [
        new("", "serviceaccounts"), new("", "services"), new("", "configmaps"),
        new("apps", "statefulsets"), new("policy", "poddisruptionbudgets"), new("apiregistration.k8s.io", "apiservices"),
        new("rbac.authorization.k8s.io", "clusterroles"), new("rbac.authorization.k8s.io", "clusterrolebindings"),
    ];
}
