using System.Globalization;
using ActorScaler.Simulator.Metrics;
using Xunit;

namespace ActorScaler.Simulator.Tests.Kubelets;

public class KubeletResourceMetricsTests
{
    private static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Kubelets", "Fixtures", name));

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-1.0, "-1")]
    [InlineData(270008320.0, "2.7000832e+08")]
    [InlineData(1234.567891, "1234.567891")]
    [InlineData(183744.218764, "183744.218764")]
    [InlineData(503808.0, "503808")]
    [InlineData(1000000.0, "1e+06")]
    [InlineData(100000.0, "100000")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(0.000123, "0.000123")]
    [InlineData(5372395520.0, "5.37239552e+09")]
    [InlineData(1.749913600523419e+09, "1.749913600523419e+09")]
    [InlineData(-6.7953645788713455e+09, "-6.7953645788713455e+09")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1.5e-300, "1.5e-300")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    public void Floats_are_formatted_like_Go_strconv_g_shortest(double value, string expected)
    {
        Assert.Equal(expected, PrometheusText.FormatFloat(value));
    }

    [Theory]
    [InlineData("kubelet-metrics-resource.txt")]
    [InlineData("kubelet-metrics-resource-t15s.txt")]
    public void Writing_the_samples_of_a_real_payload_reproduces_it_byte_for_byte(string fixture)
    {
        var text = Fixture(fixture);
        var snapshot = SnapshotFrom(text);

        Assert.Equal(text, KubeletResourceMetrics.Write(snapshot));
    }

    [Fact]
    public void Output_order_does_not_depend_on_input_order()
    {
        var snapshot = SnapshotFrom(Fixture("kubelet-metrics-resource.txt"));
        var shuffled = snapshot with
        {
            Containers = snapshot.Containers.Reverse().ToList(),
            Pods = snapshot.Pods.Reverse().ToList(),
        };

        Assert.Equal(KubeletResourceMetrics.Write(snapshot), KubeletResourceMetrics.Write(shuffled));
    }

    [Fact]
    public void Scrape_error_payload_matches_the_kubelet()
    {
        Assert.Equal(Fixture("kubelet-metrics-resource-scrape-error.txt"), KubeletResourceMetrics.ScrapeErrorPayload);
    }

    [Fact]
    public void A_node_without_pods_prints_only_node_series_and_the_error_gauge()
    {
        var text = KubeletResourceMetrics.Write(new KubeletResourceSnapshot(
            new NodeResourceSample(1_500_000_000, 512 * 1024 * 1024, 1_750_000_000_000), [], []));

        var samples = PromSample.ParseAll(text);
        Assert.Equal(
            ["node_cpu_usage_seconds_total", "node_memory_working_set_bytes", "node_swap_usage_bytes", "resource_scrape_error"],
            samples.Select(s => s.Name));
        Assert.Equal(1.5, samples[0].Value);
        Assert.Equal(1_750_000_000_000, samples[0].TimestampMs);
        Assert.DoesNotContain("container_", text);
    }

    [Fact]
    public void Label_values_are_escaped()
    {
        var text = KubeletResourceMetrics.Write(new KubeletResourceSnapshot(
            new NodeResourceSample(0, 0, 1),
            [new PodResourceSample("ns", "we\"ird\\pod", 0, 0, 1)],
            []));
        Assert.Contains("pod_cpu_usage_seconds_total{namespace=\"ns\",pod=\"we\\\"ird\\\\pod\"} 0 1\n", text);
        var pod = PromSample.ParseAll(text).First(s => s.Name == "pod_cpu_usage_seconds_total");
        Assert.Equal("we\"ird\\pod", pod.Label("pod"));
    }

    /// <summary>Builds the writer's input from a parsed payload (independent of the writer).</summary>
    internal static KubeletResourceSnapshot SnapshotFrom(string text)
    {
        var samples = PromSample.ParseAll(text);
        var containers = new List<ContainerResourceSample>();
        foreach (var cpu in samples.Where(s => s.Name == "container_cpu_usage_seconds_total"))
        {
            var key = (cpu.Label("namespace"), cpu.Label("pod"), cpu.Label("container"));
            var memory = samples.Single(s => s.Name == "container_memory_working_set_bytes" && (s.Label("namespace"), s.Label("pod"), s.Label("container")) == key);
            var start = samples.Single(s => s.Name == "container_start_time_seconds" && (s.Label("namespace"), s.Label("pod"), s.Label("container")) == key);
            containers.Add(new ContainerResourceSample(key.Item1!, key.Item2!, key.Item3!,
                Nanos(cpu.ValueText), (long)memory.Value, cpu.TimestampMs!.Value, TimeFromSeconds(start.ValueText)));
        }
        var pods = new List<PodResourceSample>();
        foreach (var cpu in samples.Where(s => s.Name == "pod_cpu_usage_seconds_total"))
        {
            var memory = samples.Single(s => s.Name == "pod_memory_working_set_bytes" && s.Label("pod") == cpu.Label("pod") && s.Label("namespace") == cpu.Label("namespace"));
            pods.Add(new PodResourceSample(cpu.Label("namespace")!, cpu.Label("pod")!, Nanos(cpu.ValueText), (long)memory.Value, cpu.TimestampMs!.Value));
        }
        var nodeCpu = samples.Single(s => s.Name == "node_cpu_usage_seconds_total");
        var nodeMemory = samples.Single(s => s.Name == "node_memory_working_set_bytes");
        return new KubeletResourceSnapshot(
            new NodeResourceSample(Nanos(nodeCpu.ValueText), (long)nodeMemory.Value, nodeCpu.TimestampMs!.Value), pods, containers);
    }

    private static long Nanos(string seconds) =>
        (long)(decimal.Parse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture) * 1_000_000_000m);

    // The kubelet prints float64(UnixNano)/1e9; find the 100 ns tick whose conversion gives exactly
    // the printed double (the nearest tick can round to the neighbouring double).
    private static DateTimeOffset TimeFromSeconds(string seconds)
    {
        var target = double.Parse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture);
        var nearest = (long)Math.Round(decimal.Parse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond);
        for (var delta = 0; delta <= 50; delta++)
        {
            foreach (var ticks in new[] { nearest + delta, nearest - delta })
            {
                var candidate = DateTimeOffset.UnixEpoch.AddTicks(ticks);
                if (KubeletResourceMetrics.UnixSeconds(candidate) == target) return candidate;
            }
        }
        throw new InvalidOperationException($"no 100 ns instant prints as {seconds}");
    }
}
