using System.Text;
using ActorScaler.Metrics.Scraping;
using ActorScaler.Metrics.Storage;

namespace ActorScaler.Metrics.Tests.Storage;

public sealed class NodeRateCalculatorTests
{
    private static readonly TimeSpan Resolution = TimeSpan.FromSeconds(15);

    private static NodeMetricsBatch Feed(NodeRateCalculator calc, ResourceMetricsParser parser, string fixture, long requestTimeNs)
    {
        var scrape = new ResourceMetricsScrape();
        parser.Parse(Fixture.Bytes(fixture), requestTimeNs, scrape);
        return calc.Apply(scrape, requestTimeNs);
    }

    private static NodeMetricsBatch FeedText(NodeRateCalculator calc, ResourceMetricsParser parser, string text, long requestTimeNs)
    {
        var scrape = new ResourceMetricsScrape();
        parser.Parse(Encoding.UTF8.GetBytes(text), requestTimeNs, scrape);
        return calc.Apply(scrape, requestTimeNs);
    }

    /// <summary>t0 then t15s: the ordinary containers and the node get metrics-server's numbers
    /// (CPU within 1n, same memory and window).</summary>
    [Fact]
    public void Two_scrapes_give_metrics_server_numbers_for_ordinary_containers_and_the_node()
    {
        var calc = new NodeRateCalculator("worker-1", Resolution);
        var parser = new ResourceMetricsParser();
        var first = Feed(calc, parser, "kubelet-metrics-resource.txt", Fixture.Ms(1750000005000));
        // After one scrape the long-running containers have no pair yet, as in metrics-server.
        Assert.Null(first.NodeUsage);
        Assert.DoesNotContain(first.Pods, p => p.Name == "web-7d9c8b6f5-abcde");

        var second = Feed(calc, parser, "kubelet-metrics-resource-t15s.txt", Fixture.Ms(1750000020000));

        var node = Assert.IsType<NodeUsage>(second.NodeUsage);
        Assert.Equal(15_006_000_000, node.WindowNs);
        Assert.InRange(node.CpuNanoCores, 1387411600 - 1, 1387411600 + 1);
        Assert.Equal(5381234688, node.MemoryBytes);
        Assert.Equal(Fixture.Ms(1750000016240), node.TimestampNs);

        var abcde = second.Pods.Single(p => p.Name == "web-7d9c8b6f5-abcde");
        Assert.Equal(Fixture.Ms(1750000010150), abcde.TimestampNs); // the oldest container sample
        Assert.Equal(15_050_000_000, abcde.WindowNs);
        var app = abcde.Containers.Single(c => c.Name == "app");
        Assert.InRange(app.CpuNanoCores, 248731200 - 1, 248731200 + 1);
        Assert.Equal(270532608, app.MemoryBytes); // 258Mi
        var proxy = second.Pods.Single(p => p.Name == "kube-proxy-x2x7k").Containers.Single();
        Assert.InRange(proxy.CpuNanoCores, 2134700 - 1, 2134700 + 1);
        Assert.Equal(13897728, proxy.MemoryBytes);
    }

    [Fact]
    public void A_new_container_is_usable_from_its_first_sample_measured_from_its_start_time()
    {
        var calc = new NodeRateCalculator("worker-1", Resolution);
        var parser = new ResourceMetricsParser();
        Feed(calc, parser, "kubelet-metrics-resource.txt", Fixture.Ms(1750000005000));
        var second = Feed(calc, parser, "kubelet-metrics-resource-t15s.txt", Fixture.Ms(1750000020000));

        var klmno = second.Pods.Single(p => p.Name == "web-7d9c8b6f5-klmno");
        // metrics-server's window for this pod, float rounding of the start time included.
        Assert.Equal("12.299552768s", ActorScaler.Core.Durations.GoDuration.Format(klmno.WindowNs));
        var expected = (long)(1845367000 / (klmno.WindowNs / 1e9));
        Assert.Equal(expected, klmno.Containers.Single().CpuNanoCores);
    }

    [Fact]
    public void A_restarted_container_is_measured_from_its_new_start_instead_of_hiding_the_pod()
    {
        var calc = new NodeRateCalculator("worker-1", Resolution);
        var parser = new ResourceMetricsParser();
        Feed(calc, parser, "kubelet-metrics-resource.txt", Fixture.Ms(1750000005000));
        var second = Feed(calc, parser, "kubelet-metrics-resource-t15s.txt", Fixture.Ms(1750000020000));

        // metrics-server omits fghij for a cycle (restart 6 s before the sample); we serve it.
        var fghij = second.Pods.Single(p => p.Name == "web-7d9c8b6f5-fghij");
        var startNs = (long)(1.75000000687133e+09 * 1e9);
        Assert.Equal(Fixture.Ms(1750000012880) - startNs, fghij.WindowNs);
        var usage = fghij.Containers.Single();
        Assert.Equal((long)(402117000 / (fghij.WindowNs / 1e9)), usage.CpuNanoCores);
        Assert.Equal(41943040, usage.MemoryBytes);
    }

    [Fact]
    public void A_counter_that_went_down_without_a_start_time_is_a_restart_not_negative_usage()
    {
        var calc = new NodeRateCalculator("n", Resolution);
        var parser = new ResourceMetricsParser();
        const string line = "container_cpu_usage_seconds_total{{container=\"c\",namespace=\"ns\",pod=\"p\"}} {0} {1}\ncontainer_memory_working_set_bytes{{container=\"c\",namespace=\"ns\",pod=\"p\"}} 4096 {1}\n";
        FeedText(calc, parser, string.Format(System.Globalization.CultureInfo.InvariantCulture, line, "100", 1_000_000), Fixture.Ms(1_000_000));
        var ok = FeedText(calc, parser, string.Format(System.Globalization.CultureInfo.InvariantCulture, line, "103", 1_015_000), Fixture.Ms(1_015_000));
        Assert.Equal(200_000_000, ok.Pods.Single().Containers.Single().CpuNanoCores);
        var reset = FeedText(calc, parser, string.Format(System.Globalization.CultureInfo.InvariantCulture, line, "1", 1_030_000), Fixture.Ms(1_030_000));
        Assert.Empty(reset.Pods); // no start time to measure from: missing for one cycle, never negative
        var after = FeedText(calc, parser, string.Format(System.Globalization.CultureInfo.InvariantCulture, line, "4", 1_045_000), Fixture.Ms(1_045_000));
        Assert.Equal(200_000_000, after.Pods.Single().Containers.Single().CpuNanoCores);
    }

    [Fact]
    public void An_exited_zero_valued_container_does_not_hide_its_pod()
    {
        var calc = new NodeRateCalculator("n", Resolution);
        var parser = new ResourceMetricsParser();
        string Payload(string cpu, long ts) =>
            $"container_cpu_usage_seconds_total{{container=\"api\",namespace=\"shop\",pod=\"api-1\"}} {cpu} {ts}\n" +
            $"container_memory_working_set_bytes{{container=\"api\",namespace=\"shop\",pod=\"api-1\"}} 1.1534336e+08 {ts}\n" +
            $"container_cpu_usage_seconds_total{{container=\"init\",namespace=\"shop\",pod=\"api-1\"}} 0 {ts}\n" +
            $"container_memory_working_set_bytes{{container=\"init\",namespace=\"shop\",pod=\"api-1\"}} 0 {ts}\n";
        FeedText(calc, parser, Payload("10", 2_000_000), Fixture.Ms(2_000_000));
        var batch = FeedText(calc, parser, Payload("11.5", 2_015_000), Fixture.Ms(2_015_000));
        var pod = Assert.Single(batch.Pods);
        var c = Assert.Single(pod.Containers);
        Assert.Equal("api", c.Name);
        Assert.Equal(100_000_000, c.CpuNanoCores);
    }

    [Fact]
    public void After_a_failed_scrape_the_next_good_one_measures_across_the_gap()
    {
        var calc = new NodeRateCalculator("n", Resolution);
        var parser = new ResourceMetricsParser();
        const string format = "container_cpu_usage_seconds_total{{container=\"c\",namespace=\"ns\",pod=\"p\"}} {0} {1}\ncontainer_memory_working_set_bytes{{container=\"c\",namespace=\"ns\",pod=\"p\"}} 4096 {1}\n";
        FeedText(calc, parser, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, "10", 1_000_000), Fixture.Ms(1_000_000));
        FeedText(calc, parser, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, "13", 1_015_000), Fixture.Ms(1_015_000));
        // The scrape at 1_030_000 failed (nothing applied). At 1_045_000 the pair spans the gap.
        var batch = FeedText(calc, parser, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, "25", 1_045_000), Fixture.Ms(1_045_000));
        var pod = Assert.Single(batch.Pods);
        Assert.Equal(30_000_000_000, pod.WindowNs);
        Assert.Equal(400_000_000, pod.Containers.Single().CpuNanoCores);
    }

    [Fact]
    public void An_unchanged_sample_is_not_new_data_and_keeps_the_previous_pair()
    {
        var calc = new NodeRateCalculator("n", Resolution);
        var parser = new ResourceMetricsParser();
        const string format = "container_cpu_usage_seconds_total{{container=\"c\",namespace=\"ns\",pod=\"p\"}} {0} {1}\ncontainer_memory_working_set_bytes{{container=\"c\",namespace=\"ns\",pod=\"p\"}} 4096 {1}\n";
        FeedText(calc, parser, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, "10", 1_000_000), Fixture.Ms(1_000_000));
        var a = FeedText(calc, parser, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, "11", 1_010_000), Fixture.Ms(1_010_000));
        var b = FeedText(calc, parser, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, "11", 1_010_000), Fixture.Ms(1_012_000));
        var before = a.Pods.Single();
        var after = b.Pods.Single();
        Assert.Equal((before.TimestampNs, before.WindowNs, before.CpuNanoCores), (after.TimestampNs, after.WindowNs, after.CpuNanoCores));
        Assert.Equal(100_000_000, after.CpuNanoCores);
    }

    [Fact]
    public void Containers_the_kubelet_stops_reporting_are_forgotten()
    {
        var calc = new NodeRateCalculator("worker-1", Resolution);
        var parser = new ResourceMetricsParser();
        Feed(calc, parser, "kubelet-metrics-resource-t15s.txt", Fixture.Ms(1750000020000));
        Assert.Equal(5, calc.TrackedContainers);
        Feed(calc, parser, "kubelet-metrics-resource-pre1.29.txt", Fixture.Ms(1750000035000));
        Assert.Equal(2, calc.TrackedContainers);
    }
}
