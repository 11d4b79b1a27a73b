using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// The API server's defaulting for the kinds clients rely on (pkg/apis/*/v1/defaults.go), applied
/// to the stored form before every create and update. HPAs are defaulted by the core (HpaDefaults). kubectl's describe dereferences
/// spec.replicas of a Deployment without a nil check, so these are not cosmetic.
/// </summary>
public static class Defaulting
{
    // pkg/apis/apps/v1/defaults.go and pkg/apis/core/v1/defaults.go constants.
    private const int DefaultReplicas = 1;
    private const string DefaultMaxSurge = "25%";
    private const string DefaultMaxUnavailable = "25%";
    private const int DefaultRevisionHistoryLimit = 10;
    private const int DefaultProgressDeadlineSeconds = 600;
    private const int DefaultTerminationGracePeriodSeconds = 30;
    private const string DefaultSchedulerName = "default-scheduler";
    private const string DefaultTerminationMessagePath = "/dev/termination-log";

    public static void Apply(GroupResource storage, JsonObject obj)
    {
        if (storage == GroupResource.Deployments) Deployment(obj);
        else if (storage == GroupResource.ReplicaSets) ReplicaSet(obj);
        else if (storage == GroupResource.StatefulSets) StatefulSet(obj);
        else if (storage == GroupResource.Pods) PodSpec(Child(obj, "spec"));
        else if (storage == GroupResource.Namespaces) Namespace(obj);
        else if (storage == GroupResource.Services) Service(obj);
    }

    private static void Deployment(JsonObject obj)
    {
        var spec = Child(obj, "spec");
        spec["replicas"] ??= DefaultReplicas;
        var strategy = Child(spec, "strategy");
        strategy["type"] ??= "RollingUpdate";
        if ((string?)strategy["type"] == "RollingUpdate")
        {
            var rolling = Child(strategy, "rollingUpdate");
            rolling["maxUnavailable"] ??= DefaultMaxUnavailable;
            rolling["maxSurge"] ??= DefaultMaxSurge;
        }
        spec["revisionHistoryLimit"] ??= DefaultRevisionHistoryLimit;
        spec["progressDeadlineSeconds"] ??= DefaultProgressDeadlineSeconds;
        PodTemplate(spec);
    }

    private static void ReplicaSet(JsonObject obj)
    {
        var spec = Child(obj, "spec");
        spec["replicas"] ??= DefaultReplicas;
        PodTemplate(spec);
    }

    private static void StatefulSet(JsonObject obj)
    {
        var spec = Child(obj, "spec");
        spec["replicas"] ??= DefaultReplicas;
        spec["podManagementPolicy"] ??= "OrderedReady";
        spec["revisionHistoryLimit"] ??= DefaultRevisionHistoryLimit;
        var update = Child(spec, "updateStrategy");
        update["type"] ??= "RollingUpdate";
        if ((string?)update["type"] == "RollingUpdate") Child(update, "rollingUpdate")["partition"] ??= 0;
        PodTemplate(spec);
    }

    private static void PodTemplate(JsonObject spec)
    {
        if (spec["template"] is JsonObject template) PodSpec(Child(template, "spec"));
    }

    private static void PodSpec(JsonObject spec)
    {
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= DefaultTerminationGracePeriodSeconds;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["securityContext"] ??= new JsonObject();
        spec["schedulerName"] ??= DefaultSchedulerName;
        foreach (var key in new[] { "initContainers", "containers" })
        {
            if (spec[key] is not JsonArray containers) continue;
            foreach (var c in containers.OfType<JsonObject>())
            {
                c["terminationMessagePath"] ??= DefaultTerminationMessagePath;
                c["terminationMessagePolicy"] ??= "File";
                c["imagePullPolicy"] ??= PullPolicy((string?)c["image"]);
                c["resources"] ??= new JsonObject();
                if (c["ports"] is JsonArray ports)
                {
                    foreach (var p in ports.OfType<JsonObject>()) p["protocol"] ??= "TCP";
                }
            }
        }
    }

    // Always for :latest or an untagged image, IfNotPresent otherwise (SetDefaults_Container).
    private static string PullPolicy(string? image)
    {
        if (string.IsNullOrEmpty(image) || image.Contains('@', StringComparison.Ordinal)) return "IfNotPresent";
        var lastSlash = image.LastIndexOf('/');
        var tagSep = image.IndexOf(':', lastSlash + 1);
        return tagSep < 0 || image[(tagSep + 1)..] == "latest" ? "Always" : "IfNotPresent";
    }

    private static void Namespace(JsonObject obj)
    {
        var name = (string?)obj["metadata"]?["name"];
        if (!string.IsNullOrEmpty(name))
        {
            // kube-apiserver 1.21+ labels every namespace with its own name.
            Child(Child(obj, "metadata"), "labels")["kubernetes.io/metadata.name"] = name;
        }
        var spec = Child(obj, "spec");
        spec["finalizers"] ??= new JsonArray("kubernetes");
        Child(obj, "status")["phase"] ??= "Active";
    }

    private static void Service(JsonObject obj)
    {
        var spec = Child(obj, "spec");
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        spec["internalTrafficPolicy"] ??= "Cluster";
        if (spec["ports"] is JsonArray ports)
        {
            foreach (var p in ports.OfType<JsonObject>())
            {
                p["protocol"] ??= "TCP";
                p["targetPort"] ??= p["port"]?.DeepClone();
            }
        }
    }

    internal static JsonObject Child(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject child) return child;
        child = new JsonObject();
        parent[key] = child;
        return child;
    }
}
