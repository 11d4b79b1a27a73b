using System.Collections.Concurrent;

namespace ActorScaler.Simulator.Api;

/// <summary>One write to a scale subresource or an HPA's status, as the audit records it.</summary>
public sealed record AuditRecord(
    DateTimeOffset Time,
    string Kind,
    string Namespace,
    string Name,
    string Resource,
    string Verb,
    string UserAgent,
    int? ReplicasBefore,
    int? ReplicasAfter)
{
    /// <summary>The HTTP status of the answer: 200 for a write that took effect; a refused write
    /// (conflict, invalid, not found) is recorded too, with its code and no replicas, so a test can
    /// tell a writer that tried from one that wrote.</summary>
    public int Code { get; init; } = 200;
}

/// <summary>Requests counted by verb, resource (with subresource) and User-Agent.</summary>
public sealed record RequestCount(string Verb, string Resource, string UserAgent, long Count);

/// <summary>
/// The simulator's audit log: every scale-subresource write and HPA status write with its writer
/// and the replicas before and after (so a test can prove a single writer per HPA), and a counter
/// of every API request (so a test can count requests per HPA). Readable at /simulator/audit/*.
/// </summary>
public sealed class ApiAudit
{
    public const string ScaleKind = "scale";
    public const string HpaStatusKind = "hpa-status";

    private readonly object _lock = new();
    private readonly List<AuditRecord> _writes = [];
    private readonly ConcurrentDictionary<(string Verb, string Resource, string UserAgent), long> _requests = new();
    private readonly int _maxRecords;

    public ApiAudit(int maxRecords = 1_000_000) => _maxRecords = maxRecords;

    public void RecordWrite(AuditRecord record)
    {
        lock (_lock)
        {
            // Bounded: a week-long soak must not grow without limit; the oldest records go first.
            if (_writes.Count >= _maxRecords) _writes.RemoveRange(0, _maxRecords / 10);
            _writes.Add(record);
        }
    }

    /// <summary>Whether a request is a write the audit records: an update or patch of a scale
    /// subresource or of an HPA's status.</summary>
    public static string? AuditedWriteKind(RequestInfo info) =>
        info.Verb is not ("update" or "patch") ? null
        : info.Subresource == "scale" ? ScaleKind
        : info.Subresource == "status" && info.Resource == "horizontalpodautoscalers" ? HpaStatusKind
        : null;

    public void CountRequest(string verb, string resource, string userAgent) =>
        _requests.AddOrUpdate((verb, resource, userAgent), 1, (_, n) => n + 1);

    /// <summary>The writes that took effect, oldest first; with <paramref name="includeRefused"/> also
    /// the refused ones (Code other than 200).</summary>
    public IReadOnlyList<AuditRecord> Writes(string? kind = null, bool includeRefused = false)
    {
        lock (_lock) return _writes.Where(w => (kind is null || w.Kind == kind) && (includeRefused || w.Code == 200)).ToList();
    }

    public IReadOnlyList<RequestCount> Requests() =>
        _requests.Select(p => new RequestCount(p.Key.Verb, p.Key.Resource, p.Key.UserAgent, p.Value))
            .OrderBy(r => r.Resource, StringComparer.Ordinal).ThenBy(r => r.Verb, StringComparer.Ordinal)
            .ThenBy(r => r.UserAgent, StringComparer.Ordinal).ToList();

    public void Reset()
    {
        lock (_lock) _writes.Clear();
        _requests.Clear();
    }
}
