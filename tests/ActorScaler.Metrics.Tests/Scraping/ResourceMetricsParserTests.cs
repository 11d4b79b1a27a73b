using System.Text;
using ActorScaler.Metrics.Scraping;

namespace ActorScaler.Metrics.Tests.Scraping;

public sealed class ResourceMetricsParserTests
{
    private static ResourceMetricsScrape Parse(string fixture, long requestTimeNs = 0)
    {
        var scrape = new ResourceMetricsScrape();
        new ResourceMetricsParser().Parse(Fixture.Bytes(fixture), requestTimeNs, scrape);
        return scrape;
    }

    private static ResourceMetricsScrape ParseText(string text, long requestTimeNs = 42)
    {
        var scrape = new ResourceMetricsScrape();
        new ResourceMetricsParser().Parse(Encoding.UTF8.GetBytes(text), requestTimeNs, scrape);
        return scrape;
    }

    private static ContainerSample Container(ResourceMetricsScrape s, string pod, string container) =>
        s.Containers.Single(c => c.Pod == pod && c.Container == container);

    [Fact]
    public void Kubelet_1_29_payload_yields_every_container_with_its_own_sample_time()
    {
        var s = Parse("kubelet-metrics-resource.txt");

        Assert.Empty(s.Errors);
        Assert.False(s.KubeletReportedError);
        Assert.Equal(4, s.Containers.Count);
        var app = Container(s, "web-7d9c8b6f5-abcde", "app");
        Assert.Equal("default", app.Namespace);
        Assert.Equal(1234567891000UL, app.CpuCumulativeNs);
        Assert.Equal(Fixture.Ms(1749999995100), app.CpuTimestampNs);
        Assert.Equal(270008320UL, app.MemoryWorkingSetBytes);
        Assert.True(app.HasStartTime);
        Assert.Equal((long)(1.749913600523419e+09 * 1e9), app.StartTimeNs);
        var istio = Container(s, "web-7d9c8b6f5-abcde", "istio-proxy");
        Assert.Equal(Fixture.Ms(1749999996420), istio.CpuTimestampNs);
        Assert.Equal(183744218764000UL, s.Node.CpuCumulativeNs);
        Assert.Equal(5372395520UL, s.Node.MemoryWorkingSetBytes);
        Assert.Equal(Fixture.Ms(1750000001234), s.Node.CpuTimestampNs);
    }

    [Fact]
    public void Pre_1_29_payload_with_timestamped_start_times_and_alpha_help_parses()
    {
        var s = Parse("kubelet-metrics-resource-pre1.29.txt");

        Assert.Empty(s.Errors);
        var orders = Container(s, "orders-6c9f7b5d8-tx2lp", "orders");
        Assert.Equal("shop", orders.Namespace);
        Assert.Equal(904118305772UL, orders.CpuCumulativeNs);
        Assert.Equal(412520448UL, orders.MemoryWorkingSetBytes);
        Assert.Equal((long)(1.6873320541839025e+09 * 1e9), orders.StartTimeNs);
        Assert.Equal(8107404119268UL, s.Node.CpuCumulativeNs);
    }

    [Fact]
    public void Missing_timestamps_use_the_request_time_and_a_bad_line_only_drops_its_series()
    {
        var requestTime = Fixture.Ms(1650974210000);
        var s = Parse("kubelet-metrics-resource-edgecases.txt", requestTime);

        // The Go-zero-time start line is the only error; metrics-server would fail the node.
        var error = Assert.Single(s.Errors);
        Assert.Contains("-62135596800000", error.Reason, StringComparison.Ordinal);
        var worker = Container(s, "worker-7b8c9d-zz9xk", "worker");
        Assert.Equal(requestTime, worker.CpuTimestampNs);
        Assert.Equal(77012345000UL, worker.CpuCumulativeNs);
        // The zero-valued exited container is reported as it is; storage decides what it means.
        var migrate = Container(s, "api-5f6d7c8b9-q2w3e", "db-migrate");
        Assert.Equal(0UL, migrate.CpuCumulativeNs);
        Assert.True(migrate.HasCpu);
        // The reporter container had only the broken start-time line: nothing usable, no entry.
        Assert.DoesNotContain(s.Containers, c => c.Pod == "reporter-84d5f6b7c-8mmp4");
        Assert.Equal(requestTime, s.Node.CpuTimestampNs);
    }

    [Fact]
    public void A_kubelet_scrape_error_is_reported_as_no_data()
    {
        var s = Parse("kubelet-metrics-resource-scrape-error.txt");
        Assert.True(s.KubeletReportedError);
        Assert.Empty(s.Containers);
        Assert.False(s.Node.HasCpu);
    }

    [Fact]
    public void Seventy_pod_metrics_server_payload_parses_completely()
    {
        var s = Parse("metrics-server-client_test-70pods-kind-k8s1.21.txt");
        Assert.Empty(s.Errors);
        Assert.True(s.Containers.Count >= 70);
        Assert.All(s.Containers, c => Assert.True(c.HasCpu && c.HasMemory));
        var coredns = Container(s, "coredns-558bd4d5db-4dpjz", "coredns");
        Assert.Equal(4710169000UL, coredns.CpuCumulativeNs);
        Assert.Equal(Fixture.Ms(1633253812125), coredns.CpuTimestampNs);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("+Inf")]
    [InlineData("-Inf")]
    [InlineData("-1")]
    [InlineData("1,5")]
    [InlineData("0x10")]
    [InlineData("Infinity")]
    public void Non_finite_negative_or_foreign_cpu_values_are_typed_errors(string value)
    {
        var s = ParseText($"container_cpu_usage_seconds_total{{container=\"a\",namespace=\"n\",pod=\"p\"}} {value} 1000\n");
        Assert.Single(s.Errors);
        Assert.DoesNotContain(s.Containers, c => c.HasCpu);
    }

    [Theory]
    [InlineData("1.5e+03", 1500_000_000_000UL)]
    [InlineData("1E3", 1000_000_000_000UL)]
    [InlineData("0.000001", 1000UL)]
    [InlineData(".5", 500_000_000UL)]
    [InlineData("13638.443124082", 13638443124082UL)]
    public void Go_float_forms_parse(string value, ulong expectedNs)
    {
        var s = ParseText($"container_cpu_usage_seconds_total{{container=\"a\",namespace=\"n\",pod=\"p\"}} {value} 1000\n");
        Assert.Empty(s.Errors);
        Assert.Equal(expectedNs, s.Containers[0].CpuCumulativeNs);
    }

    [Fact]
    public void Escaped_label_values_extra_labels_tabs_and_crlf_are_accepted()
    {
        var s = ParseText("container_cpu_usage_seconds_total{id=\"x\\\"y\",container=\"c\\\\1\", namespace=\"n\",pod=\"p\",} 2 1000\r\n" +
                          "container_memory_working_set_bytes{container=\"c\\\\1\",namespace=\"n\",pod=\"p\"}\t4096\t1000\r\n");
        Assert.Empty(s.Errors);
        var c = Assert.Single(s.Containers);
        Assert.Equal("c\\1", c.Container);
        Assert.Equal(2_000_000_000UL, c.CpuCumulativeNs);
        Assert.Equal(4096UL, c.MemoryWorkingSetBytes);
    }

    [Theory]
    [InlineData("container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\",pod=\"p\" 1 1000")]
    [InlineData("container_cpu_usage_seconds_total{container=\"a,namespace=\"n\",pod=\"p\"} 1 1000")]
    [InlineData("container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\"} 1 1000")]
    [InlineData("container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\",pod=\"p\"} 1 12.5")]
    [InlineData("container_cpu_usage_seconds_total{container=\"a\",namespace=\"n\",pod=\"p\"}")]
    [InlineData("container_cpu_usage_seconds_total")]
    public void Malformed_lines_are_typed_errors(string line)
    {
        var s = ParseText(line + "\nnode_cpu_usage_seconds_total 7 2000\n");
        Assert.Single(s.Errors);
        Assert.Equal(1, s.Errors[0].Line);
        // The rest of the payload is intact.
        Assert.Equal(7_000_000_000UL, s.Node.CpuCumulativeNs);
    }

    [Fact]
    public void Names_are_interned_across_scrapes_of_one_node()
    {
        var parser = new ResourceMetricsParser();
        var first = new ResourceMetricsScrape();
        var second = new ResourceMetricsScrape();
        var payload = Fixture.Bytes("kubelet-metrics-resource.txt");
        parser.Parse(payload, 0, first);
        parser.Parse(payload, 0, second);
        Assert.Same(first.Containers[0].Pod, second.Containers[0].Pod);
    }

    private const string MutationBytes = "{}\",= .e-+9xN\t#\n";

    /// <summary>Random byte mutations of real payloads: the parser never throws, reports only typed
    /// errors, and every series on an untouched line keeps its exact value.</summary>
    [Fact]
    public void Fuzzed_payloads_only_yield_typed_errors_and_intact_series_keep_their_values()
    {
        var random = new Random(20261125);
        foreach (var name in new[] { "kubelet-metrics-resource.txt", "kubelet-metrics-resource-t15s.txt", "metrics-server-client_test-70pods-kind-k8s1.21.txt" })
        {
            var original = Fixture.Bytes(name);
            var reference = new ResourceMetricsScrape();
            new ResourceMetricsParser().Parse(original, 1, reference);
            var lines = Encoding.UTF8.GetString(original).Split('\n');

            for (var round = 0; round < 300; round++)
            {
                var mutated = (byte[])original.Clone();
                var edits = random.Next(1, 4);
                var touchedLines = new HashSet<int>();
                for (var e = 0; e < edits; e++)
                {
                    var at = random.Next(mutated.Length);
                    mutated[at] = (byte)MutationBytes[random.Next(MutationBytes.Length)];
                    touchedLines.Add(LineOf(original, at));
                }
                var scrape = new ResourceMetricsScrape();
                var parser = new ResourceMetricsParser();
                parser.Parse(mutated, 1, scrape); // must not throw

                foreach (var error in scrape.Errors)
                    Assert.False(string.IsNullOrEmpty(error.Reason));
                // Every container whose lines were all untouched keeps exactly its reference values.
                foreach (var expected in reference.Containers)
                {
                    var containerLines = Enumerable.Range(0, lines.Length)
                        .Where(i => lines[i].Contains($"pod=\"{expected.Pod}\"", StringComparison.Ordinal) && lines[i].Contains($"container=\"{expected.Container}\"", StringComparison.Ordinal))
                        .ToList();
                    if (containerLines.Any(touchedLines.Contains) || touchedLines.Contains(-1))
                        continue;
                    var actual = scrape.Containers.Single(c => c.Pod == expected.Pod && c.Container == expected.Container && c.Namespace == expected.Namespace);
                    Assert.Equal(expected.CpuCumulativeNs, actual.CpuCumulativeNs);
                    Assert.Equal(expected.MemoryWorkingSetBytes, actual.MemoryWorkingSetBytes);
                    Assert.Equal(expected.CpuTimestampNs, actual.CpuTimestampNs);
                }
            }
        }
    }

    /// <summary>Zero-based line index of a byte offset; a mutated newline merges two lines, so it
    /// counts as touching both (returns the index of the line it ended).</summary>
    private static int LineOf(byte[] payload, int offset)
    {
        var line = 0;
        for (var i = 0; i < offset; i++)
            if (payload[i] == (byte)'\n') line++;
        return payload[offset] == (byte)'\n' ? -1 : line;
    }
}
