using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Kubernetes.Informers;
using ActorScaler.Kubernetes.Projections;
using ActorScaler.Metrics.Custom;
using ActorScaler.Metrics.Storage;
using Akka.Actor;
using ScaleWriteResult = ActorScaler.Kubernetes.Clients.ScaleWriteResult;

namespace ActorScaler.Actors.Hpa;

/// <summary>How the controller runs: the kube-controller-manager tuning plus what is ours.</summary>
public sealed record HpaControllerOptions
{
    /// <summary>--horizontal-pod-autoscaler-sync-period.</summary>
    public TimeSpan SyncPeriod { get; init; } = ControllerSettings.DefaultSyncPeriod;
    /// <summary>The core's tuning (tolerance, stabilization, initialization periods).</summary>
    public ControllerSettings Settings { get; init; } = ControllerSettings.Production;
    /// <summary>Shadow mode: decide and report, never write scale or status.</summary>
    public bool Shadow { get; init; }
    /// <summary>--hpa-selector; null = every HPA (unless the HPA opts out by annotation).</summary>
    public Selector? HpaSelector { get; init; }
    /// <summary>Fresh metrics trigger a pass after this quiet time, so a burst of per-node scrape
    /// batches (one per node within a resolution) costs one pass, not one per node.</summary>
    public TimeSpan FreshMetricsDebounce { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>Fresh metrics never trigger passes closer together than this.</summary>
    public TimeSpan MinPassInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How often each member's inventory re-sends EnsureHpa for every selected HPA.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Each sync period is stretched by up to this fraction at random, so HPAs created together
    /// do not reconcile in lock step forever.</summary>
    public double SyncJitter { get; init; } = 0.1;
    /// <summary>A status change that is only metric jitter within the tolerance (see <see cref="MetricJitter"/>)
    /// is written at most once per this many sync periods; every other change is written at once.</summary>
    public int MetricJitterRefreshPeriods { get; init; } = 30;
    /// <summary>How often each Pods, Object and External metric asks its provider (--custom-metrics-poll-interval).</summary>
    public TimeSpan CustomMetricsPollInterval { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>How long a metric whose backend fails keeps its last good value before it fails too
    /// (--custom-metrics-staleness-budget; per HPA: the annotation <see cref="HpaSelection.StalenessBudgetAnnotation"/>).
    /// Two minutes ride out a backend restart without letting an old value drive scaling for long.</summary>
    public TimeSpan CustomMetricsStalenessBudget { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>
    /// A pod's CPU and memory sample whose scrape the member received longer ago than this counts as
    /// missing, so upstream's missing-pod rules apply to it (100 % of target when scaling down, 0 when
    /// scaling up) instead of its value. metrics-server drops a node whose scrape fails at its next
    /// cycle; our store keeps a node's values until its TTL (one failed scrape may hang until the
    /// kubelet timeout) and after a member dies its nodes go unscraped until their scrapers move, so
    /// without this bound a pass right after a failover could act on the dead member's last, pre-change
    /// samples. Measured from the scrape's arrival, not the kubelet's timestamp: cAdvisor refreshes its
    /// stats every 10-15 s on its own schedule, so a sample scraped a moment ago may carry a timestamp a
    /// whole resolution old, and a healthy node must never read as missing. The host sets it to two
    /// metric resolutions (30 s with the default 15 s): one resolution between scrapes, one of slack.
    /// </summary>
    public TimeSpan ResourceMetricsMaxAge { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>A new metric child's first answer is waited for this long before a pass goes on without it.</summary>
    public TimeSpan FirstReadingWait { get; init; } = TimeSpan.FromSeconds(3);
}

/// <summary>What a pass reads. In production these are the member's informer caches: no API calls.</summary>
public interface IHpaInputs
{
    /// <summary>All four controller caches and the pod cache have listed once.</summary>
    bool IsSynced { get; }

    bool TryGetHpa(string key, out HpaEntry entry);

    IReadOnlyList<HpaEntry> AllHpas();

    bool TryGetScale(string ns, CrossVersionObjectReference target, out ScaleTarget scale, out string error);

    /// <summary>The pods of <paramref name="ns"/> that <paramref name="selector"/> (parsed from
    /// <paramref name="selectorText"/>, the scale's status.selector) matches: the lister's
    /// <c>Pods(ns).List(selector)</c>.</summary>
    IReadOnlyList<PodInfo> PodsMatching(string ns, string selectorText, Selector selector);

    /// <summary>
    /// The other HPAs of <paramref name="ns"/> selected by this controller (<paramref name="controllerSelector"/>,
    /// see <see cref="HpaSelection.IsSelected"/>) whose target's selector matches at least one of
    /// <paramref name="pods"/>, with that selector: the HPAs upstream's AmbiguousSelector check would find.
    /// </summary>
    IReadOnlyList<HpaSelectorRegistration> OverlappingHpas(string ns, string hpaKey, IReadOnlyList<PodInfo> pods, Selector? controllerSelector);

    /// <summary>Calls back on every HPA change (from the informer's thread: keep it to a Tell).</summary>
    IDisposable SubscribeHpas(Action<CacheChange<HpaEntry>> onChange);
}

/// <summary>Resource metrics of pods, pushed by the member's scrapers.</summary>
public interface IPodMetricsSource
{
    /// <summary>The pod's latest usage and when the member received the scrape that carried it; false
    /// when it has none (never scraped, expired, gone).</summary>
    bool TryGetPod(string ns, string name, out PodUsage usage, out DateTimeOffset receivedAt);

    /// <summary>Tells <paramref name="message"/> to <paramref name="subscriber"/> after each batch that
    /// touches matching pods; dispose to stop.</summary>
    IDisposable Subscribe(string ns, Selector selector, IActorRef subscriber, object message);
}

/// <summary>Every write the controller makes. Each method reports failure in its result, never throws
/// for an API error. The token is the calling reconciler's life: when it stops (a hand-off that did not
/// finish in time, a member shutting down) its writes still queued for a connection are dropped, so
/// none of them lands after the target's next owner has started.</summary>
public interface IHpaWriter
{
    Task<ScaleWriteResult> WriteScaleAsync(string ns, CrossVersionObjectReference target, int replicas, string resourceVersion, CancellationToken cancellationToken);

    /// <summary>A fresh GET of /scale, used only after a 409 on the scale write.</summary>
    Task<ScaleRead> ReadScaleAsync(string ns, CrossVersionObjectReference target, CancellationToken cancellationToken);

    Task<HpaWriteResult> WriteStatusAsync(HorizontalPodAutoscaler hpa, HorizontalPodAutoscalerStatus status, CancellationToken cancellationToken);

    Task<string?> RecordEventAsync(HorizontalPodAutoscaler hpa, HpaEvent hpaEvent, CancellationToken cancellationToken);

    Task<HpaWriteResult> AnnotateShadowDecisionAsync(string ns, string name, string decision, CancellationToken cancellationToken);
}

/// <summary>Everything an HPA entity and the inventory need, built once per member.</summary>
/// <param name="CustomMetrics">The Pods/Object/External metrics provider; null when none is configured
/// (those metrics then fail with upstream's "no custom metrics API registered").</param>
public sealed record HpaControllerContext(HpaControllerOptions Options, IHpaInputs Inputs, IPodMetricsSource Metrics, IHpaWriter Writer, TimeProvider Time,
    ICustomMetricsProvider? CustomMetrics = null);
