namespace ActorScaler.Simulator.Storage;

/// <summary>
/// A resource within an API group (schema.GroupResource). The store keys objects by group and
/// resource, not by version: as in etcd, one stored form is served in every version.
/// </summary>
public readonly record struct GroupResource(string Group, string Resource)
{
    public static readonly GroupResource Namespaces = new("", "namespaces");
    public static readonly GroupResource Nodes = new("", "nodes");
    public static readonly GroupResource Pods = new("", "pods");
    public static readonly GroupResource Services = new("", "services");
    public static readonly GroupResource Endpoints = new("", "endpoints");
    public static readonly GroupResource Events = new("", "events");
    public static readonly GroupResource ConfigMaps = new("", "configmaps");
    public static readonly GroupResource ServiceAccounts = new("", "serviceaccounts");
    public static readonly GroupResource Deployments = new("apps", "deployments");
    public static readonly GroupResource ReplicaSets = new("apps", "replicasets");
    public static readonly GroupResource StatefulSets = new("apps", "statefulsets");
    public static readonly GroupResource HorizontalPodAutoscalers = new("autoscaling", "horizontalpodautoscalers");
    public static readonly GroupResource Leases = new("coordination.k8s.io", "leases");
    public static readonly GroupResource ApiServices = new("apiregistration.k8s.io", "apiservices");

    /// <summary>"deployments.apps", the form kube-apiserver uses in error messages.</summary>
    public override string ToString() => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}
