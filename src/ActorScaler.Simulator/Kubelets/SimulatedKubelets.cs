using System.Security.Cryptography.X509Certificates;
using System.Text;
using ActorScaler.Simulator.Metrics;
using Microsoft.AspNetCore.Http;

namespace ActorScaler.Simulator.Kubelets;

/// <summary>
/// The HTTPS endpoints of every simulated node's kubelet: each node has its own 127.0.0.1 port
/// (published in its Node status) serving <c>/metrics/resource</c> and <c>/healthz</c> with a
/// certificate from the simulator CA. Faults and the certificate mode can be switched at run time;
/// a switch applies to the next request (or, for certificates, the next TLS handshake).
/// </summary>
public sealed class SimulatedKubelets : IAsyncDisposable
{
    /// <summary>Go's net/http NotFound body, which a kubelet answers for an unknown path.</summary>
    private const string GoNotFoundBody = "404 page not found\n";

    /// <summary>What the garbage fault answers: HTML from something that is not a kubelet.</summary>
    public const string GarbageBody = "<html><body><h1>502 Bad Gateway</h1>\u0000\u00ff not prometheus {{{\n";

    private readonly string[] _nodeNames;
    private readonly Dictionary<string, int> _indexByName;
    private readonly KubeletFault[] _faults;
    private readonly Func<int, KubeletResourceSnapshot> _stats;
    private readonly TimeProvider _time;
    private readonly X509Certificate2 _withIpSan;
    private readonly X509Certificate2 _withoutIpSan;
    private LoopbackPortFarm? _farm;
    private volatile int _certificateMode;

    private SimulatedKubelets(IReadOnlyList<string> nodeNames, SimulatorCertificateAuthority ca,
        KubeletCertificateMode mode, Func<int, KubeletResourceSnapshot> stats, TimeProvider time)
    {
        _nodeNames = [.. nodeNames];
        _indexByName = new Dictionary<string, int>(_nodeNames.Length, StringComparer.Ordinal);
        for (var i = 0; i < _nodeNames.Length; i++) _indexByName[_nodeNames[i]] = i;
        _faults = new KubeletFault[_nodeNames.Length];
        Array.Fill(_faults, KubeletFault.Healthy);
        _stats = stats;
        _time = time;
        Requests = new KubeletRequestLog(_nodeNames, time);
        // One certificate per mode shared by all nodes: issuing two thousand would cost seconds at
        // start-up and every node is reached at the same address anyway.
        _withIpSan = ca.IssueServingCertificate("simulated-kubelet", ["localhost"], includeLoopbackIpSan: true);
        _withoutIpSan = ca.IssueServingCertificate("simulated-kubelet", ["localhost"], includeLoopbackIpSan: false);
        _certificateMode = (int)mode;
    }

    /// <summary>
    /// Starts one kubelet endpoint per node name. <paramref name="stats"/> is called per request with
    /// the node's index (position in <paramref name="nodeNames"/>) and must be thread-safe.
    /// </summary>
    public static async Task<SimulatedKubelets> StartAsync(
        IReadOnlyList<string> nodeNames,
        SimulatorCertificateAuthority ca,
        KubeletCertificateMode mode,
        Func<int, KubeletResourceSnapshot> stats,
        TimeProvider time,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeNames);
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(time);
        var kubelets = new SimulatedKubelets(nodeNames, ca, mode, stats, time);
        if (nodeNames.Count == 0) return kubelets;
        kubelets._farm = await LoopbackPortFarm.StartAsync(
            nodeNames.Count,
            new LoopbackPortFarmOptions
            {
                ServerCertificate = _ => kubelets.CertificateMode == KubeletCertificateMode.NoIpSan ? kubelets._withoutIpSan : kubelets._withIpSan,
                RefuseConnection = index => Volatile.Read(ref kubelets._faults[index]).Mode == KubeletFaultMode.Down,
            },
            kubelets.HandleAsync,
            cancellationToken).ConfigureAwait(false);
        return kubelets;
    }

    public IReadOnlyList<string> NodeNames => _nodeNames;

    /// <summary>Every /metrics/resource request per node, with the recent arrival times.</summary>
    public KubeletRequestLog Requests { get; }

    /// <summary>The kubelet port of each node, in node order.</summary>
    public IReadOnlyList<int> Ports => _farm?.Ports ?? [];

    public int? PortOf(string nodeName) => _indexByName.TryGetValue(nodeName, out var i) && _farm is { } f ? f.Ports[i] : null;

    public bool IsSimulated(string nodeName) => _indexByName.ContainsKey(nodeName);

    public KubeletCertificateMode CertificateMode
    {
        get => (KubeletCertificateMode)_certificateMode;
        set => _certificateMode = (int)value;
    }

    /// <summary>Sets a node's fault; false when the node is not simulated here.</summary>
    public bool SetFault(string nodeName, KubeletFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        if (!_indexByName.TryGetValue(nodeName, out var i)) return false;
        Volatile.Write(ref _faults[i], fault);
        return true;
    }

    public KubeletFault? GetFault(string nodeName) =>
        _indexByName.TryGetValue(nodeName, out var i) ? Volatile.Read(ref _faults[i]) : null;

    /// <summary>Every node whose kubelet currently has a fault.</summary>
    public IReadOnlyDictionary<string, KubeletFault> Faults()
    {
        var result = new SortedDictionary<string, KubeletFault>(StringComparer.Ordinal);
        for (var i = 0; i < _faults.Length; i++)
        {
            var f = Volatile.Read(ref _faults[i]);
            if (!f.IsHealthy) result[_nodeNames[i]] = f;
        }
        return result;
    }

    public void ClearFaults()
    {
        for (var i = 0; i < _faults.Length; i++) Volatile.Write(ref _faults[i], KubeletFault.Healthy);
    }

    private async Task HandleAsync(int index, HttpContext context)
    {
        if (context.Request.Path.Value == KubeletResourceMetrics.Path)
            Requests.Record(index);
        var fault = Volatile.Read(ref _faults[index]);
        if (fault.Mode == KubeletFaultMode.Down)
        {
            // A keep-alive connection opened before the node went down: drop it too.
            context.Abort();
            return;
        }
        if (fault.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(fault.Delay, _time, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // the scraper gave up waiting, as it would on a real slow node
            }
        }

        var path = context.Request.Path.Value ?? "";
        if (path == "/healthz")
        {
            await WriteAsync(context, "text/plain; charset=utf-8", "ok").ConfigureAwait(false);
            return;
        }
        if (path != KubeletResourceMetrics.Path || !HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await WriteAsync(context, "text/plain; charset=utf-8", GoNotFoundBody).ConfigureAwait(false);
            return;
        }
        var body = fault.Mode switch
        {
            KubeletFaultMode.Garbage => GarbageBody,
            KubeletFaultMode.ScrapeError => KubeletResourceMetrics.ScrapeErrorPayload,
            _ => KubeletResourceMetrics.Write(_stats(index)),
        };
        await WriteAsync(context, PrometheusText.ContentType, body).ConfigureAwait(false);
    }

    private static Task WriteAsync(HttpContext context, string contentType, string body)
    {
        context.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        if (_farm is { } farm) await farm.DisposeAsync().ConfigureAwait(false);
        _withIpSan.Dispose();
        _withoutIpSan.Dispose();
    }
}
