using System.Threading.Channels;
using ActorScaler.Simulator.Kubelets;
using ActorScaler.Simulator.Load;
using ActorScaler.Simulator.Metrics;
using ActorScaler.Simulator.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorScaler.Simulator.Workloads;

/// <summary>
/// The simulated data plane behind the simulator's API server: nodes with HTTPS kubelets, the
/// Deployment, ReplicaSet and StatefulSet controllers, a scheduler, the pod lifecycle a kubelet
/// drives (Pending, Running, Ready after a delay, graceful deletion) and the load model. It reads
/// and writes only through the <see cref="ClusterStore"/>, so every change is visible to watches
/// and any API client can drive it (scale a Deployment, set a load annotation).
/// </summary>
/// <remarks>
/// Composition root use: construct with the store, start with <see cref="StartAsync"/>, map the
/// runtime admin routes with <see cref="NodeAdminEndpoints.MapSimulatorNodeAdmin"/>, dispose on
/// shutdown. All controller work runs on one loop (no locking between controllers); the store's
/// change notifications, the results of its own writes and a periodic tick feed it.
/// </remarks>
public sealed partial class WorkloadSimulation : IAsyncDisposable
{
    private static readonly GroupResource[] WatchedResources =
        [GroupResource.Deployments, GroupResource.ReplicaSets, GroupResource.StatefulSets, GroupResource.Pods];

    private readonly ClusterStore _store;
    private readonly TimeProvider _time;
    private readonly WorkloadSimulationOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _ownsCa;
    private ITimer? _tick;
    private Task? _loop;
    private SimulatedKubelets? _kubelets;
    private int _started;
    private int _disposed;

    public WorkloadSimulation(ClusterStore store, TimeProvider time, WorkloadSimulationOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid simulation options: " + string.Join("; ", problems), nameof(options));
        _store = store;
        _time = time;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _ownsCa = options.CertificateAuthority is null;
        CertificateAuthority = options.CertificateAuthority ?? SimulatorCertificateAuthority.Create();
        Usage = new UsageModel(time, options.Usage);
        PodEndpoints = new PodMetricsEndpoints(Usage.RequestsTotal);
        PodEndpoints.Changed += () => Volatile.Write(ref _fileSdDirty, true);
        NodeNames = Enumerable.Range(1, options.NodeCount).Select(i => $"{options.NodeNamePrefix}{i:D4}").ToArray();
    }

    public WorkloadSimulationOptions Options => _options;

    /// <summary>The CA that signed the kubelet certificates (trust this to verify them).</summary>
    public SimulatorCertificateAuthority CertificateAuthority { get; }

    public UsageModel Usage { get; }

    public PodMetricsEndpoints PodEndpoints { get; }

    /// <summary>The simulated kubelets; available after <see cref="StartAsync"/>.</summary>
    public SimulatedKubelets Kubelets => _kubelets ?? throw new InvalidOperationException("the simulation has not been started");

    public IReadOnlyList<string> NodeNames { get; }

    /// <summary>
    /// Starts the kubelets, registers the Node objects, writes the CA file and starts the controllers.
    /// Objects already in the store (a restart) are picked up as they are.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("the simulation is already started");
        if (_options.CaFile is { } caFile) CertificateAuthority.WriteCaFile(caFile);
        foreach (var node in NodeNames) Usage.AddNode(node);
        _kubelets = await SimulatedKubelets.StartAsync(NodeNames, CertificateAuthority, _options.KubeletCertificateMode,
            index => Usage.Snapshot(NodeNames[index]), _time, cancellationToken).ConfigureAwait(false);
        RegisterNodes();
        if (_options.PrometheusSdFile is { } sd) PrometheusFileSd.Write(sd, []);

        // The store's Changed event fires synchronously after every committed write, so a change is
        // queued here before the writer's call returns (what makes SyncAsync exact), and a client's
        // "dropped watches" fault, meant for API clients, cannot blind the controllers. Subscribing
        // before listing means nothing falls in between; the resourceVersion guard drops duplicates.
        _store.Changed += OnStoreChanged;
        foreach (var resource in WatchedResources)
        {
            var list = _store.List(resource);
            _inbox.Writer.TryWrite(new Relist(resource, list.Items, list.ResourceVersion));
        }
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        _tick = _time.CreateTimer(_ => _inbox.Writer.TryWrite(Tick.Instance), null, _options.ReconcileInterval, _options.ReconcileInterval);
    }

    /// <summary>
    /// Completes once the controllers have handled every store change and timer tick that happened
    /// before the call, and whatever follows from them right away (tests advance a fake clock, then
    /// wait for this).
    /// </summary>
    public async Task SyncAsync(CancellationToken cancellationToken = default)
    {
        var marker = new SyncMarker();
        if (!_inbox.Writer.TryWrite(marker)) throw new InvalidOperationException("the simulation is stopped");
        await marker.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnStoreChanged(WatchEventType type, StoredObject obj)
    {
        if (Array.IndexOf(WatchedResources, obj.Resource) >= 0) _inbox.Writer.TryWrite(new Observed(obj.Resource, type, obj));
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _inbox.Reader;
        var markers = new List<SyncMarker>();
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var ticked = false;
                while (reader.TryRead(out var item))
                {
                    try
                    {
                        switch (item)
                        {
                            case Observed o:
                                Observe(o.Resource, o.Type, o.Object);
                                break;
                            case Relist r:
                                ApplyRelist(r.Resource, r.Items, r.ResourceVersion);
                                break;
                            case Tick:
                                ticked = true;
                                break;
                            case SyncMarker m:
                                markers.Add(m);
                                break;
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _logger.LogError(e, "simulation failed to apply {Item}", item);
                    }
                }
                try
                {
                    await ReconcileAsync(ticked || markers.Count > 0, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One bad object must not stop the simulation: log it and carry on with the rest.
                    _logger.LogError(e, "simulation reconcile failed");
                }
                foreach (var m in markers) m.Done.TrySetResult();
                markers.Clear();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            foreach (var m in markers) m.Done.TrySetCanceled(CancellationToken.None);
            while (reader.TryRead(out var item))
            {
                if (item is SyncMarker m) m.Done.TrySetCanceled(CancellationToken.None);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _store.Changed -= OnStoreChanged;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _tick?.Dispose();
        _inbox.Writer.TryComplete();
        if (_loop is { } loop) await loop.ConfigureAwait(false);
        if (_kubelets is { } k) await k.DisposeAsync().ConfigureAwait(false);
        await PodEndpoints.DisposeAsync().ConfigureAwait(false);
        if (_ownsCa) CertificateAuthority.Dispose();
        _stopping.Dispose();
    }

    private sealed record Observed(GroupResource Resource, WatchEventType Type, StoredObject Object);

    private sealed record Relist(GroupResource Resource, IReadOnlyList<StoredObject> Items, long ResourceVersion);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class SyncMarker
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
