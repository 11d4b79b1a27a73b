using ActorScaler.WhatIf.Workload;

namespace ActorScaler.WhatIf.Engine;

/// <summary>
/// One simulated pod: its lifecycle times and, per container, a kubelet-style cumulative CPU
/// counter (core-nanoseconds, as usageCoreNanoSeconds) and the current working set.
/// </summary>
internal sealed class PodModel
{
    public PodModel(string name, long ordinal, long createdMs, long runningAtMs, long readyAtMs, int containers)
    {
        Name = name;
        Ordinal = ordinal;
        CreatedMs = createdMs;
        RunningAtMs = runningAtMs;
        ReadyAtMs = readyAtMs;
        CpuCoreNanoSeconds = new long[containers];
        WorkingSetBytes = new long[containers];
    }

    public string Name { get; }
    /// <summary>Creation order: scale-down removes the highest first (newest-first).</summary>
    public long Ordinal { get; }
    public long CreatedMs { get; }
    public long RunningAtMs { get; }
    public long ReadyAtMs { get; }
    public long[] CpuCoreNanoSeconds { get; }
    public long[] WorkingSetBytes { get; }
    /// <summary>CPU the pod used in the last accounting step (milli-cores), for the per-pod rps share.</summary>
    public double ServedCpuMilli { get; set; }
    public double ServedRps { get; set; }

    public bool IsRunning(long nowMs) => nowMs >= RunningAtMs;

    public bool IsReady(long nowMs) => nowMs >= ReadyAtMs;

    /// <summary>
    /// How a pod's usage divides between its containers: in proportion to their requests of that
    /// resource, evenly when any container has none (so a ContainerResource metric sees its part).
    /// </summary>
    public static double[] Shares(IReadOnlyList<ContainerResources> containers, bool cpu)
    {
        var requests = containers.Select(c => cpu ? c.CpuRequest : c.MemoryRequest).ToList();
        var shares = new double[containers.Count];
        if (requests.All(r => r is not null) && requests.Sum(r => r!.Value.ToDouble()) > 0)
        {
            var total = requests.Sum(r => r!.Value.ToDouble());
            for (var i = 0; i < shares.Length; i++)
                shares[i] = requests[i]!.Value.ToDouble() / total;
        }
        else
        {
            Array.Fill(shares, 1.0 / containers.Count);
        }
        return shares;
    }
}
