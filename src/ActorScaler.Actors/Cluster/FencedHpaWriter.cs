using ActorScaler.Actors.Hpa;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Clients;
using ScaleWriteResult = ActorScaler.Kubernetes.Clients.ScaleWriteResult;

namespace ActorScaler.Actors.Cluster;

/// <summary>
/// Lets a write through to <paramref name="inner"/> only while the <see cref="WriteFence"/> allows it
/// (this member Up and in recent contact with a majority), so that a member cut off from the others stops
/// writing /scale, HPA status and events before the majority can have handed its HPAs to another member.
/// A refused write returns the inner writer's failure result with the fence's reason; the HPA entity
/// treats it like an API error (the pass fails, is retried, and the condition shows the reason). Reads
/// pass through: they change nothing.
/// </summary>
public sealed class FencedHpaWriter(IHpaWriter inner, WriteFence fence) : IHpaWriter
{
    public Task<ScaleWriteResult> WriteScaleAsync(string ns, CrossVersionObjectReference target, int replicas, string resourceVersion, CancellationToken cancellationToken) =>
        fence.TryAllow(out var reason)
            ? inner.WriteScaleAsync(ns, target, replicas, resourceVersion, cancellationToken)
            : Task.FromResult(new ScaleWriteResult(ScaleWriteOutcome.Failed, reason, null));

    public Task<ScaleRead> ReadScaleAsync(string ns, CrossVersionObjectReference target, CancellationToken cancellationToken) =>
        inner.ReadScaleAsync(ns, target, cancellationToken);

    public Task<HpaWriteResult> WriteStatusAsync(HorizontalPodAutoscaler hpa, HorizontalPodAutoscalerStatus status, CancellationToken cancellationToken) =>
        fence.TryAllow(out var reason)
            ? inner.WriteStatusAsync(hpa, status, cancellationToken)
            : Task.FromResult(new HpaWriteResult(null, reason));

    public Task<string?> RecordEventAsync(HorizontalPodAutoscaler hpa, HpaEvent hpaEvent, CancellationToken cancellationToken) =>
        fence.TryAllow(out var reason)
            ? inner.RecordEventAsync(hpa, hpaEvent, cancellationToken)
            : Task.FromResult<string?>(reason);

    public Task<HpaWriteResult> AnnotateShadowDecisionAsync(string ns, string name, string decision, CancellationToken cancellationToken) =>
        fence.TryAllow(out var reason)
            ? inner.AnnotateShadowDecisionAsync(ns, name, decision, cancellationToken)
            : Task.FromResult(new HpaWriteResult(null, reason));
}
