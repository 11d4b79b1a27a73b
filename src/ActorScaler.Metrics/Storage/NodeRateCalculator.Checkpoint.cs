using System.Collections.Immutable;

namespace ActorScaler.Metrics.Storage;

/// <summary>
/// The latest cumulative sample of one container, as a rate calculator keeps it: what a successor
/// needs to turn its own first sample into a rate.
/// </summary>
/// <param name="TimestampNs">The kubelet's timestamp of the CPU counter.</param>
/// <param name="CpuNs">container_cpu_usage_seconds_total in nanoseconds.</param>
/// <param name="StartNs">container_start_time_seconds in nanoseconds (0 if the kubelet gave none),
/// so a restart between the checkpoint and the next sample is recognised.</param>
public sealed record ContainerRatePoint(string Namespace, string Pod, string Container, long TimestampNs, ulong CpuNs, long StartNs);

/// <summary>
/// The latest cumulative points of one node (its CPU counter and every container's), taken after a
/// successful scrape. A calculator restored from it yields rates from its very first scrape, which
/// is what lets a scraper that moved to another member after a failover serve metrics at once
/// instead of after one more resolution.
/// </summary>
/// <param name="Node">The node's name.</param>
/// <param name="ScrapedAtNs">When the scrape that produced the points started (Unix ns).</param>
/// <param name="NodeTimestampNs">The node CPU counter's timestamp; 0 when the kubelet gave none.</param>
/// <param name="NodeCpuNs">node_cpu_usage_seconds_total in nanoseconds.</param>
public sealed record NodeRatePoints(string Node, long ScrapedAtNs, long NodeTimestampNs, ulong NodeCpuNs, ImmutableArray<ContainerRatePoint> Containers)
{
    /// <summary>No points (a deleted node, or a scraper that never succeeded).</summary>
    public bool IsEmpty => NodeTimestampNs == 0 && Containers.IsDefaultOrEmpty;
}

public sealed partial class NodeRateCalculator
{
    /// <summary>The latest point of the node and of every tracked container.</summary>
    public NodeRatePoints Checkpoint(long scrapedAtNs)
    {
        var containers = ImmutableArray.CreateBuilder<ContainerRatePoint>(_containers.Count);
        foreach (var ((ns, pod, container), points) in _containers)
            containers.Add(new ContainerRatePoint(ns, pod, container, points.Last.TimestampNs, points.Last.CpuNs, points.StartNs));
        return new NodeRatePoints(_node, scrapedAtNs, _nodeLast.TimestampNs, _nodeLast.CpuNs, containers.MoveToImmutable());
    }

    /// <summary>
    /// Seeds an empty calculator with a predecessor's latest points, as if it had taken that sample
    /// itself: the next <see cref="Apply"/> pairs its samples with them. Returns false (and changes
    /// nothing) when the calculator already holds points of its own, which are newer, or when the
    /// checkpoint belongs to another node.
    /// </summary>
    public bool Restore(NodeRatePoints points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Node != _node || _nodeLast.TimestampNs != 0 || _containers.Count != 0 || points.IsEmpty)
            return false;
        if (points.NodeTimestampNs != 0)
        {
            _nodeLast = new Point(points.NodeTimestampNs, points.NodeCpuNs);
            _nodePrev = default;
        }
        foreach (var c in points.Containers)
        {
            // Memory is a gauge read from each sample, never paired: nothing to restore.
            _containers[(c.Namespace, c.Pod, c.Container)] = new ContainerPoints(new Point(c.TimestampNs, c.CpuNs), default, c.StartNs, 0);
        }
        return true;
    }
}
