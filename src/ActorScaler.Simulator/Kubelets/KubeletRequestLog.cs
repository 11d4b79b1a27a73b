namespace ActorScaler.Simulator.Kubelets;

/// <summary>One node's kubelet requests: how many in all, and when the most recent ones arrived.</summary>
public sealed record KubeletNodeRequests(string Node, long Requests, IReadOnlyList<DateTimeOffset> Times);

/// <summary>
/// Every <c>/metrics/resource</c> request each simulated kubelet received: a counter per node and the
/// arrival times of the last <see cref="TimesKept"/> requests. A benchmark reads it to count kubelet
/// requests per node per interval (metrics-server makes one per node per resolution) and to know when
/// the sample an HPA decided on was taken.
/// </summary>
public sealed class KubeletRequestLog
{
    /// <summary>At a 15 s resolution, the last hour; at 1 s, the last four minutes.</summary>
    public const int TimesKept = 256;

    private readonly string[] _nodes;
    private readonly long[] _counts;
    private readonly long[][] _times;
    private readonly object[] _locks;
    private readonly TimeProvider _time;

    public KubeletRequestLog(IReadOnlyList<string> nodeNames, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(nodeNames);
        ArgumentNullException.ThrowIfNull(time);
        _nodes = [.. nodeNames];
        _counts = new long[_nodes.Length];
        _times = new long[_nodes.Length][];
        _locks = new object[_nodes.Length];
        for (var i = 0; i < _nodes.Length; i++)
        {
            _times[i] = new long[TimesKept];
            _locks[i] = new object();
        }
        _time = time;
    }

    /// <summary>Records a request to the node at this index (its position in the node list).</summary>
    public void Record(int nodeIndex)
    {
        var now = _time.GetUtcNow().UtcTicks;
        lock (_locks[nodeIndex])
        {
            // The ring slot is the count before this request: the oldest time is overwritten.
            _times[nodeIndex][_counts[nodeIndex] % TimesKept] = now;
            _counts[nodeIndex]++;
        }
    }

    /// <summary>Every node's count and its kept request times at or after <paramref name="since"/>, oldest first.</summary>
    public IReadOnlyList<KubeletNodeRequests> Snapshot(DateTimeOffset? since = null)
    {
        var from = since?.UtcTicks ?? long.MinValue;
        var result = new List<KubeletNodeRequests>(_nodes.Length);
        for (var i = 0; i < _nodes.Length; i++)
        {
            long count;
            var times = new List<DateTimeOffset>();
            lock (_locks[i])
            {
                count = _counts[i];
                var kept = (int)Math.Min(count, TimesKept);
                for (var k = count - kept; k < count; k++)
                {
                    var ticks = _times[i][k % TimesKept];
                    if (ticks >= from)
                        times.Add(new DateTimeOffset(ticks, TimeSpan.Zero));
                }
            }
            result.Add(new KubeletNodeRequests(_nodes[i], count, times));
        }
        return result;
    }
}
