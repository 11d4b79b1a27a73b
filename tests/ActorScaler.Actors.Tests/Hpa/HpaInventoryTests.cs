using ActorScaler.Actors.Hpa;
using ActorScaler.Core.Spec;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;

namespace ActorScaler.Actors.Tests.Hpa;

public sealed class HpaInventoryTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(3);

    private static HpaControllerContext Context(FakeInputs inputs, Selector? selector = null, TimeSpan? keepAlive = null) => new(
        new HpaControllerOptions { HpaSelector = selector, KeepAliveInterval = keepAlive ?? TimeSpan.FromHours(1) },
        inputs, new FakeMetrics(), new FakeWriter(inputs), new FakeTimeProvider(HpaFixtures.Now));

    [Fact]
    public void Ensures_added_hpas_and_stops_deleted_or_opted_out_ones()
    {
        var inputs = new FakeInputs();
        var region = CreateTestProbe();
        Sys.ActorOf(HpaInventory.Props(region, Context(inputs)));
        AwaitCondition(() => inputs.Subscribers.Count == 1, Wait);
        // The keep-alive's first round runs at start (nothing to ensure yet); let it pass so the
        // messages below are the change-driven ones.
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        inputs.Put(HpaFixtures.CpuHpa("web"));
        region.ExpectMsg<EnsureHpa>(m => m.HpaKey == "default/web", Wait);

        inputs.Put(HpaFixtures.CpuHpa("web", annotations: new Dictionary<string, string> { [HpaSelection.ControllerAnnotation] = "kube-controller-manager" }));
        region.ExpectMsg(new StopHpa("default/web"), Wait);

        inputs.Put(HpaFixtures.CpuHpa("api"));
        region.ExpectMsg<EnsureHpa>(m => m.HpaKey == "default/api", Wait);
        inputs.Delete("default/api");
        region.ExpectMsg(new StopHpa("default/api"), Wait);
    }

    [Fact]
    public void With_a_selector_manages_matching_hpas_and_those_that_opt_in()
    {
        var inputs = new FakeInputs();
        var region = CreateTestProbe();
        Sys.ActorOf(HpaInventory.Props(region, Context(inputs, Selector.Parse("team=payments"))));
        AwaitCondition(() => inputs.Subscribers.Count == 1, Wait);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        inputs.Put(HpaFixtures.CpuHpa("plain"));
        inputs.Put(HpaFixtures.CpuHpa("opted-in", annotations: new Dictionary<string, string> { [HpaSelection.ControllerAnnotation] = "actorscaler" }));
        var labelled = HpaFixtures.CpuHpa("labelled");
        inputs.Put(labelled with { Metadata = labelled.Metadata with { Labels = new Dictionary<string, string> { ["team"] = "payments" } } });

        region.ExpectMsg<EnsureHpa>(m => m.HpaKey == "default/opted-in", Wait);
        region.ExpectMsg<EnsureHpa>(m => m.HpaKey == "default/labelled", Wait);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Keeps_every_selected_entity_alive_on_its_interval()
    {
        var inputs = new FakeInputs();
        inputs.Put(HpaFixtures.CpuHpa("web"));
        var region = CreateTestProbe();
        Sys.ActorOf(HpaInventory.Props(region, Context(inputs, keepAlive: TimeSpan.FromMilliseconds(100))));

        // The first ensure at start, then one per interval: an entity lost in a rebalance comes back.
        for (var i = 0; i < 3; i++)
            region.ExpectMsg<EnsureHpa>(m => m.HpaKey == "default/web", Wait);
    }
}
