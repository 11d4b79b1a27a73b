using ActorScaler.WhatIf.Inputs;
using ActorScaler.WhatIf.Workload;
using Xunit;

namespace ActorScaler.WhatIf.Tests;

public sealed class WorkloadReaderTests
{
    [Fact]
    public void Deployment_gives_replicas_selector_and_container_requests_and_limits()
    {
        var w = WorkloadReader.Parse("d.yaml", """
            apiVersion: v1
            kind: Service
            metadata: {name: php-apache}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: php-apache, namespace: web}
            spec:
              replicas: 2
              selector: {matchLabels: {run: php-apache}}
              template:
                spec:
                  initContainers:
                  - name: init-once
                    resources: {requests: {cpu: 1}}
                  - name: proxy
                    restartPolicy: Always
                    resources: {requests: {cpu: 20m, memory: 16Mi}}
                  containers:
                  - name: php-apache
                    resources:
                      limits: {cpu: 100m, memory: 100Mi}
                      requests: {cpu: 100m, memory: 100Mi}
            """);
        Assert.Equal(("Deployment", "php-apache", "web", 2), (w.Kind, w.Name, w.Namespace, w.Replicas));
        Assert.Equal("php-apache", w.SelectorLabels["run"]);
        var c = Assert.Single(w.Containers);
        Assert.Equal(100, c.CpuRequest!.Value.MilliValue());
        Assert.Equal(100L * 1024 * 1024, c.MemoryLimit!.Value.Value());
        Assert.Equal("spec.template.spec.containers[0]", c.FieldPath);
        // Only the restartPolicy: Always init container is a sidecar; a plain init container has exited.
        Assert.Equal("proxy", Assert.Single(w.SidecarContainers).Name);
        // The pod cannot use more CPU than the limits; the sidecar has none, so no cap.
        Assert.Null(w.PodCpuLimitMilli);
    }

    [Fact]
    public void A_limit_without_a_request_defaults_the_request_and_replicas_default_to_one()
    {
        var w = WorkloadReader.Parse("s.yaml", """
            kind: StatefulSet
            metadata: {name: db}
            spec:
              template:
                spec:
                  containers:
                  - name: db
                    resources: {limits: {cpu: 500m}}
            """);
        Assert.Equal(1, w.Replicas);
        Assert.Equal("default", w.Namespace);
        Assert.Equal(500, w.Containers[0].CpuRequest!.Value.MilliValue());
        Assert.Equal(500, w.PodCpuLimitMilli);
        Assert.True(w.OrderedReady);
    }

    [Theory]
    [InlineData("kind: Service\nmetadata: {name: x}\n", "kind", "expected a Deployment or StatefulSet, found Service")]
    [InlineData("kind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        resources: {requests: {cpu: fast}}\n",
        "line 8, spec.template.spec.containers[0].resources.requests.cpu", "\"fast\" is not a valid quantity")]
    [InlineData("kind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: -1\n  template: {spec: {containers: [{name: a}]}}\n", "line 4, spec.replicas", "must be 0 or more")]
    [InlineData("kind: Deployment\nmetadata: {name: x}\nspec: {}\n", "line 3, spec.template", "required field is missing")]
    public void A_bad_workload_names_the_field(string yaml, string location, string problem)
    {
        var ex = Assert.Throws<SimulationInputException>(() => WorkloadReader.Parse("w.yaml", yaml));
        Assert.Equal(location, ex.Location);
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named() =>
        Assert.Equal("nope.yaml: file not found", Assert.Throws<SimulationInputException>(() => WorkloadReader.ReadFile("nope.yaml")).Message);
}
