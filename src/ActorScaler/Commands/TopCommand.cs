using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using ActorScaler.Core.Quantities;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Metrics.Api;
using k8s;
using k8s.Autorest;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorScaler.Commands;

/// <summary>
/// `actorscaler top nodes|pods`: the tables `kubectl top` prints (kubectl 1.32+ headers), read from
/// metrics.k8s.io/v1beta1 through the API server, so it shows what the HPA and kubectl see.
/// </summary>
public sealed class TopCommand : AsyncCommand<TopCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<RESOURCE>")]
        [Description("nodes (node, no) or pods (pod, po).")]
        public string Resource { get; init; } = "";

        [CommandOption("-A|--all-namespaces")]
        [Description("Pods of every namespace (adds a NAMESPACE column).")]
        public bool AllNamespaces { get; init; }

        [CommandOption("-n|--namespace <NS>")]
        [Description("Namespace of the pods (default: the kubeconfig context's, else default).")]
        public string? Namespace { get; init; }

        [CommandOption("-l|--selector <LABELS>")]
        [Description("Label selector to filter on.")]
        public string? Selector { get; init; }

        [CommandOption("--kubeconfig <FILE>")]
        [Description("Path to a kubeconfig (default: $KUBECONFIG, then ~/.kube/config).")]
        public string? Kubeconfig { get; init; }

        public override ValidationResult Validate()
        {
            if (TopTables.ParseResource(Resource) is null)
                return ValidationResult.Error($"invalid resource \"{Resource}\": must be nodes or pods");
            if (AllNamespaces && Namespace is not null)
                return ValidationResult.Error("-A/--all-namespaces and -n/--namespace are mutually exclusive");
            if (Selector is not null && !Core.Spec.Selector.TryParse(Selector, out _, out var error))
                return ValidationResult.Error($"invalid value for --selector: {error}");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        IKubernetes client;
        string contextNamespace;
        try
        {
            var path = settings.Kubeconfig
                ?? Environment.GetEnvironmentVariable("KUBECONFIG")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
            client = KubernetesClientFactory.Create(KubernetesConnection.FromKubeconfig(path, "actorscaler-top"));
            contextNamespace = KubernetesClientConfiguration.BuildConfigFromConfigFile(path).Namespace ?? "default";
        }
        catch (Exception ex) when (ex is FileNotFoundException or k8s.Exceptions.KubeConfigException)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        using (client)
        {
            try
            {
                var output = TopTables.ParseResource(settings.Resource) == "nodes"
                    ? await TopNodesAsync(client, settings.Selector, cancellationToken).ConfigureAwait(false)
                    : await TopPodsAsync(client, settings.AllNamespaces ? null : settings.Namespace ?? contextNamespace, settings.Selector, cancellationToken).ConfigureAwait(false);
                Console.Out.Write(output);
                return 0;
            }
            catch (TopException ex)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.ServiceUnavailable)
            {
                await Console.Error.WriteLineAsync("error: Metrics API not available").ConfigureAwait(false);
                return 1;
            }
            catch (HttpOperationException ex)
            {
                await Console.Error.WriteLineAsync($"error: {(int)ex.Response.StatusCode} {ex.Response.ReasonPhrase}: {ex.Response.Content}").ConfigureAwait(false);
                return 1;
            }
            catch (HttpRequestException ex)
            {
                await Console.Error.WriteLineAsync($"error: Unable to connect to the server: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        }
    }

    private static async Task<string> TopNodesAsync(IKubernetes client, string? selector, CancellationToken cancellationToken)
    {
        var list = await client.CustomObjects.ListClusterCustomObjectAsync(MetricsJson.Group, MetricsJson.PreferredVersion, "nodes",
            labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        var metrics = TopTables.ReadNodeMetrics(ToJson(list));
        if (metrics.Count == 0)
            throw new TopException("metrics not available yet");
        var nodes = await client.CoreV1.ListNodeAsync(labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        var allocatable = new Dictionary<string, (Quantity? Cpu, Quantity? Memory)>(StringComparer.Ordinal);
        foreach (var node in nodes.Items)
        {
            Quantity? cpu = null, memory = null;
            if (node.Status?.Allocatable is { } a)
            {
                if (a.TryGetValue("cpu", out var c) && Quantity.TryParse(c.ToString(), out var cq, out _)) cpu = cq;
                if (a.TryGetValue("memory", out var m) && Quantity.TryParse(m.ToString(), out var mq, out _)) memory = mq;
            }
            allocatable[node.Metadata.Name] = (cpu, memory);
        }
        return TopTables.Nodes(metrics, allocatable);
    }

    private static async Task<string> TopPodsAsync(IKubernetes client, string? ns, string? selector, CancellationToken cancellationToken)
    {
        var list = ns is null
            ? await client.CustomObjects.ListClusterCustomObjectAsync(MetricsJson.Group, MetricsJson.PreferredVersion, "pods",
                labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await client.CustomObjects.ListNamespacedCustomObjectAsync(MetricsJson.Group, MetricsJson.PreferredVersion, ns, "pods",
                labelSelector: selector, cancellationToken: cancellationToken).ConfigureAwait(false);
        var metrics = TopTables.ReadPodMetrics(ToJson(list));
        if (metrics.Count == 0)
            throw new TopException(ns is null ? "metrics not available yet (no pod has metrics)" : $"metrics not available yet (no pod in namespace {ns} has metrics)");
        return TopTables.Pods(metrics, withNamespace: ns is null);
    }

    private static JsonElement ToJson(object response) => response switch
    {
        JsonElement element => element,
        _ => JsonSerializer.SerializeToElement(response),
    };

    private sealed class TopException(string message) : Exception(message);
}

/// <summary>Reading Metrics API lists and printing them as kubectl top does.</summary>
public static class TopTables
{
    // kubectl 1.32+ headers (CPU%/MEMORY% before).
    private static readonly string[] NodeHeader = ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"];

    public sealed record NodeRow(string Name, Quantity Cpu, Quantity Memory);

    public sealed record PodRow(string Namespace, string Name, Quantity Cpu, Quantity Memory);

    public static string? ParseResource(string resource) => resource switch
    {
        "nodes" or "node" or "no" => "nodes",
        "pods" or "pod" or "po" => "pods",
        _ => null,
    };

    public static List<NodeRow> ReadNodeMetrics(JsonElement list)
    {
        var rows = new List<NodeRow>();
        foreach (var item in Items(list))
        {
            var usage = item.GetProperty("usage");
            rows.Add(new NodeRow(item.GetProperty("metadata").GetProperty("name").GetString() ?? "",
                ParseQuantity(usage, "cpu"), ParseQuantity(usage, "memory")));
        }
        return rows;
    }

    public static List<PodRow> ReadPodMetrics(JsonElement list)
    {
        var rows = new List<PodRow>();
        foreach (var item in Items(list))
        {
            var metadata = item.GetProperty("metadata");
            var cpu = Quantity.Zero;
            var memory = Quantity.Zero;
            if (item.TryGetProperty("containers", out var containers))
            {
                foreach (var container in containers.EnumerateArray())
                {
                    var usage = container.GetProperty("usage");
                    cpu = cpu.Add(ParseQuantity(usage, "cpu"));
                    memory = memory.Add(ParseQuantity(usage, "memory"));
                }
            }
            rows.Add(new PodRow(metadata.TryGetProperty("namespace", out var ns) ? ns.GetString() ?? "" : "",
                metadata.GetProperty("name").GetString() ?? "", cpu, memory));
        }
        return rows;
    }

    /// <summary>kubectl's node table: NAME, CPU(cores), CPU(%), MEMORY(bytes), MEMORY(%); nodes the API
    /// lists but that have no metrics are printed last with &lt;unknown&gt;.</summary>
    public static string Nodes(IReadOnlyList<NodeRow> metrics, IReadOnlyDictionary<string, (Quantity? Cpu, Quantity? Memory)> allocatable)
    {
        var rows = new List<string[]> { NodeHeader };
        var missing = new SortedSet<string>(allocatable.Keys, StringComparer.Ordinal);
        foreach (var m in metrics)
        {
            missing.Remove(m.Name);
            allocatable.TryGetValue(m.Name, out var a);
            rows.Add([m.Name, Cpu(m.Cpu), Percent(m.Cpu, a.Cpu), Memory(m.Memory), Percent(m.Memory, a.Memory)]);
        }
        foreach (var name in missing)
            rows.Add([name, "<unknown>", "<unknown>", "<unknown>", "<unknown>"]);
        return Tabulate(rows);
    }

    public static string Pods(IReadOnlyList<PodRow> metrics, bool withNamespace)
    {
        var rows = new List<string[]>
        {
            withNamespace ? ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"] : ["NAME", "CPU(cores)", "MEMORY(bytes)"],
        };
        foreach (var m in metrics)
            rows.Add(withNamespace ? [m.Namespace, m.Name, Cpu(m.Cpu), Memory(m.Memory)] : [m.Name, Cpu(m.Cpu), Memory(m.Memory)]);
        return Tabulate(rows);
    }

    /// <summary>kubectl prints CPU as milli-cores (rounded up, MilliValue) and memory in whole Mi.</summary>
    public static string Cpu(Quantity q) => q.MilliValue().ToString(CultureInfo.InvariantCulture) + "m";

    public static string Memory(Quantity q) => (q.Value() / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + "Mi";

    private static string Percent(Quantity usage, Quantity? available)
    {
        if (available is not { } a || a.MilliValue() == 0)
            return "<unknown>";
        var percent = (long)((double)usage.MilliValue() / a.MilliValue() * 100);
        return percent.ToString(CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>Go's tabwriter as kubectl configures it (minwidth 6, padding 3, every cell tab-terminated,
    /// so the last column is padded too).</summary>
    public static string Tabulate(IReadOnlyList<string[]> rows)
    {
        const int minWidth = 6, padding = 3;
        var columns = rows.Max(r => r.Length);
        var widths = new int[columns];
        foreach (var row in rows)
            for (var i = 0; i < row.Length; i++)
                widths[i] = Math.Max(widths[i], Math.Max(minWidth, row[i].Length + padding));
        var sb = new StringBuilder();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
                sb.Append(row[i].PadRight(widths[i]));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static JsonElement.ArrayEnumerator Items(JsonElement list) =>
        list.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array ? items.EnumerateArray() : default;

    private static Quantity ParseQuantity(JsonElement usage, string name) =>
        usage.TryGetProperty(name, out var value) && Quantity.TryParse(value.GetString(), out var q, out _) ? q : Quantity.Zero;
}
