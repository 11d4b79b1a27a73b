using System.Text.Json.Nodes;
using ActorScaler.Simulator.Api.Protobuf;
using Google.Protobuf;
using Xunit;

namespace ActorScaler.Simulator.Tests.Api;

/// <summary>Raw HTTP checks of the API surface: discovery, Tables, selectors, paging, dry run, protobuf, events.</summary>
public sealed class ApiSurfaceTests
{
    [Fact]
    public async Task Discovery_lists_kinds_short_names_verbs_and_subresources()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var (_, apps) = await sim.SendAsync(HttpMethod.Get, "/apis/apps/v1");
        var resources = apps!["resources"]!.AsArray().Select(r => r!).ToList();
        var deployments = resources.Single(r => (string?)r["name"] == "deployments");
        Assert.Equal("Deployment", (string?)deployments["kind"]);
        Assert.Contains("deploy", deployments["shortNames"]!.AsArray().Select(s => (string?)s));
        Assert.Contains("watch", deployments["verbs"]!.AsArray().Select(s => (string?)s));
        var scale = resources.Single(r => (string?)r["name"] == "deployments/scale");
        Assert.Equal(("autoscaling", "v1", "Scale"), ((string?)scale["group"], (string?)scale["version"], (string?)scale["kind"]));

        var (_, groups) = await sim.SendAsync(HttpMethod.Get, "/apis");
        var autoscaling = groups!["groups"]!.AsArray().Single(g => (string?)g!["name"] == "autoscaling")!;
        Assert.Equal("autoscaling/v2", (string?)autoscaling["preferredVersion"]!["groupVersion"]);
        Assert.Equal(["v2", "v1", "v2beta2", "v2beta1"], autoscaling["versions"]!.AsArray().Select(v => (string?)v!["version"]));

        var (openApiStatus, _) = await sim.SendAsync(HttpMethod.Get, "/openapi/v2");
        Assert.Equal(200, openApiStatus);
        var (_, v3) = await sim.SendAsync(HttpMethod.Get, "/openapi/v3");
        Assert.NotNull(v3!["paths"]!["apis/apps/v1"]);
    }

    [Fact]
    public async Task Protobuf_create_namespace_as_kubectl_1_32_sends_it()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        // runtime.Unknown{typeMeta{apiVersion:"v1",kind:"Namespace"}, raw: Namespace{metadata{name:"load"}}}.
        var meta = Message(w => w.WriteString("load"), 1);
        var ns = Message(w => w.WriteBytes(ByteString.CopyFrom(meta)), 1);
        var typeMeta = Concat(Message(w => w.WriteString("v1"), 1), Message(w => w.WriteString("Namespace"), 2));
        var unknown = Concat(Message(w => w.WriteBytes(ByteString.CopyFrom(typeMeta)), 1), Message(w => w.WriteBytes(ByteString.CopyFrom(ns)), 2));
        var body = Concat(KubeProtobuf.Magic.ToArray(), unknown);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/vnd.kubernetes.protobuf");
        using var response = await sim.Http.SendAsync(request);
        Assert.Equal(201, (int)response.StatusCode);
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("load", (string?)created["metadata"]!["name"]);
        Assert.Equal("Active", (string?)created["status"]!["phase"]);

        using var garbage = new HttpRequestMessage(HttpMethod.Post, "/api/v1/namespaces") { Content = new ByteArrayContent([1, 2, 3]) };
        garbage.Content.Headers.TryAddWithoutValidation("Content-Type", "application/vnd.kubernetes.protobuf");
        using var rejected = await sim.Http.SendAsync(garbage);
        Assert.Equal(400, (int)rejected.StatusCode);
    }

    private static byte[] Message(Action<CodedOutputStream> write, int field)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        write(output);
        output.Flush();
        return stream.ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    [Fact]
    public async Task Tables_field_selectors_paging_dry_run_and_delete_collection()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        foreach (var (name, node, phase) in new[] { ("a", "n1", "Running"), ("b", "n2", "Running"), ("c", "n1", "Succeeded") })
        {
            var pod = $$$"""{"metadata":{"name":"{{{name}}}","labels":{"app":"x"}},"spec":{"nodeName":"{{{node}}}","containers":[{"name":"c","image":"i"}]}}""";
            Assert.Equal(201, (await sim.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", pod)).Status);
            // Status is the kubelet's: set it through the status subresource.
            var status = $$$"""{"status":{"phase":"{{{phase}}}"}}""";
            Assert.Equal(200, (await sim.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/default/pods/{name}/status", status, "application/merge-patch+json")).Status);
        }

        var (_, table) = await sim.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods?limit=500", accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        Assert.Equal("Table", (string?)table!["kind"]);
        Assert.Equal(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"],
            table["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]));
        var row = table["rows"]![0]!;
        Assert.Equal("a", (string?)row["cells"]![0]);
        Assert.Equal("Running", (string?)row["cells"]![2]);
        Assert.Equal("PartialObjectMetadata", (string?)row["object"]!["kind"]);

        var (_, onNode) = await sim.SendAsync(HttpMethod.Get,
            "/api/v1/pods?fieldSelector=" + Uri.EscapeDataString("spec.nodeName=n1,status.phase!=Failed,status.phase!=Succeeded"));
        Assert.Equal(["a"], onNode!["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));

        var (_, page) = await sim.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods?limit=2");
        Assert.Equal(2, page!["items"]!.AsArray().Count);
        var token = (string?)page["metadata"]!["continue"];
        var (_, rest) = await sim.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods?limit=2&continue=" + Uri.EscapeDataString(token!));
        Assert.Equal(["c"], rest!["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));

        var (dryStatus, _) = await sim.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/a?dryRun=All");
        Assert.Equal(200, dryStatus);
        Assert.Equal(200, (await sim.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods/a")).Status);

        var (deleteStatus, deleted) = await sim.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods?labelSelector=app%3Dx");
        Assert.Equal(200, deleteStatus);
        Assert.Equal(3, deleted!["items"]!.AsArray().Count);
        var (_, empty) = await sim.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/pods");
        Assert.Empty(empty!["items"]!.AsArray());

        var (badStatus, bad) = await sim.SendAsync(HttpMethod.Get, "/api/v1/pods?fieldSelector=spec.bogus%3Dx");
        Assert.Equal(400, badStatus);
        Assert.Equal("field label not supported: spec.bogus", (string?)bad!["message"]);
    }

    [Fact]
    public async Task Services_get_cluster_ips_and_the_kubernetes_service_exists()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var (_, kubernetes) = await sim.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/services/kubernetes");
        Assert.Equal("10.96.0.1", (string?)kubernetes!["spec"]!["clusterIP"]);
        var (status, created) = await sim.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/services",
            """{"metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80}]}}""");
        Assert.Equal(201, status);
        Assert.Equal("10.96.0.2", (string?)created!["spec"]!["clusterIP"]);
        Assert.Equal(80, (int)created["spec"]!["ports"]![0]!["targetPort"]!);
        Assert.Equal("ClusterIP", (string?)created["spec"]!["type"]);
    }

    [Fact]
    public async Task Events_written_as_events_k8s_io_are_found_by_describes_core_v1_query()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var ev = """
            {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"web.1"},"eventTime":"2026-01-01T00:00:00.000000Z",
             "reportingController":"actorscaler","reportingInstance":"m1","action":"Scale","reason":"SuccessfulRescale",
             "regarding":{"kind":"HorizontalPodAutoscaler","namespace":"default","name":"web","uid":"u-1"},"note":"New size: 3","type":"Normal"}
            """;
        Assert.Equal(201, (await sim.SendAsync(HttpMethod.Post, "/apis/events.k8s.io/v1/namespaces/default/events", ev)).Status);
        var query = "involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=HorizontalPodAutoscaler,involvedObject.uid=u-1";
        var (_, core) = await sim.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/events?fieldSelector=" + Uri.EscapeDataString(query));
        var item = Assert.Single(core!["items"]!.AsArray())!;
        Assert.Equal("New size: 3", (string?)item["message"]);
        Assert.Equal("actorscaler", (string?)item["reportingComponent"]);
        Assert.Equal("web", (string?)item["involvedObject"]!["name"]);
        var (_, back) = await sim.SendAsync(HttpMethod.Get, "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Dweb");
        Assert.Equal("New size: 3", (string?)Assert.Single(back!["items"]!.AsArray())!["note"]);
    }
}
