using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;
using Xunit;

namespace ActorScaler.Core.Tests.Spec;

public sealed class HpaCodecTests
{
    private const string V2 = """
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: web
        spec:
          scaleTargetRef: {kind: Deployment, name: web}
          maxReplicas: 5
        """;

    [Fact]
    public void Multi_document_files_report_other_kinds_and_keep_order()
    {
        var text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            ---
            """ + "\n" + V2 + "\n---\n---\n";
        var documents = HpaLoader.LoadText(text);
        Assert.Equal(2, documents.Count);
        Assert.Equal(HpaDocumentKind.NotHpa, documents[0].Kind);
        Assert.Equal("Deployment", documents[0].ObjectKind);
        Assert.Equal("document 1", documents[0].Location);
        Assert.Equal(HpaDocumentKind.Hpa, documents[1].Kind);
        Assert.Equal("document 2", documents[1].Location);
    }

    [Fact]
    public void Defaults_fill_minReplicas_and_the_cpu_metric_but_not_behavior()
    {
        var hpa = HpaLoader.LoadText(V2)[0].Hpa!;
        Assert.Equal(1, hpa.Spec.MinReplicas);
        Assert.Equal("default", hpa.Metadata.Namespace);
        var cpu = Assert.Single(hpa.Spec.Metrics).Resource!;
        Assert.Equal(("cpu", MetricTargetType.Utilization, 80), (cpu.Name, cpu.Target.Type, cpu.Target.AverageUtilization!.Value));
        Assert.Null(hpa.Spec.Behavior);

        var raw = HpaLoader.LoadText(V2, new HpaLoadOptions { ApplyDefaults = false, DefaultNamespace = null })[0].Hpa!;
        Assert.Null(raw.Spec.MinReplicas);
        Assert.Empty(raw.Spec.Metrics);
        Assert.Equal("", raw.Metadata.Namespace);
    }

    [Fact]
    public void Behavior_defaults_fill_each_direction_from_upstream_rules()
    {
        var hpa = HpaLoader.LoadText(V2 + "\n  behavior:\n    scaleDown:\n      selectPolicy: Disabled\n")[0].Hpa!;
        var up = hpa.Spec.Behavior!.ScaleUp!;
        Assert.Equal(0, up.StabilizationWindowSeconds);
        Assert.Equal("Max", up.SelectPolicy);
        Assert.Equal([("Pods", 4, 15), ("Percent", 100, 15)], up.Policies!.Select(p => (p.Type, p.Value, p.PeriodSeconds)));
        var down = hpa.Spec.Behavior.ScaleDown!;
        Assert.Null(down.StabilizationWindowSeconds);
        Assert.Equal("Disabled", down.SelectPolicy);
        Assert.Equal([("Percent", 100, 15)], down.Policies!.Select(p => (p.Type, p.Value, p.PeriodSeconds)));
    }

    [Fact]
    public void V1_annotations_restore_metrics_behavior_and_status_and_are_dropped()
    {
        var path = Path.Combine(Path.GetDirectoryName(Here())!, "Validation", "Valid", "v1-with-round-trip-annotations.yaml");
        var hpa = HpaLoader.LoadText(File.ReadAllText(path))[0].Hpa!;
        Assert.Equal(["Pods", "External", "Resource"], hpa.Spec.Metrics.Select(m => m.Type));
        Assert.Equal(75, hpa.Spec.Metrics[2].Resource!.Target.AverageUtilization);
        Assert.Equal(Quantity.Parse("500m"), hpa.Spec.Metrics[0].Pods!.Target.AverageValue);
        Assert.Equal(MetricTargetType.Value, hpa.Spec.Metrics[1].External!.Target.Type);
        Assert.Equal([("Pods", 4, 15)], hpa.Spec.Behavior!.ScaleUp!.Policies!.Select(p => (p.Type, p.Value, p.PeriodSeconds)));
        Assert.Equal("Max", hpa.Spec.Behavior.ScaleDown!.SelectPolicy);
        Assert.Equal(["owner"], hpa.Metadata.Annotations.Keys);
        var condition = Assert.Single(hpa.Status.Conditions);
        Assert.Equal(("AbleToScale", "True", "ReadyForNewScale"), (condition.Type, condition.Status, condition.Reason));
        var current = Assert.Single(hpa.Status.CurrentMetrics).Resource!;
        Assert.Equal((42, "210m"), (current.Current.AverageUtilization!.Value, current.Current.AverageValue!.Value.ToString()));
    }

    private static string Here([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [Fact]
    public void V1_encoding_writes_upstreams_round_trip_annotations()
    {
        var hpa = HpaLoader.LoadText(V2 + """

              minReplicas: 2
              metrics:
              - type: Resource
                resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
              - type: Pods
                pods: {metric: {name: rps}, target: {type: AverageValue, averageValue: 1500m}}
              behavior:
                scaleUp:
                  tolerance: 50m
            """)[0].Hpa!;
        var v1 = HpaEncoder.Encode(hpa, HpaApi.V1);
        Assert.Equal(60, (int)v1["spec"]!["targetCPUUtilizationPercentage"]!);
        var annotations = v1["metadata"]!["annotations"]!;
        Assert.Equal("""[{"type":"Pods","pods":{"metricName":"rps","targetAverageValue":"1500m"}}]""",
            (string)annotations[HpaApi.MetricSpecsAnnotation]!);
        Assert.Equal(
            """{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":"50m"},"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null}}""",
            (string)annotations[HpaApi.BehaviorSpecsAnnotation]!);
        Assert.Null(v1["spec"]!["metrics"]);
    }

    [Theory]
    [InlineData("maxReplicas: 1.0", null)]
    [InlineData("maxReplicas: 3000000000", "json: cannot unmarshal number 3000000000 into Go struct field HorizontalPodAutoscalerSpec.spec.maxReplicas of type int32")]
    [InlineData("maxReplicas: yes", "json: cannot unmarshal bool into Go struct field HorizontalPodAutoscalerSpec.spec.maxReplicas of type int32")]
    [InlineData("maxReplicas: [1]", "json: cannot unmarshal array into Go struct field HorizontalPodAutoscalerSpec.spec.maxReplicas of type int32")]
    [InlineData("maxReplicas: 2\n  scaleTargetRef: web", "json: cannot unmarshal string into Go struct field HorizontalPodAutoscalerSpec.spec.scaleTargetRef of type v2.CrossVersionObjectReference")]
    public void Decoder_reports_type_errors_like_encoding_json(string line, string? error)
    {
        var text = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  " + line + "\n";
        var document = HpaLoader.LoadText(text)[0];
        if (error is null)
        {
            Assert.Equal(HpaDocumentKind.Hpa, document.Kind);
            Assert.Equal(1, document.Hpa!.Spec.MaxReplicas);
            return;
        }
        Assert.Equal(HpaDocumentKind.Error, document.Kind);
        Assert.Equal("HorizontalPodAutoscaler in version \"v2\" cannot be handled as a HorizontalPodAutoscaler: " + error, document.Error);
    }

    [Fact]
    public void Lists_json_and_broken_input_are_handled()
    {
        var list = HpaLoader.LoadText("""{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"a"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"a"},"maxReplicas":2}}]}""");
        Assert.Equal("document 1, items[0]", Assert.Single(list).Location);
        Assert.Equal(80, list[0].Hpa!.Spec.Metrics[0].Resource!.Target.AverageUtilization);

        var broken = Assert.Single(HpaLoader.LoadText("a: b: c"));
        Assert.Equal(HpaDocumentKind.Error, broken.Kind);
        Assert.StartsWith("error converting YAML to JSON: yaml: line 1: ", broken.Error);

        var scalar = Assert.Single(HpaLoader.LoadText("just text"));
        Assert.Equal("not a Kubernetes object (a mapping with apiVersion and kind)", scalar.Error);

        var untyped = Assert.Single(HpaLoader.LoadText("metadata: {name: x}"));
        Assert.Equal("error validating data: [apiVersion not set, kind not set]", untyped.Error);
    }

    [Fact]
    public void Multi_line_strings_become_literal_blocks_like_kubectl_prints_them()
    {
        var node = new System.Text.Json.Nodes.JsonObject
        {
            ["a"] = "{\"x\":1}\n",
            ["b"] = "one\ntwo",
            ["c"] = "end\n\n",
            ["d"] = "trailing \nspace",
            ["e"] = new System.Text.Json.Nodes.JsonArray("x\ny\n"),
        };
        Assert.Equal(
            "a: |\n  {\"x\":1}\nb: |-\n  one\n  two\nc: |+\n  end\n\nd: \"trailing \\nspace\"\ne:\n- |\n  x\n  y\n",
            YamlJson.ToYaml(node));
        var back = YamlJson.ParseDocuments(YamlJson.ToYaml(node))[0]!;
        Assert.Equal(node.ToJsonString(), back.ToJsonString());
    }

    [Fact]
    public void Yaml_output_quotes_like_go_yaml()
    {
        Assert.Equal("\"80\"", YamlJson.Scalar("80"));
        Assert.Equal("\"true\"", YamlJson.Scalar("true"));
        Assert.Equal("\"\"", YamlJson.Scalar(""));
        Assert.Equal("500m", YamlJson.Scalar("500m"));
        Assert.Equal("apps/v1", YamlJson.Scalar("apps/v1"));
        Assert.Equal("'[{\"a\":1}]'", YamlJson.Scalar("[{\"a\":1}]"));
        Assert.Equal("\"1e3\"", YamlJson.Scalar("1e3"));
    }
}
