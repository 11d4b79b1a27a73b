using ActorScaler.Simulator.Storage;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// One resource as served in one group/version: what discovery lists and what the handler needs
/// to route a request. <see cref="Storage"/> is where it lives in the store: all HPA versions and
/// both event APIs share one stored form, as in kube-apiserver.
/// </summary>
public sealed record ApiResource(
    string Group,
    string Version,
    string Resource,
    string Kind,
    bool Namespaced,
    string Singular,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories,
    bool HasStatus,
    bool HasScale,
    GroupResource Storage)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
    public string ListKind => Kind + "List";
    public GroupResource GroupResource => new(Group, Resource);
}

/// <summary>
/// Every group/version/resource the simulator serves, in kube-apiserver's preference order
/// (the first version of a group is its preferred version; autoscaling/v2 before v1).
/// </summary>
public static class ResourceCatalog
{
    public static readonly IReadOnlyList<string> AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    public static readonly IReadOnlyList<string> SubresourceVerbs = ["get", "patch", "update"];

    private static readonly string[] All = ["all"];
    private static readonly string[] None = [];

    public static readonly IReadOnlyList<ApiResource> Resources = Build();

    /// <summary>Groups in discovery order, each with its versions in preference order.</summary>
    public static IReadOnlyList<(string Group, IReadOnlyList<string> Versions)> Groups { get; } =
        Resources.GroupBy(r => r.Group)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(r => r.Version).Distinct().ToList()))
            .ToList();

    private static readonly Dictionary<(string, string, string), ApiResource> ByPath =
        Resources.ToDictionary(r => (r.Group, r.Version, r.Resource));

    public static ApiResource? Find(string group, string version, string resource) =>
        ByPath.TryGetValue((group, version, resource), out var r) ? r : null;

    public static bool ServesGroupVersion(string group, string version) =>
        Resources.Any(r => r.Group == group && r.Version == version);

    public static IEnumerable<ApiResource> InGroupVersion(string group, string version) =>
        Resources.Where(r => r.Group == group && r.Version == version);

    /// <summary>The preferred (storage-facing) entry for a stored resource: used to render watch/list kinds.</summary>
    public static ApiResource Preferred(GroupResource storage) => Resources.First(r => r.Storage == storage);

    private static List<ApiResource> Build()
    {
        var list = new List<ApiResource>();
        void Add(string group, string version, string resource, string kind, bool namespaced, string[] shortNames,
            string[]? categories = null, bool status = false, bool scale = false, GroupResource? storage = null, string? singular = null)
        {
            list.Add(new ApiResource(group, version, resource, kind, namespaced, singular ?? kind.ToLowerInvariant(),
                shortNames, categories ?? None, status, scale, storage ?? new GroupResource(group, resource)));
        }

        Add("", "v1", "namespaces", "Namespace", false, ["ns"], status: true);
        Add("", "v1", "nodes", "Node", false, ["no"], status: true);
        Add("", "v1", "pods", "Pod", true, ["po"], All, status: true);
        Add("", "v1", "services", "Service", true, ["svc"], All, status: true);
        Add("", "v1", "endpoints", "Endpoints", true, ["ep"], singular: "endpoints");
        Add("", "v1", "events", "Event", true, ["ev"]);
        Add("", "v1", "configmaps", "ConfigMap", true, ["cm"]);
        Add("", "v1", "secrets", "Secret", true, None);
        Add("", "v1", "serviceaccounts", "ServiceAccount", true, ["sa"]);

        Add("apiregistration.k8s.io", "v1", "apiservices", "APIService", false, None, status: true);

        Add("apps", "v1", "deployments", "Deployment", true, ["deploy"], All, status: true, scale: true);
        Add("apps", "v1", "replicasets", "ReplicaSet", true, ["rs"], All, status: true, scale: true);
        Add("apps", "v1", "statefulsets", "StatefulSet", true, ["sts"], All, status: true, scale: true);

        var hpa = GroupResource.HorizontalPodAutoscalers;
        foreach (var version in new[] { "v2", "v1", "v2beta2", "v2beta1" })
        {
            Add("autoscaling", version, "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, ["hpa"], All, status: true, storage: hpa);
        }

        Add("coordination.k8s.io", "v1", "leases", "Lease", true, None);
        Add("events.k8s.io", "v1", "events", "Event", true, ["ev"], storage: GroupResource.Events);
        Add("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, ["pdb"], status: true);

        const string rbac = "rbac.authorization.k8s.io";
        Add(rbac, "v1", "clusterrolebindings", "ClusterRoleBinding", false, None);
        Add(rbac, "v1", "clusterroles", "ClusterRole", false, None);
        Add(rbac, "v1", "rolebindings", "RoleBinding", true, None);
        Add(rbac, "v1", "roles", "Role", true, None);
        return list;
    }
}
