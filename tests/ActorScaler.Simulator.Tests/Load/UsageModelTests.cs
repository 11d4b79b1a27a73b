using ActorScaler.Simulator.Load;
using ActorScaler.Simulator.Metrics;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ActorScaler.Simulator.Tests.Load;

public class UsageModelTests
{
    private const string Web = "Deployment/default/web";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000));
    private readonly UsageModel _model;

    public UsageModelTests()
    {
        _model = new UsageModel(_time);
        _model.AddNode("n1");
        _model.AddNode("n2");
    }

    private RunningPod Pod(string name, string node = "n1", long cpuRequest = 100, long cpuLimit = 0, string workload = Web, params string[] extraContainers) =>
        new("default", name, "uid-" + name, node, workload,
            [new ContainerResources("app", cpuRequest, cpuLimit, 0), .. extraContainers.Select(c => new ContainerResources(c, cpuRequest, cpuLimit, 0))],
            _time.GetUtcNow());

    private ContainerResourceSample Container(string node, string pod, string container = "app") =>
        _model.Snapshot(node).Containers.Single(c => c.Pod == pod && c.Container == container);

    private static double Rate(ContainerResourceSample a, ContainerResourceSample b) =>
        (b.CpuUsageCoreNanoSeconds - a.CpuUsageCoreNanoSeconds) / 1e9 / ((b.TimestampMs - a.TimestampMs) / 1000.0);

    [Fact]
    public void Cpu_demand_is_spread_over_ready_pods_and_integrated_into_the_counters()
    {
        _model.SetWorkloadLoad(Web, new WorkloadLoad { CpuDemandMillicores = 1000 });
        _model.StartPod(Pod("web-a"));
        _model.StartPod(Pod("web-b", node: "n2"));
        _model.SetPodReady("default", "web-a", true);
        _model.SetPodReady("default", "web-b", true);
        _time.Advance(TimeSpan.FromSeconds(2));

        var a1 = Container("n1", "web-a");
        _time.Advance(TimeSpan.FromSeconds(15));
        var a2 = Container("n1", "web-a");
        var b2 = Container("n2", "web-b");

        Assert.Equal(15_000, a2.TimestampMs - a1.TimestampMs);
        Assert.Equal(0.5, Rate(a1, a2), 6);
        Assert.Equal(500_000, _model.Rates("default", "web-b")!.CpuMicrocores);
        Assert.True(b2.CpuUsageCoreNanoSeconds > 0);
    }

    [Fact]
    public void Pods_that_are_not_ready_idle_and_take_no_share()
    {
        _model.SetWorkloadLoad(Web, new WorkloadLoad { CpuDemandMillicores = 900 });
        _model.StartPod(Pod("web-a"));
        _model.StartPod(Pod("web-b"));
        _model.SetPodReady("default", "web-a", true);

        Assert.Equal(900_000, _model.Rates("default", "web-a")!.CpuMicrocores);
        Assert.Equal(_model.Options.IdleCpuMillicores * 1000, _model.Rates("default", "web-b")!.CpuMicrocores);

        _model.SetPodReady("default", "web-b", true);
        Assert.Equal(450_000, _model.Rates("default", "web-a")!.CpuMicrocores);
        Assert.Equal(450_000, _model.Rates("default", "web-b")!.CpuMicrocores);
    }

    [Fact]
    public void Each_container_is_capped_at_its_cpu_limit_and_shares_follow_requests()
    {
        _model.SetWorkloadLoad(Web, new WorkloadLoad { CpuDemandMillicores = 5000 });
        _model.StartPod(new RunningPod("default", "web-a", "uid-a", "n1", Web,
            [new ContainerResources("app", 300, 1000, 0), new ContainerResources("sidecar", 100, 0, 0)], _time.GetUtcNow()));
        _model.SetPodReady("default", "web-a", true);

        var rates = _model.Rates("default", "web-a")!.ContainerCpuMicrocores;
        Assert.Equal(1_000_000, rates["app"]);       // 3/4 of 5 cores, capped at the 1-core limit
        Assert.Equal(1_250_000, rates["sidecar"]);   // 1/4 of 5 cores, no limit
    }

    [Fact]
    public void A_demand_change_shows_in_the_next_sample_within_a_second()
    {
        _model.SetWorkloadLoad(Web, new WorkloadLoad { CpuDemandMillicores = 200 });
        _model.StartPod(Pod("web-a"));
        _model.SetPodReady("default", "web-a", true);
        _time.Advance(TimeSpan.FromSeconds(5));
        var before = Container("n1", "web-a");

        _model.SetWorkloadLoad(Web, new WorkloadLoad { CpuDemandMillicores = 1200 });
        // A sample already reported does not change.
        Assert.Equal(before, Container("n1", "web-a"));
        _time.Advance(TimeSpan.FromSeconds(1));
        var after = Container("n1", "web-a");
        Assert.True(after.TimestampMs > before.TimestampMs);
        Assert.Equal(1.2, Rate(before, after), 6);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1.2, Rate(after, Container("n1", "web-a")), 6);
    }

    [Fact]
    public void Node_counter_is_the_pods_plus_system_overhead_and_never_goes_back_when_a_pod_stops()
    {
        var o = _model.Options;
        _model.SetWorkloadLoad(Web, new WorkloadLoad { CpuDemandMillicores = 2000 });
        _model.StartPod(Pod("web-a"));
        _model.SetPodReady("default", "web-a", true);
        Assert.Equal((o.NodeSystemCpuMillicores * 1000) + 2_000_000 + o.PodOverheadCpuMicrocores, _model.NodeCpuMicrocores("n1"));
        _time.Advance(TimeSpan.FromSeconds(10));
        var n1 = _model.Snapshot("n1").Node;

        _model.StopPod("default", "web-a");
        _time.Advance(TimeSpan.FromSeconds(10));
        var n2 = _model.Snapshot("n1");
        Assert.Empty(n2.Containers);
        Assert.True(n2.Node.CpuUsageCoreNanoSeconds > n1.CpuUsageCoreNanoSeconds);
        Assert.Equal(o.NodeSystemCpuMillicores * 1000, _model.NodeCpuMicrocores("n1"));
        Assert.Equal(o.NodeSystemMemoryBytes, n2.Node.WorkingSetBytes);
    }

    [Fact]
    public void Pod_series_include_the_sandbox_overhead_and_memory_is_whole_pages()
    {
        _model.SetWorkloadLoad(Web, new WorkloadLoad { MemoryPerPodBytes = 100_000_001 });
        _model.StartPod(Pod("web-a", extraContainers: "sidecar"));
        _time.Advance(TimeSpan.FromSeconds(3));
        var snapshot = _model.Snapshot("n1");

        var containers = snapshot.Containers.Where(c => c.Pod == "web-a").ToList();
        Assert.All(containers, c => Assert.Equal(0, c.WorkingSetBytes % 4096));
        Assert.All(containers, c => Assert.Equal(100_000_001 / 2 / 4096 * 4096, c.WorkingSetBytes));
        var pod = Assert.Single(snapshot.Pods);
        Assert.Equal(containers.Sum(c => c.WorkingSetBytes) + _model.Options.PodOverheadMemoryBytes, pod.WorkingSetBytes);
        Assert.True(pod.CpuUsageCoreNanoSeconds > containers.Sum(c => c.CpuUsageCoreNanoSeconds) - 2_000_000);
        Assert.Equal(_model.Options.NodeSystemMemoryBytes + pod.WorkingSetBytes, snapshot.Node.WorkingSetBytes);
    }

    [Fact]
    public void Samples_carry_per_series_timestamps_no_later_than_now_and_start_times_of_the_pod()
    {
        var start = _time.GetUtcNow();
        _model.StartPod(Pod("web-a"));
        _model.StartPod(Pod("web-b"));
        _time.Advance(TimeSpan.FromMilliseconds(2500));
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var snapshot = _model.Snapshot("n1");

        Assert.Equal(2, snapshot.Containers.Count);
        Assert.All(snapshot.Containers, c =>
        {
            Assert.InRange(c.TimestampMs, now - 1000, now);
            Assert.Equal(start, c.StartTime);
        });
        Assert.InRange(snapshot.Node.TimestampMs, now - 1000, now);
    }

    [Fact]
    public void Requests_per_second_accumulate_on_ready_pods()
    {
        _model.SetWorkloadLoad(Web, new WorkloadLoad { MilliRequestsPerSecond = 150_000 });
        _model.StartPod(Pod("web-a"));
        _model.StartPod(Pod("web-b"));
        _model.SetPodReady("default", "web-a", true);
        _model.SetPodReady("default", "web-b", true);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(750, _model.RequestsTotal("default", "web-a"));

        _model.SetPodReady("default", "web-b", false);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2250, _model.RequestsTotal("default", "web-a"));
        Assert.Equal(750, _model.RequestsTotal("default", "web-b"));
        Assert.Null(_model.RequestsTotal("default", "nope"));
    }

    [Fact]
    public void Counters_are_exact_over_many_rate_changes()
    {
        var counter = new CumulativeCounter(0);
        long expected = 0;
        var t = 0L;
        for (var i = 0; i < 1000; i++)
        {
            var rate = (i * 7919) % 5000 * 1000L;
            counter.SetRate(t, rate);
            t += 137;
            expected += rate * 137;
        }
        Assert.Equal(expected, counter.NanoUnitsAt(t));
    }

    [Theory]
    [InlineData(1000, 250, 10_000, 9_250)]
    [InlineData(1000, 250, 10_250, 10_250)]
    [InlineData(1000, 250, 10_249, 9_250)]
    [InlineData(1000, 250, 100, -750)]
    public void Sample_schedule_is_the_latest_grid_point_at_or_before_now(long interval, long phase, long now, long expected)
    {
        Assert.Equal(expected, new SampleSchedule(interval, phase).LatestAtOrBefore(now));
    }
}
