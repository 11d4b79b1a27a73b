using System.Globalization;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// meta.k8s.io/v1 Table rendering with kube-apiserver's columns and cells
/// (pkg/printers/internalversion/printers.go), so `kubectl get` prints what it prints on a cluster.
/// All columns are rendered, priority-1 ones included; kubectl hides those without -o wide.
/// </summary>
public sealed class Tables(TimeProvider time, int serverMinor)
{
    private sealed record Column(string Name, string Type, string Description, int Priority = 0, string Format = "");

    private static readonly Column NameColumn = new("Name", "string",
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", 0, "name");
    private static readonly Column AgeColumn = new("Age", "string",
        "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.");

    // formatHPAMetrics shows at most this many metrics, then "+ N more...".
    private const int MaxHpaMetricsShown = 2;

    public JsonObject Render(ApiResource resource, IReadOnlyList<JsonObject> objects, long listResourceVersion,
        bool includeObject, bool includeHeaders = true, string? continueToken = null)
    {
        var columns = Columns(resource.Storage);
        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = listResourceVersion.ToString(CultureInfo.InvariantCulture) },
        };
        if (continueToken is not null) table["metadata"]!["continue"] = continueToken;
        table["columnDefinitions"] = includeHeaders
            ? new JsonArray(columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            }).ToArray())
            : new JsonArray();
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var row = new JsonObject { ["cells"] = new JsonArray(Cells(resource.Storage, obj).ToArray()) };
            row["object"] = includeObject ? obj.DeepClone() : PartialObjectMetadata(obj);
            rows.Add(row);
        }
        table["rows"] = rows;
        return table;
    }

    private static JsonObject PartialObjectMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = obj["metadata"]?.DeepClone(),
    };

    private static Column[] Columns(GroupResource gr)
    {
        if (gr == GroupResource.HorizontalPodAutoscalers)
        {
            return
            [
                NameColumn,
                new("Reference", "string", "The reference to the autoscaled resource."),
                new("Targets", "string", "The current and target metrics used to autoscale the resource."),
                new("MinPods", "string", "The lower limit for the number of pods that can be set by the autoscaler, default 1."),
                new("MaxPods", "integer", "The upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas."),
                new("Replicas", "integer", "Current number of replicas of pods managed by this autoscaler."),
                AgeColumn,
            ];
        }
        if (gr == GroupResource.Deployments)
        {
            return
            [
                NameColumn,
                new("Ready", "string", "Number of the pod with ready state"),
                new("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
                new("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
                AgeColumn,
                new("Containers", "string", "Names of each container in the template.", 1),
                new("Images", "string", "Images referenced by each container in the template.", 1),
                new("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1),
            ];
        }
        if (gr == GroupResource.ReplicaSets)
        {
            return
            [
                NameColumn,
                new("Desired", "integer", "Replicas is the number of desired replicas."),
                new("Current", "integer", "Replicas is the most recently observed number of replicas."),
                new("Ready", "integer", "The number of ready replicas for this replica set."),
                AgeColumn,
                new("Containers", "string", "Names of each container in the template.", 1),
                new("Images", "string", "Images referenced by each container in the template.", 1),
                new("Selector", "string", "Selector is a label query over pods that should match the replica count.", 1),
            ];
        }
        if (gr == GroupResource.StatefulSets)
        {
            return
            [
                NameColumn,
                new("Ready", "string", "Number of the pod with ready state"),
                AgeColumn,
                new("Containers", "string", "Names of each container in the template.", 1),
                new("Images", "string", "Images referenced by each container in the template.", 1),
            ];
        }
        if (gr == GroupResource.Pods)
        {
            return
            [
                NameColumn,
                new("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
                new("Status", "string", "The aggregate status of the containers in this pod."),
                new("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
                AgeColumn,
                new("IP", "string", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
                new("Node", "string", "NodeName is a request to schedule this pod onto a specific node.", 1),
                new("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.", 1),
                new("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
            ];
        }
        if (gr == GroupResource.Nodes)
        {
            return
            [
                NameColumn,
                new("Status", "string", "The status of the node"),
                new("Roles", "string", "The roles of the node"),
                AgeColumn,
                new("Version", "string", "Kubelet Version reported by the node."),
                new("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
                new("External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
                new("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
                new("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
                new("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
            ];
        }
        if (gr == GroupResource.Namespaces)
        {
            return [NameColumn, new("Status", "string", "The status of the namespace"), AgeColumn];
        }
        if (gr == GroupResource.Services)
        {
            return
            [
                NameColumn,
                new("Type", "string", "The type of the service."),
                new("Cluster-IP", "string", "The IP address of the service."),
                new("External-IP", "string", "The external IP address of the service."),
                new("Port(s)", "string", "The ports of the service."),
                AgeColumn,
                new("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", 1),
            ];
        }
        if (gr == GroupResource.Events)
        {
            return
            [
                new("Last Seen", "string", "Time when last this event occurred."),
                new("Type", "string", "Type of this event."),
                new("Reason", "string", "Reason why this event was generated."),
                new("Object", "string", "Object this event is about."),
                new("Message", "string", "Message associated with this event."),
            ];
        }
        return [NameColumn, AgeColumn];
    }

    private IEnumerable<JsonNode?> Cells(GroupResource gr, JsonObject o)
    {
        var name = (string?)o["metadata"]?["name"] ?? "";
        var age = Age((string?)o["metadata"]?["creationTimestamp"]);
        var spec = o["spec"] as JsonObject ?? [];
        var status = o["status"] as JsonObject ?? [];
        if (gr == GroupResource.HorizontalPodAutoscalers)
        {
            var target = spec["scaleTargetRef"] as JsonObject ?? [];
            return
            [
                name,
                $"{(string?)target["kind"]}/{(string?)target["name"]}",
                HpaTargets(spec["metrics"] as JsonArray, status["currentMetrics"] as JsonArray),
                spec["minReplicas"] is { } min ? min.ToJsonString() : "<unset>",
                Int(spec["maxReplicas"]),
                Int(status["currentReplicas"]),
                age,
            ];
        }
        if (gr == GroupResource.Deployments)
        {
            return
            [
                name,
                $"{Int(status["readyReplicas"])}/{Int(spec["replicas"])}",
                Int(status["updatedReplicas"]),
                Int(status["availableReplicas"]),
                age,
                Containers(spec, c => (string?)c["name"]),
                Containers(spec, c => (string?)c["image"]),
                SelectorText(spec["selector"]),
            ];
        }
        if (gr == GroupResource.ReplicaSets)
        {
            return
            [
                name, Int(spec["replicas"]), Int(status["replicas"]), Int(status["readyReplicas"]), age,
                Containers(spec, c => (string?)c["name"]), Containers(spec, c => (string?)c["image"]), SelectorText(spec["selector"]),
            ];
        }
        if (gr == GroupResource.StatefulSets)
        {
            return
            [
                name, $"{Int(status["readyReplicas"])}/{Int(spec["replicas"])}", age,
                Containers(spec, c => (string?)c["name"]), Containers(spec, c => (string?)c["image"]),
            ];
        }
        if (gr == GroupResource.Pods) return PodCells(o, name, age);
        if (gr == GroupResource.Nodes) return NodeCells(o, name, age);
        if (gr == GroupResource.Namespaces) return [name, (string?)status["phase"] ?? "", age];
        if (gr == GroupResource.Services)
        {
            var ports = (spec["ports"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(p => $"{p["port"]}{(p["nodePort"] is { } np ? ":" + np : "")}/{(string?)p["protocol"] ?? "TCP"}");
            var selector = spec["selector"] is JsonObject sel && sel.Count > 0
                ? string.Join(",", sel.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))
                : "<none>";
            var portText = string.Join(",", ports);
            return
            [
                name, (string?)spec["type"] ?? "ClusterIP", (string?)spec["clusterIP"] ?? "<none>", "<none>",
                portText.Length == 0 ? "<none>" : portText, age, selector,
            ];
        }
        if (gr == GroupResource.Events)
        {
            var last = (string?)o["lastTimestamp"] ?? (string?)o["eventTime"] ?? (string?)o["firstTimestamp"];
            var involved = o["involvedObject"] as JsonObject ?? [];
            return
            [
                Age(last), (string?)o["type"] ?? "", (string?)o["reason"] ?? "",
                $"{((string?)involved["kind"] ?? "").ToLowerInvariant()}/{(string?)involved["name"]}", (string?)o["message"] ?? "",
            ];
        }
        return [name, age];
    }

    private IEnumerable<JsonNode?> PodCells(JsonObject o, string name, string age)
    {
        var spec = o["spec"] as JsonObject ?? [];
        var status = o["status"] as JsonObject ?? [];
        var containers = (spec["containers"] as JsonArray)?.Count ?? 0;
        var statuses = (status["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var ready = statuses.Count(s => (bool?)s["ready"] == true && s["state"]?["running"] is not null);
        var restarts = statuses.Sum(s => (int?)s["restartCount"] ?? 0);
        var reason = (string?)status["reason"] ?? (string?)status["phase"] ?? "";
        foreach (var s in statuses)
        {
            if ((string?)s["state"]?["waiting"]?["reason"] is { Length: > 0 } waiting) reason = waiting;
            else if ((string?)s["state"]?["terminated"]?["reason"] is { Length: > 0 } terminated) reason = terminated;
        }
        if (o["metadata"]?["deletionTimestamp"] is not null && reason is not ("Succeeded" or "Failed")) reason = "Terminating";
        var ip = (string?)status["podIPs"]?[0]?["ip"] ?? (string?)status["podIP"] ?? "<none>";
        return
        [
            name, $"{ready}/{containers}", reason, restarts.ToString(CultureInfo.InvariantCulture), age, ip,
            (string?)spec["nodeName"] ?? "<none>", (string?)status["nominatedNodeName"] ?? "<none>", "<none>",
        ];
    }

    private IEnumerable<JsonNode?> NodeCells(JsonObject o, string name, string age)
    {
        var status = o["status"] as JsonObject ?? [];
        var ready = (status["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "Ready");
        var state = ready is null ? "Unknown" : (string?)ready["status"] == "True" ? "Ready" : "NotReady";
        if ((bool?)o["spec"]?["unschedulable"] == true) state += ",SchedulingDisabled";
        var roles = new List<string>();
        if (o["metadata"]?["labels"] is JsonObject labels)
        {
            foreach (var (k, v) in labels)
            {
                if (k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal)) roles.Add(k["node-role.kubernetes.io/".Length..]);
                else if (k == "kubernetes.io/role") roles.Add(v?.ToString() ?? "");
            }
        }
        var addresses = (status["addresses"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        string Address(string type) => (string?)addresses.FirstOrDefault(a => (string?)a["type"] == type)?["address"] ?? "<none>";
        var info = status["nodeInfo"] as JsonObject ?? [];
        return
        [
            name, state, roles.Count == 0 ? "<none>" : string.Join(",", roles.Order(StringComparer.Ordinal)), age,
            (string?)info["kubeletVersion"] ?? "", Address("InternalIP"), Address("ExternalIP"),
            (string?)info["osImage"] ?? "<unknown>", (string?)info["kernelVersion"] ?? "<unknown>",
            (string?)info["containerRuntimeVersion"] ?? "<unknown>",
        ];
    }

    /// <summary>formatHPAMetrics; from 1.30 Resource and ContainerResource entries carry a "name: " prefix.</summary>
    internal string HpaTargets(JsonArray? specs, JsonArray? statuses)
    {
        if (specs is null || specs.Count == 0) return "<none>";
        var list = new List<string>();
        var withPrefix = serverMinor >= 30;
        for (var i = 0; i < specs.Count; i++)
        {
            var metric = specs[i] as JsonObject ?? [];
            var current = statuses is not null && i < statuses.Count ? statuses[i] as JsonObject : null;
            switch ((string?)metric["type"])
            {
                case "External":
                case "Object":
                {
                    var key = (string?)metric["type"] == "External" ? "external" : "object";
                    var target = metric[key]?["target"] as JsonObject ?? [];
                    var cur = current?[key]?["current"] as JsonObject;
                    if (target["averageValue"] is { } avg)
                    {
                        list.Add($"{Quantity(cur?["averageValue"])}/{Quantity(avg)} (avg)");
                    }
                    else
                    {
                        list.Add($"{Quantity(cur?["value"])}/{Quantity(target["value"])}");
                    }
                    break;
                }
                case "Pods":
                    list.Add($"{Quantity(current?["pods"]?["current"]?["averageValue"])}/{Quantity(metric["pods"]?["target"]?["averageValue"])}");
                    break;
                case "Resource":
                case "ContainerResource":
                {
                    var key = (string?)metric["type"] == "Resource" ? "resource" : "containerResource";
                    var source = metric[key] as JsonObject ?? [];
                    var target = source["target"] as JsonObject ?? [];
                    var cur = current?[key]?["current"] as JsonObject;
                    var prefix = withPrefix ? $"{(string?)source["name"]}: " : "";
                    string text;
                    if (target["averageValue"] is { } averageValue)
                    {
                        text = $"{Quantity(cur?["averageValue"])}/{Quantity(averageValue)}";
                    }
                    else
                    {
                        var currentText = cur?["averageUtilization"] is { } u ? $"{u.ToJsonString()}%" : "<unknown>";
                        var targetText = target["averageUtilization"] is { } t ? $"{t.ToJsonString()}%" : "<auto>";
                        text = $"{currentText}/{targetText}";
                    }
                    list.Add(prefix + text);
                    break;
                }
                default:
                    list.Add("<unknown type>");
                    break;
            }
        }
        if (list.Count > MaxHpaMetricsShown)
        {
            return $"{string.Join(", ", list.Take(MaxHpaMetricsShown))} + {list.Count - MaxHpaMetricsShown} more...";
        }
        return string.Join(", ", list);
    }

    private static string Quantity(JsonNode? q) => q is null ? "<unknown>" : q is JsonValue v && v.TryGetValue<string>(out var s) ? s : q.ToJsonString();

    private static JsonNode Int(JsonNode? n) => JsonNumbers.Long(n) ?? 0;

    private static string Containers(JsonObject spec, Func<JsonObject, string?> field)
    {
        var containers = spec["template"]?["spec"]?["containers"] as JsonArray ?? [];
        return string.Join(",", containers.OfType<JsonObject>().Select(field));
    }

    private static string SelectorText(JsonNode? selector)
    {
        if (selector is null) return "<none>";
        var text = LabelSelector.FromJson(selector).ToString();
        return text.Length == 0 ? "<none>" : text;
    }

    /// <summary>translateTimestampSince: duration.HumanDuration of now - t.</summary>
    public string Age(string? timestamp)
    {
        if (string.IsNullOrEmpty(timestamp) || !DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            return "<unknown>";
        }
        return HumanDuration(time.GetUtcNow() - t);
    }

    /// <summary>k8s.io/apimachinery/pkg/util/duration.HumanDuration.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return $"{seconds}s";
        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }
        if (minutes < 60 * 3) return $"{minutes}m";
        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }
        return $"{hours / 24 / 365}y";
    }
}
