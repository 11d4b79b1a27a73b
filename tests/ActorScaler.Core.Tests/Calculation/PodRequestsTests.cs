using ActorScaler.Core.Calculation;
using Xunit;

namespace ActorScaler.Core.Tests.Calculation;

public sealed class PodRequestsTests
{
    private static ContainerInfo Container(string name, long? cpu, string? restartPolicy = null) => new()
    {
        Name = name,
        RequestsMilli = cpu is null ? new Dictionary<string, long>() : new Dictionary<string, long> { ["cpu"] = cpu.Value },
        RestartPolicy = restartPolicy,
    };

    private static PodInfo Pod(IReadOnlyList<ContainerInfo> containers, IReadOnlyList<ContainerInfo>? init = null, Dictionary<string, long>? podRequests = null) => new()
    {
        Name = "p",
        Containers = containers,
        InitContainers = init ?? [],
        PodRequestsMilli = podRequests,
    };

    [Fact]
    public void Sidecars_count_and_ordinary_init_containers_do_not()
    {
        var pod = Pod([Container("app", 200)], [Container("setup", 5000), Container("proxy", 50, ContainerRestartPolicy.Always)]);
        var (requests, error) = PodRequests.Calculate([pod], "", "cpu", podLevelResourcesEnabled: false);
        Assert.Null(error);
        Assert.Equal(250, requests!["p"]);
    }

    [Fact]
    public void A_named_container_reads_its_own_request_even_with_pod_level_requests()
    {
        var pod = Pod([Container("app", 200), Container("log", 30)], podRequests: new() { ["cpu"] = 900 });
        Assert.Equal(30, PodRequests.Calculate([pod], "log", "cpu", true).RequestsMilli!["p"]);
        Assert.Equal(900, PodRequests.Calculate([pod], "", "cpu", true).RequestsMilli!["p"]);
        Assert.Equal(230, PodRequests.Calculate([pod], "", "cpu", false).RequestsMilli!["p"]);
    }

    [Fact]
    public void Missing_requests_and_containers_fail_with_upstreams_texts()
    {
        Assert.Equal("missing request for cpu in container app of Pod p", PodRequests.Calculate([Pod([Container("app", null)])], "", "cpu", false).Error);
        Assert.Equal("container other not found in Pod p", PodRequests.Calculate([Pod([Container("app", 1)])], "other", "cpu", false).Error);
        Assert.Equal("missing pod-level request for memory in Pod p",
            PodRequests.Calculate([Pod([Container("app", 1)], podRequests: new() { ["cpu"] = 1 })], "", "memory", true).Error);
    }
}
