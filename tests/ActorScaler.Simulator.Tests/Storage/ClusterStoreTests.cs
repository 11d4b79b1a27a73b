using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ActorScaler.Simulator.Tests.Storage;

public sealed class ClusterStoreTests
{
    private static readonly GroupResource Pods = GroupResource.Pods;
    private static readonly GroupResource Deployments = GroupResource.Deployments;

    private static JsonObject Pod(string name, string ns = "default", string? node = null, string phase = "Running",
        Dictionary<string, string>? labels = null)
    {
        var pod = new JsonObject
        {
            ["kind"] = "Pod",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c" }) },
            ["status"] = new JsonObject { ["phase"] = phase },
        };
        if (node is not null) pod["spec"]!["nodeName"] = node;
        if (labels is not null)
        {
            var l = new JsonObject();
            foreach (var (k, v) in labels) l[k] = v;
            pod["metadata"]!["labels"] = l;
        }
        return pod;
    }

    private static JsonObject Deployment(string name, int replicas) => new()
    {
        ["kind"] = "Deployment",
        ["apiVersion"] = "apps/v1",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject { ["replicas"] = replicas },
    };

    [Fact]
    public void Create_assigns_uid_timestamp_generation_and_monotonic_resource_versions()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var store = new ClusterStore(time);
        var a = store.Create(Deployments, Deployment("a", 1));
        var b = store.Create(Deployments, Deployment("b", 1));
        Assert.True(b.ResourceVersion > a.ResourceVersion);
        var obj = a.ToJsonObject();
        Assert.Equal("2026-01-02T03:04:05Z", (string?)obj["metadata"]!["creationTimestamp"]);
        Assert.Equal(1, (long?)obj["metadata"]!["generation"]);
        Assert.Equal(a.ResourceVersion.ToString(), (string?)obj["metadata"]!["resourceVersion"]);
        Assert.True(Guid.TryParse((string?)obj["metadata"]!["uid"], out _));
        Assert.Equal(b.ResourceVersion, store.ResourceVersion);
    }

    [Fact]
    public void Create_twice_is_AlreadyExists_and_generateName_makes_unique_names()
    {
        var store = new ClusterStore();
        store.Create(Pods, Pod("p"));
        var e = Assert.Throws<StatusException>(() => store.Create(Pods, Pod("p")));
        Assert.Equal(409, e.Code);
        Assert.Equal("pods \"p\" already exists", e.Message);

        var generated = Pod("");
        generated["metadata"]!["generateName"] = "web-";
        var one = store.Create(Pods, generated);
        var two = store.Create(Pods, (JsonObject)generated.DeepClone());
        Assert.StartsWith("web-", one.Name);
        Assert.Equal("web-".Length + 5, one.Name.Length);
        Assert.NotEqual(one.Name, two.Name);
    }

    [Fact]
    public void Missing_name_is_422_naming_metadata_name()
    {
        var store = new ClusterStore();
        var e = Assert.Throws<StatusException>(() => store.Create(Pods, Pod("")));
        Assert.Equal(422, e.Code);
        Assert.Equal("metadata.name", Assert.Single(e.Causes).Field);
    }

    [Fact]
    public void Stale_update_is_409_Conflict_and_generation_bumps_only_on_spec_change()
    {
        var store = new ClusterStore();
        var created = store.Create(Deployments, Deployment("web", 1));

        var labelled = created.ToJsonObject();
        labelled["metadata"]!["labels"] = new JsonObject { ["a"] = "b" };
        var afterLabel = store.Update(Deployments, labelled);
        Assert.Equal(1, (long?)afterLabel.ToJsonObject()["metadata"]!["generation"]);

        var scaled = afterLabel.ToJsonObject();
        scaled["spec"]!["replicas"] = 3;
        var afterScale = store.Update(Deployments, scaled);
        Assert.Equal(2, (long?)afterScale.ToJsonObject()["metadata"]!["generation"]);

        var stale = created.ToJsonObject();
        stale["spec"]!["replicas"] = 5;
        var e = Assert.Throws<StatusException>(() => store.Update(Deployments, stale));
        Assert.Equal(409, e.Code);
        Assert.Equal(StatusReasons.Conflict, e.Reason);
        Assert.Contains("the object has been modified", e.Message);
    }

    [Fact]
    public void No_op_update_keeps_the_resource_version()
    {
        var store = new ClusterStore();
        var created = store.Create(Pods, Pod("p"));
        var same = store.Update(Pods, created.ToJsonObject());
        Assert.Same(created, same);
        Assert.Equal(created.ResourceVersion, store.ResourceVersion);
    }

    [Fact]
    public void Mutating_update_retries_and_sees_latest()
    {
        var store = new ClusterStore();
        store.Create(Deployments, Deployment("web", 1));
        Parallel.For(0, 20, _ => store.Update(Deployments, "default", "web", o =>
        {
            o["spec"]!["replicas"] = (int)o["spec"]!["replicas"]! + 1;
            return true;
        }));
        Assert.Equal(21, (int)store.GetObject(Deployments, "default", "web")!["spec"]!["replicas"]!);
        Assert.Throws<StatusException>(() => store.Update(Deployments, "default", "missing", _ => true));
    }

    [Fact]
    public void List_filters_by_namespace_label_and_field_selectors_and_pages()
    {
        var store = new ClusterStore();
        store.Create(Pods, Pod("a", node: "n1", labels: new() { ["app"] = "web" }));
        store.Create(Pods, Pod("b", node: "n2", labels: new() { ["app"] = "web", ["tier"] = "x" }));
        store.Create(Pods, Pod("c", node: "n1", phase: "Succeeded", labels: new() { ["app"] = "db" }));
        store.Create(Pods, Pod("d", ns: "other", node: "n1"));

        string[] Names(ListOptions o) => store.List(Pods, o).Items.Select(i => i.Name).ToArray();

        Assert.Equal(["a", "b", "c", "d"], Names(new ListOptions()));
        Assert.Equal(["a", "b", "c"], Names(new ListOptions { Namespace = "default" }));
        Assert.Equal(["a", "b"], Names(new ListOptions { LabelSelector = LabelSelector.Parse("app=web") }));
        Assert.Equal(["c", "d"], Names(new ListOptions { LabelSelector = LabelSelector.Parse("app notin (web)") }));
        Assert.Equal(["b"], Names(new ListOptions { LabelSelector = LabelSelector.Parse("app in (web,db),tier") }));
        Assert.Equal(["a", "c"], Names(new ListOptions { LabelSelector = LabelSelector.Parse("!tier,app") }));
        Assert.Equal(["a", "d"], Names(new ListOptions
        {
            FieldSelector = FieldSelector.Parse("spec.nodeName=n1,status.phase!=Failed,status.phase!=Succeeded"),
        }));
        Assert.Equal(["b"], Names(new ListOptions { FieldSelector = FieldSelector.Parse("metadata.name==b") }));

        var page1 = store.List(Pods, new ListOptions { Limit = 3 });
        Assert.Equal(3, page1.Items.Count);
        Assert.Equal(1, page1.RemainingItemCount);
        var page2 = store.List(Pods, new ListOptions { Limit = 3, Continue = page1.Continue });
        Assert.Equal("d", Assert.Single(page2.Items).Name);
        Assert.Null(page2.Continue);

        var bad = Assert.Throws<StatusException>(() => store.List(Pods, new ListOptions { FieldSelector = FieldSelector.Parse("spec.foo=x") }));
        Assert.Equal(400, bad.Code);
        Assert.Equal("field label not supported: spec.foo", bad.Message);
    }

    [Fact]
    public async Task Pages_of_one_list_show_the_first_pages_version_and_a_watch_from_it_misses_nothing()
    {
        // What an informer does: list in pages, then watch from the list's resourceVersion. Writes made
        // between the pages must show up in the watch, not vanish between a later page and the watch.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var store = new ClusterStore(time);
        foreach (var name in new[] { "a", "b", "c", "d" })
            store.Create(Pods, Pod(name, phase: "Pending"));
        var page1 = store.List(Pods, new ListOptions { Limit = 2 });
        Assert.Equal(["a", "b"], page1.Items.Select(i => i.Name));

        // Meanwhile: an object of page 1 and one of page 2 change, one is added, one deleted.
        store.Update(Pods, "default", "a", o => { o["status"]!["phase"] = "Running"; return true; });
        store.Update(Pods, "default", "c", o => { o["status"]!["phase"] = "Running"; return true; });
        store.Create(Pods, Pod("e"));
        store.Delete(Pods, "default", "d");

        var page2 = store.List(Pods, new ListOptions { Limit = 2, Continue = page1.Continue });
        Assert.Equal(["c", "d"], page2.Items.Select(i => i.Name));
        Assert.Equal(page1.ResourceVersion, page2.ResourceVersion);
        Assert.Equal("Pending", (string?)page2.Items[0].ToJsonObject()["status"]!["phase"]);
        Assert.Null(page2.Continue);

        using var watch = store.Watch(Pods, new WatchOptions { ResourceVersion = page2.ResourceVersion });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var events = new List<(WatchEventType, string)>();
        for (var i = 0; i < 4; i++)
        {
            var e = (await watch.ReadAsync(cts.Token))!;
            events.Add((e.Type, e.Object!.Name));
        }
        Assert.Equal([(WatchEventType.Modified, "a"), (WatchEventType.Modified, "c"), (WatchEventType.Added, "e"), (WatchEventType.Deleted, "d")], events);

        // A continue token outlives its snapshot only as long as kube-apiserver's outlive compaction.
        var again = store.List(Pods, new ListOptions { Limit = 1 });
        time.Advance(ClusterStore.ListSnapshotLifetime + TimeSpan.FromSeconds(1));
        var expired = Assert.Throws<StatusException>(() => store.List(Pods, new ListOptions { Limit = 1, Continue = again.Continue }));
        Assert.Equal(410, expired.Code);
        Assert.Equal(StatusReasons.Expired, expired.Reason);
        Assert.StartsWith("The provided continue parameter is too old", expired.Message);

        // A token of another list (here: another namespace) is refused, not served from the wrong list.
        var scoped = store.List(Pods, new ListOptions { Limit = 1 });
        var wrong = Assert.Throws<StatusException>(() => store.List(Pods, new ListOptions { Namespace = "other", Limit = 1, Continue = scoped.Continue }));
        Assert.Equal(400, wrong.Code);
    }

    [Fact]
    public void Json_label_selector_converts_and_prints_canonically()
    {
        var selector = LabelSelector.FromJson(JsonNode.Parse("""{"matchLabels":{"b":"2","a":"1"},"matchExpressions":[{"key":"t","operator":"In","values":["x","y"]}]}"""));
        Assert.Equal("a=1,b=2,t in (x,y)", selector.ToString());
        Assert.True(selector.Matches(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["t"] = "y" }));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }));
        Assert.False(LabelSelector.FromJson(null).Matches(new Dictionary<string, string>()));
    }

    [Fact]
    public async Task Watch_from_zero_starts_with_synthetic_added_then_live_changes()
    {
        var store = new ClusterStore();
        store.Create(Pods, Pod("a"));
        using var watch = store.Watch(Pods, new WatchOptions { ResourceVersion = 0 });
        store.Create(Pods, Pod("b"));
        store.Delete(Pods, "default", "a");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var events = new List<WatchEvent>();
        for (var i = 0; i < 3; i++) events.Add((await watch.ReadAsync(cts.Token))!);
        Assert.Equal([WatchEventType.Added, WatchEventType.Added, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal(["a", "b", "a"], events.Select(e => e.Object!.Name));
        Assert.True(events[2].ResourceVersion > events[1].ResourceVersion);
    }

    [Fact]
    public async Task Watch_from_resource_version_replays_history_and_selector_transitions()
    {
        var store = new ClusterStore();
        store.Create(Pods, Pod("unrelated"));
        var rv = store.ResourceVersion;
        store.Create(Pods, Pod("a", labels: new() { ["app"] = "web" }));
        store.Update(Pods, "default", "a", o =>
        {
            o["metadata"]!["labels"]!["app"] = "db";
            return true;
        });
        store.Update(Pods, "default", "a", o =>
        {
            o["metadata"]!["labels"]!["app"] = "web";
            return true;
        });
        using var watch = store.Watch(Pods, new WatchOptions { ResourceVersion = rv, LabelSelector = LabelSelector.Parse("app=web") });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var types = new List<WatchEventType>();
        for (var i = 0; i < 3; i++) types.Add((await watch.ReadAsync(cts.Token))!.Type);
        // Moving out of the selector is a DELETED for this watcher, moving back an ADDED.
        Assert.Equal([WatchEventType.Added, WatchEventType.Deleted, WatchEventType.Added], types);

        watch.RequestBookmark();
        var bookmark = await watch.ReadAsync(cts.Token);
        Assert.Equal(WatchEventType.Bookmark, bookmark!.Type);
        Assert.Equal(store.ResourceVersion, bookmark.ResourceVersion);
    }

    [Fact]
    public void Watch_older_than_history_is_410_Expired()
    {
        var store = new ClusterStore(watchHistory: 2);
        var first = store.Create(Pods, Pod("a"));
        store.Create(Pods, Pod("b"));
        store.Create(Pods, Pod("c"));
        store.Create(Pods, Pod("d"));
        var e = Assert.Throws<StatusException>(() => store.Watch(Pods, new WatchOptions { ResourceVersion = first.ResourceVersion }));
        Assert.Equal(410, e.Code);
        Assert.Equal(StatusReasons.Expired, e.Reason);
        Assert.StartsWith("too old resource version: ", e.Message);
        // The newest retained events can still be resumed from.
        using var ok = store.Watch(Pods, new WatchOptions { ResourceVersion = store.ResourceVersion - 1 });
    }

    [Fact]
    public async Task Slow_watchers_are_dropped_instead_of_blocking_writers_and_drop_fault_ends_watches()
    {
        var store = new ClusterStore(watchBuffer: 3);
        using var slow = store.Watch(Pods, new WatchOptions { ResourceVersion = store.ResourceVersion });
        for (var i = 0; i < 10; i++) store.Create(Pods, Pod("p" + i));
        Assert.Equal("watcher fell too far behind", slow.TerminationReason);
        var received = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (await slow.ReadAsync(cts.Token) is not null) received++;
        Assert.Equal(3, received);

        using var other = store.Watch(Deployments, new WatchOptions { ResourceVersion = store.ResourceVersion });
        Assert.Equal(1, store.DropWatches());
        Assert.Null(await other.ReadAsync(cts.Token));
    }

    [Fact]
    public void Delete_honours_preconditions_and_delete_collection_uses_selectors()
    {
        var store = new ClusterStore();
        var a = store.Create(Pods, Pod("a", labels: new() { ["app"] = "web" }));
        store.Create(Pods, Pod("b", labels: new() { ["app"] = "web" }));
        store.Create(Pods, Pod("c"));
        Assert.Equal(409, Assert.Throws<StatusException>(() => store.Delete(Pods, "default", "a", preconditionUid: "other")).Code);
        Assert.NotNull(store.Delete(Pods, "default", "a", dryRun: true));
        Assert.NotNull(store.Get(Pods, "default", "a"));
        var deleted = store.Delete(Pods, "default", "a", preconditionUid: a.Uid);
        Assert.True(deleted.ResourceVersion > a.ResourceVersion);
        Assert.Equal(404, Assert.Throws<StatusException>(() => store.Delete(Pods, "default", "a")).Code);
        var gone = store.DeleteCollection(Pods, new ListOptions { LabelSelector = LabelSelector.Parse("app=web") });
        Assert.Equal("b", Assert.Single(gone).Name);
        Assert.Equal(1, store.Count(Pods));
    }
}
