using System.Collections.Concurrent;
using System.Collections.Immutable;
using ActorScaler.Actors.Hpa;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Kubernetes.Informers;
using ActorScaler.Kubernetes.Projections;
using ActorScaler.Metrics.Storage;
using Akka.Actor;
using MetricsContainerUsage = ActorScaler.Metrics.Storage.ContainerUsage;
using ScaleWriteResult = ActorScaler.Kubernetes.Clients.ScaleWriteResult;

namespace ActorScaler.Actors.Tests.Hpa;

/// <summary>In-memory caches, metrics and writer for driving HPA entities without an API server.</summary>
internal sealed class FakeInputs : IHpaInputs
{
    public ConcurrentDictionary<string, HpaEntry> Hpas { get; } = new();
    public ConcurrentDictionary<string, ScaleTarget> Scales { get; } = new();
    public ConcurrentDictionary<string, PodInfo> Pods { get; } = new();
    public List<Action<CacheChange<HpaEntry>>> Subscribers { get; } = [];
    public bool Synced { get; set; } = true;

    public bool IsSynced => Synced;

    public void Put(HorizontalPodAutoscaler hpa)
    {
        var entry = new HpaEntry(hpa.Key, hpa, null, hpa.Metadata.Labels);
        Hpas[hpa.Key] = entry;
        foreach (var s in Subscribers)
            s(new CacheChange<HpaEntry>(CacheChangeKind.Upsert, hpa.Key, entry));
    }

    public void Delete(string key)
    {
        Hpas.TryRemove(key, out var removed);
        foreach (var s in Subscribers)
            s(new CacheChange<HpaEntry>(CacheChangeKind.Delete, key, removed));
    }

    public bool TryGetHpa(string key, out HpaEntry entry) => Hpas.TryGetValue(key, out entry!);

    public IReadOnlyList<HpaEntry> AllHpas() => Hpas.Values.ToList();

    public bool TryGetScale(string ns, CrossVersionObjectReference target, out ScaleTarget scale, out string error)
    {
        error = Scales.TryGetValue($"{ns}/{target.Name}", out scale!) ? "" : $"deployments.apps \"{target.Name}\" not found";
        return scale is not null;
    }

    public IReadOnlyList<PodInfo> PodsMatching(string ns, string selectorText, Selector selector) =>
        Pods.Values.Where(p => p.Namespace == ns && selector.Matches(p.Labels)).ToList();

    // Every other selected HPA of the namespace tested against every pod: the obvious version of the
    // production index, so the entity tests do not depend on it.
    public IReadOnlyList<HpaSelectorRegistration> OverlappingHpas(string ns, string hpaKey, IReadOnlyList<PodInfo> pods, Selector? controllerSelector)
    {
        var result = new List<HpaSelectorRegistration>();
        foreach (var entry in Hpas.Values)
        {
            if (entry.Hpa is not { } other || entry.Key == hpaKey || other.Metadata.Namespace != ns || !HpaSelection.IsSelected(entry, controllerSelector)
                || !TryGetScale(ns, other.Spec.ScaleTargetRef, out var scale, out _) || !Selector.TryParse(scale.Scale.Selector, out var selector, out _))
                continue;
            if (pods.Any(p => selector.Matches(p.Labels)))
                result.Add(new HpaSelectorRegistration(ns, other.Metadata.Name, selector));
        }
        return result;
    }

    public IDisposable SubscribeHpas(Action<CacheChange<HpaEntry>> onChange)
    {
        lock (Subscribers)
            Subscribers.Add(onChange);
        return new Unsubscribe(() => { lock (Subscribers) Subscribers.Remove(onChange); });
    }

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

internal sealed class FakeMetrics : IPodMetricsSource
{
    public ConcurrentDictionary<string, (PodUsage Usage, DateTimeOffset ReceivedAt)> Usage { get; } = new();
    public ConcurrentQueue<(IActorRef Subscriber, object Message)> Subscriptions { get; } = new();

    /// <summary>A sample the kubelet took <paramref name="at"/>, received by the member at that moment too.</summary>
    public void SetCpu(string ns, string pod, long millicores, DateTimeOffset at) => SetCpu(ns, pod, millicores, at, at);

    public void SetCpu(string ns, string pod, long millicores, DateTimeOffset at, DateTimeOffset receivedAt) =>
        Usage[$"{ns}/{pod}"] = (new PodUsage(ns, pod, at.ToUnixTimeMilliseconds() * 1_000_000, 15_000_000_000,
            ImmutableArray.Create(new MetricsContainerUsage("app", millicores * 1_000_000, 40L * 1024 * 1024))), receivedAt);

    public bool TryGetPod(string ns, string name, out PodUsage usage, out DateTimeOffset receivedAt)
    {
        var found = Usage.TryGetValue($"{ns}/{name}", out var entry);
        (usage, receivedAt) = entry;
        return found;
    }

    public IDisposable Subscribe(string ns, Selector selector, IActorRef subscriber, object message)
    {
        Subscriptions.Enqueue((subscriber, message));
        return new Noop();
    }

    /// <summary>What the store does after a scrape batch touching the subscriber's pods.</summary>
    public void Push()
    {
        foreach (var (subscriber, message) in Subscriptions)
            subscriber.Tell(message);
    }

    private sealed class Noop : IDisposable
    {
        public void Dispose()
        {
        }
    }
}

internal sealed record ScaleWriteCall(string Namespace, string Target, int Replicas, string ResourceVersion);

internal sealed class FakeWriter(FakeInputs inputs) : IHpaWriter
{
    private int _version = 100;

    public ConcurrentQueue<ScaleWriteCall> ScaleWrites { get; } = new();
    public ConcurrentQueue<HorizontalPodAutoscalerStatus> StatusWrites { get; } = new();
    public ConcurrentQueue<HpaEvent> Events { get; } = new();
    public ConcurrentQueue<string> ShadowAnnotations { get; } = new();
    public int ScaleReads;
    /// <summary>Writes with a resourceVersion other than this one get 409 (null: every write passes).</summary>
    public string? CurrentTargetVersion { get; set; }

    public Task<ScaleWriteResult> WriteScaleAsync(string ns, CrossVersionObjectReference target, int replicas, string resourceVersion, CancellationToken cancellationToken)
    {
        ScaleWrites.Enqueue(new ScaleWriteCall(ns, target.Name, replicas, resourceVersion));
        if (CurrentTargetVersion is not null && resourceVersion != CurrentTargetVersion)
            return Task.FromResult(new ScaleWriteResult(ScaleWriteOutcome.Conflict, "the object has been modified", null));
        var rv = Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);
        CurrentTargetVersion = CurrentTargetVersion is null ? null : rv;
        return Task.FromResult(new ScaleWriteResult(ScaleWriteOutcome.Written, null, rv));
    }

    public Task<ScaleRead> ReadScaleAsync(string ns, CrossVersionObjectReference target, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref ScaleReads);
        var cached = inputs.Scales[$"{ns}/{target.Name}"];
        return Task.FromResult(new ScaleRead(cached.Scale, CurrentTargetVersion ?? cached.ResourceVersion));
    }

    /// <summary>When set, a status write completes (and is recorded) only once this task has: a write in flight.</summary>
    public Task? StatusGate { get; set; }
    /// <summary>Gated status writes given up because the writer's token was cancelled.</summary>
    public int CancelledWrites;

    public async Task<HpaWriteResult> WriteStatusAsync(HorizontalPodAutoscaler hpa, HorizontalPodAutoscalerStatus status, CancellationToken cancellationToken)
    {
        if (StatusGate is { } gate)
        {
            try
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // As the API client does with a request still queued for a connection: never sent.
                Interlocked.Increment(ref CancelledWrites);
                return new HpaWriteResult(null, "not sent: the reconciler stopped");
            }
        }
        StatusWrites.Enqueue(status);
        return new HpaWriteResult("200", null);
    }

    public Task<string?> RecordEventAsync(HorizontalPodAutoscaler hpa, HpaEvent hpaEvent, CancellationToken cancellationToken)
    {
        Events.Enqueue(hpaEvent);
        return Task.FromResult<string?>(null);
    }

    public Task<HpaWriteResult> AnnotateShadowDecisionAsync(string ns, string name, string decision, CancellationToken cancellationToken)
    {
        ShadowAnnotations.Enqueue(decision);
        return Task.FromResult(new HpaWriteResult("300", null));
    }
}

internal static class HpaFixtures
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static HorizontalPodAutoscaler CpuHpa(string name = "web", int utilization = 50, int max = 10, IReadOnlyDictionary<string, string>? annotations = null) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name, Namespace = "default", Uid = "uid-" + name, ResourceVersion = "1", Generation = 1,
            Annotations = annotations ?? new Dictionary<string, string>(),
        },
        Spec = new HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new CrossVersionObjectReference { Kind = "Deployment", Name = name, ApiVersion = "apps/v1" },
            MinReplicas = 1,
            MaxReplicas = max,
            Metrics =
            [
                new MetricSpec
                {
                    Type = MetricSourceType.Resource,
                    Resource = new ResourceMetricSource { Name = "cpu", Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = utilization } },
                },
            ],
        },
    };

    public static ScaleTarget Scale(string name, int replicas, string resourceVersion = "10") =>
        new("default", name, new ScaleSubresource(replicas, replicas, $"app={name}"), resourceVersion);

    public static PodInfo Pod(string name, string app, long cpuRequestMilli) => new()
    {
        Name = name,
        Namespace = "default",
        Labels = new Dictionary<string, string> { ["app"] = app },
        Phase = PodPhase.Running,
        Ready = new PodReadyCondition(ConditionStatus.True, Now.AddHours(-1)),
        StartTime = Now.AddHours(-1),
        Containers = [new ContainerInfo
        {
            Name = "app",
            RequestsMilli = cpuRequestMilli > 0 ? new Dictionary<string, long> { ["cpu"] = cpuRequestMilli } : new Dictionary<string, long>(),
        }],
    };
}
