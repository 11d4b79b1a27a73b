using System.Globalization;
using System.Text;
using ActorScaler.Simulator.Kubelets;
using ActorScaler.Simulator.Metrics;
using Microsoft.AspNetCore.Http;

namespace ActorScaler.Simulator.Load;

/// <summary>
/// Per-pod Prometheus <c>/metrics</c> endpoints on 127.0.0.1, each pod on its own port (as each real
/// pod has its own IP). Ports come from blocks of pre-bound listeners that grow on demand and are
/// reused after a pod goes away, so only pods that serve requests cost a port, and a pod start
/// never waits for a server to start unless a whole block is used up.
/// </summary>
public sealed class PodMetricsEndpoints : IAsyncDisposable
{
    public const string MetricName = "http_requests_total";
    private const int DefaultBlockSize = 64;
    // Blocks double in size up to this, so thousands of endpoints take tens of servers, not hundreds.
    private const int MaxBlockSize = 1024;

    private readonly Func<string, string, long?> _requestsTotal;
    private readonly int _blockSize;
    private readonly object _gate = new();
    private readonly List<LoopbackPortFarm> _blocks = [];
    private readonly List<Slot[]> _slots = [];
    private readonly Stack<(int Block, int Index)> _free = new();
    private readonly Dictionary<(string, string), int> _portByPod = [];
    private readonly SemaphoreSlim _growLock = new(1, 1);

    /// <param name="requestsTotal">The pod's request counter now, null when the pod is gone.</param>
    public PodMetricsEndpoints(Func<string, string, long?> requestsTotal, int blockSize = DefaultBlockSize)
    {
        _requestsTotal = requestsTotal;
        _blockSize = blockSize;
    }

    /// <summary>Raised after a port is assigned or released (the file-SD list is rewritten from it).</summary>
    public event Action? Changed;

    /// <summary>Assigns a port to the pod (the same one again if it has one).</summary>
    public async Task<int> AssignAsync(string @namespace, string name, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_portByPod.TryGetValue((@namespace, name), out var existing)) return existing;
                if (_free.TryPop(out var free))
                {
                    var slot = _slots[free.Block][free.Index];
                    slot.Namespace = @namespace;
                    slot.Name = name;
                    _portByPod[(@namespace, name)] = slot.Port;
                    Changed?.Invoke();
                    return slot.Port;
                }
            }
            await GrowAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Releases the pod's port, if it has one.</summary>
    public void Release(string @namespace, string name)
    {
        lock (_gate)
        {
            if (!_portByPod.Remove((@namespace, name), out var port)) return;
            for (var b = 0; b < _blocks.Count; b++)
            {
                var index = _blocks[b].IndexOf(port);
                if (index < 0) continue;
                _slots[b][index].Namespace = null;
                _slots[b][index].Name = null;
                _free.Push((b, index));
                break;
            }
        }
        Changed?.Invoke();
    }

    public int? PortOf(string @namespace, string name)
    {
        lock (_gate) return _portByPod.TryGetValue((@namespace, name), out var p) ? p : null;
    }

    /// <summary>Every pod with an endpoint: (namespace, pod, port), in namespace/name order.</summary>
    public IReadOnlyList<(string Namespace, string Pod, int Port)> Targets()
    {
        lock (_gate)
        {
            return _portByPod.Select(p => (p.Key.Item1, p.Key.Item2, p.Value))
                .OrderBy(t => t.Item1, StringComparer.Ordinal).ThenBy(t => t.Item2, StringComparer.Ordinal).ToList();
        }
    }

    private async Task GrowAsync(CancellationToken cancellationToken)
    {
        var freeBefore = 0;
        lock (_gate) freeBefore = _free.Count;
        await _growLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                if (_free.Count > freeBefore || _free.Count > 0) return; // another caller grew it meanwhile
            }
            var blockIndex = _blocks.Count;
            var size = (int)Math.Min(MaxBlockSize, (long)_blockSize << Math.Min(blockIndex, 16));
            var farm = await LoopbackPortFarm.StartAsync(size, new LoopbackPortFarmOptions(),
                (index, context) => ServeAsync(blockIndex, index, context), cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _blocks.Add(farm);
                _slots.Add(farm.Ports.Select(p => new Slot(p)).ToArray());
                for (var i = size - 1; i >= 0; i--) _free.Push((blockIndex, i));
            }
        }
        finally
        {
            _growLock.Release();
        }
    }

    private Task ServeAsync(int block, int index, HttpContext context)
    {
        string? ns, name;
        lock (_gate)
        {
            var slot = _slots[block][index];
            ns = slot.Namespace;
            name = slot.Name;
        }
        long? total = ns is null || name is null ? null : _requestsTotal(ns, name);
        if (total is not { } value || (context.Request.Path.Value ?? "") != "/metrics")
        {
            // Nobody listens there any more (or a wrong path): what a scraper sees from a dead target.
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        var sb = new StringBuilder(160);
        PrometheusText.AppendHeader(sb, MetricName, "Total number of HTTP requests served.", "counter");
        sb.Append(MetricName).Append("{code=\"200\",method=\"get\"} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        context.Response.ContentType = PrometheusText.ContentType;
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        List<LoopbackPortFarm> blocks;
        lock (_gate) blocks = [.. _blocks];
        foreach (var b in blocks) await b.DisposeAsync().ConfigureAwait(false);
        _growLock.Dispose();
    }

    private sealed class Slot(int port)
    {
        public int Port { get; } = port;
        public string? Namespace { get; set; }
        public string? Name { get; set; }
    }
}
