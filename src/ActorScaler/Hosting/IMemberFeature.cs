using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ActorScaler.Hosting;

/// <summary>
/// One capability of a member (the metrics pipeline, the HPA controller, telemetry...): its services,
/// its actors and its HTTP endpoints. <see cref="MemberHost"/> composes the features listed in
/// <see cref="MemberFeatures.All"/>, so adding one is one line there.
/// </summary>
public interface IMemberFeature
{
    void ConfigureServices(IServiceCollection services, RunOptions options);

    void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider services, RunOptions options);

    void MapEndpoints(WebApplication app, RunOptions options);
}

public static class MemberFeatures
{
    public static IReadOnlyList<IMemberFeature> All =>
    [
        new TelemetryFeature(),
        new KubernetesFeature(),
        new MetricsFeature(),
        // Before ControllerFeature, which resolves the ICustomMetricsProvider this one registers.
        new CustomMetricsFeature(),
        new ControllerFeature(),
    ];
}
