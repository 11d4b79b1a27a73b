using System.Globalization;
using ActorScaler.Core.Durations;
using ActorScaler.Core.Quantities;

namespace ActorScaler.Simulator.Load;

/// <summary>
/// The load a workload's pods generate, as set by annotations on the Deployment or StatefulSet.
/// Null fields fall back to the simulator's defaults (idle usage, baseline memory, no requests,
/// default readiness delay).
/// </summary>
public sealed record WorkloadLoad
{
    public static readonly WorkloadLoad Idle = new();

    /// <summary>Total CPU for the workload in millicores, spread over its Ready pods.</summary>
    public long? CpuDemandMillicores { get; init; }

    /// <summary>Working set of each pod in bytes.</summary>
    public long? MemoryPerPodBytes { get; init; }

    /// <summary>Requests per second for the workload in milli-requests, spread over its Ready pods.</summary>
    public long? MilliRequestsPerSecond { get; init; }

    /// <summary>Time from container start to Ready.</summary>
    public TimeSpan? ReadyAfter { get; init; }
}

/// <summary>One annotation that could not be read; the rest of the annotations still apply.</summary>
public sealed record LoadAnnotationError(string Annotation, string Value, string Message)
{
    public override string ToString() => $"metadata.annotations[{Annotation}]: Invalid value: \"{Value}\": {Message}";
}

/// <summary>The <c>simulator.actorscaler.io/*</c> annotations that drive the load model.</summary>
public static class LoadAnnotations
{
    public const string Prefix = "simulator.actorscaler.io/";
    public const string CpuDemand = Prefix + "cpu-demand";
    public const string MemoryPerPod = Prefix + "memory-per-pod";
    public const string RequestsPerSecond = Prefix + "rps";
    public const string ReadyAfter = Prefix + "ready-after";

    /// <summary>Reads the load annotations; bad values are reported and treated as absent.</summary>
    public static WorkloadLoad Parse(IReadOnlyDictionary<string, string> annotations, out IReadOnlyList<LoadAnnotationError> errors)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        var problems = new List<LoadAnnotationError>();
        var load = new WorkloadLoad
        {
            CpuDemandMillicores = Quantity(annotations, CpuDemand, q => q.MilliValue(), "a CPU quantity such as \"1500m\" or \"2\"", problems),
            MemoryPerPodBytes = Quantity(annotations, MemoryPerPod, q => q.Value(), "a memory quantity such as \"256Mi\"", problems),
            MilliRequestsPerSecond = Quantity(annotations, RequestsPerSecond, q => q.MilliValue(), "a number of requests per second such as \"150\" or \"12.5\"", problems),
            ReadyAfter = Duration(annotations, ReadyAfter, problems),
        };
        errors = problems;
        return load;
    }

    private static long? Quantity(IReadOnlyDictionary<string, string> annotations, string key, Func<Quantity, long> scale,
        string expected, List<LoadAnnotationError> problems)
    {
        if (!annotations.TryGetValue(key, out var text)) return null;
        if (!Core.Quantities.Quantity.TryParse(text.Trim(), out var quantity, out var error))
        {
            problems.Add(new LoadAnnotationError(key, text, $"{error}; expected {expected}"));
            return null;
        }
        if (quantity.CompareTo(default) < 0)
        {
            problems.Add(new LoadAnnotationError(key, text, "must be greater than or equal to 0"));
            return null;
        }
        return scale(quantity);
    }

    private static TimeSpan? Duration(IReadOnlyDictionary<string, string> annotations, string key, List<LoadAnnotationError> problems)
    {
        if (!annotations.TryGetValue(key, out var text)) return null;
        if (GoDuration.TryParse(text.Trim(), out var duration, out var error))
        {
            if (duration < TimeSpan.Zero)
            {
                problems.Add(new LoadAnnotationError(key, text, "must be greater than or equal to 0"));
                return null;
            }
            return duration;
        }
        // A bare number is taken as seconds, as a user writing "30" means.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && double.IsFinite(seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }
        problems.Add(new LoadAnnotationError(key, text, $"{error}; expected a duration such as \"30s\", \"1m30s\" or \"500ms\""));
        return null;
    }
}
