namespace ActorScaler.Simulator.Storage;

/// <summary>watch.EventType values, spelled as on the wire.</summary>
public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
}

/// <summary>
/// One event delivered to a watcher. <see cref="Object"/> is null only for bookmarks, which
/// carry just <see cref="ResourceVersion"/> (the store's resourceVersion when it was sent).
/// </summary>
public sealed record WatchEvent(WatchEventType Type, StoredObject? Object, long ResourceVersion)
{
    public static string WireName(WatchEventType type) => type switch
    {
        WatchEventType.Added => "ADDED",
        WatchEventType.Modified => "MODIFIED",
        WatchEventType.Deleted => "DELETED",
        WatchEventType.Bookmark => "BOOKMARK",
        _ => "ERROR",
    };
}

/// <summary>Which objects a list or watch covers.</summary>
public sealed record ListOptions
{
    /// <summary>null or "" = all namespaces (or a cluster-scoped resource).</summary>
    public string? Namespace { get; init; }
    public LabelSelector LabelSelector { get; init; } = LabelSelector.Everything;
    public FieldSelector FieldSelector { get; init; } = FieldSelector.Everything;
    /// <summary>Page size; 0 = everything.</summary>
    public int Limit { get; init; }
    /// <summary>The continue token of the previous page.</summary>
    public string? Continue { get; init; }
}

public sealed record WatchOptions
{
    public string? Namespace { get; init; }
    public LabelSelector LabelSelector { get; init; } = LabelSelector.Everything;
    public FieldSelector FieldSelector { get; init; } = FieldSelector.Everything;
    /// <summary>
    /// Watch changes after this resourceVersion. null or 0 means "from now, starting with a synthetic
    /// ADDED for every current match", which is what kube-apiserver does for an unset or "0" RV.
    /// </summary>
    public long? ResourceVersion { get; init; }
}

public sealed record ListResult(IReadOnlyList<StoredObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);
