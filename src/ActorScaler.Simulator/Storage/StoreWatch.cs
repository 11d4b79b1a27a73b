using System.Threading.Channels;

namespace ActorScaler.Simulator.Storage;

/// <summary>
/// An open watch on the store. Events are queued by writers without ever blocking them; a watcher
/// that falls more than the store's buffer behind is terminated (its reader completes), exactly
/// as kube-apiserver drops slow watchers, and the client is expected to re-list.
/// </summary>
public sealed class StoreWatch : IDisposable
{
    private readonly ClusterStore _store;
    private readonly Channel<WatchEvent> _channel = Channel.CreateUnbounded<WatchEvent>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private int _queued;

    internal StoreWatch(ClusterStore store, GroupResource resource, WatchOptions options, int bufferLimit)
    {
        _store = store;
        Resource = resource;
        Options = options;
        BufferLimit = bufferLimit;
    }

    public GroupResource Resource { get; }
    public WatchOptions Options { get; }
    internal int BufferLimit { get; set; }

    /// <summary>Completes when the watch ends (dropped, overflowed, or disposed).</summary>
    public ChannelReader<WatchEvent> Events => _channel.Reader;

    /// <summary>Why the store ended this watch, or null while it is open / after Dispose.</summary>
    public string? TerminationReason { get; private set; }

    /// <summary>Queues a BOOKMARK at the store's current resourceVersion, after every event already queued.</summary>
    public void RequestBookmark() => _store.Bookmark(this);

    /// <summary>Reads the next event, or null when the watch has ended.</summary>
    public async ValueTask<WatchEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        while (await _channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_channel.Reader.TryRead(out var e))
            {
                Interlocked.Decrement(ref _queued);
                return e;
            }
        }
        return null;
    }

    public void Dispose()
    {
        _store.Unsubscribe(this);
        _channel.Writer.TryComplete();
    }

    // Called under the store lock.
    internal bool Enqueue(WatchEvent e)
    {
        if (Interlocked.Increment(ref _queued) > BufferLimit)
        {
            Terminate("watcher fell too far behind");
            return false;
        }
        return _channel.Writer.TryWrite(e);
    }

    internal void Terminate(string reason)
    {
        TerminationReason ??= reason;
        _channel.Writer.TryComplete();
    }
}
