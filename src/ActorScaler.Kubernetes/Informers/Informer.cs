using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ActorScaler.Kubernetes.Informers;

/// <summary>What an informer tells its consumer, in order.</summary>
public interface IInformerHandler<in T>
{
    /// <summary>A full, consistent list: replaces everything known before (first sync and every relist).</summary>
    void OnReplace(IReadOnlyList<T> items, string resourceVersion);

    void OnUpsert(T item);

    void OnDelete(T item);
}

/// <summary>How to list and watch one resource; built by <see cref="InformerSources"/>.</summary>
public sealed record InformerSource<T, TList>(
    string Resource,
    Func<string? /*continue*/, CancellationToken, Task<HttpOperationResponse<TList>>> List,
    Func<string /*resourceVersion*/, Action<Exception> /*onError*/, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> Watch)
    where T : IKubernetesObject<V1ObjectMeta>
    where TList : IKubernetesObject<V1ListMeta>, IItems<T>;

/// <summary>
/// client-go's reflector in a few lines: list (paged), then watch from the list's resourceVersion with
/// bookmarks, resume the watch from the last seen resourceVersion when the stream ends, and relist on
/// 410 Gone or after repeated failures. Events go to one handler in order. Runs until cancelled.
/// </summary>
public sealed class Informer<T, TList>
    where T : IKubernetesObject<V1ObjectMeta>
    where TList : IKubernetesObject<V1ListMeta>, IItems<T>
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    private readonly InformerSource<T, TList> _source;
    private readonly IInformerHandler<T> _handler;
    private readonly Action<string>? _log;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Informer(InformerSource<T, TList> source, IInformerHandler<T> handler, Action<string>? log = null, TimeProvider? time = null)
    {
        _source = source;
        _handler = handler;
        _log = log;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Completes after the first successful list has been delivered.</summary>
    public Task Synced => _synced.Task;

    /// <summary>Number of relists (initial list included): a measure of watch health.</summary>
    public int Lists { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            string resourceVersion;
            try
            {
                resourceVersion = await ListAsync(cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                failures++;
                _log?.Invoke($"list {_source.Resource} failed: {Describe(ex)}");
                await DelayAsync(failures, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // Watch until the server says our resourceVersion is gone.
            while (!cancellationToken.IsCancellationRequested)
            {
                var outcome = await WatchOnceAsync(resourceVersion, cancellationToken).ConfigureAwait(false);
                if (outcome.ResourceVersion is not null)
                    resourceVersion = outcome.ResourceVersion;
                if (outcome.Gone)
                {
                    _log?.Invoke($"watch {_source.Resource}: resourceVersion too old, relisting");
                    break;
                }
                if (outcome.Failed)
                {
                    failures++;
                    if (failures > 5)
                    {
                        failures = 0;
                        break; // relist: the cache may have missed more than a watch can replay
                    }
                    await DelayAsync(failures, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    failures = 0;
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? continueToken = null;
        string resourceVersion;
        do
        {
            using var response = await _source.List(continueToken, cancellationToken).ConfigureAwait(false);
            var list = response.Body;
            if (list.Items is not null)
                items.AddRange(list.Items);
            continueToken = list.Metadata?.ContinueProperty;
            resourceVersion = list.Metadata?.ResourceVersion ?? "";
        }
        while (!string.IsNullOrEmpty(continueToken));
        Lists++;
        _handler.OnReplace(items, resourceVersion);
        _synced.TrySetResult();
        return resourceVersion;
    }

    private readonly record struct WatchOutcome(string? ResourceVersion, bool Gone, bool Failed);

    private async Task<WatchOutcome> WatchOnceAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        var gone = false;
        var lastVersion = (string?)null;
        try
        {
            var stream = _source.Watch(
                resourceVersion,
                ex =>
                {
                    if (ex is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
                        gone = true;
                    else
                        _log?.Invoke($"watch {_source.Resource}: {ex.Message}");
                },
                cancellationToken);
            await foreach (var (type, item) in stream.ConfigureAwait(false))
            {
                var version = item?.Metadata?.ResourceVersion;
                if (!string.IsNullOrEmpty(version))
                    lastVersion = version;
                switch (type)
                {
                    case WatchEventType.Added:
                    case WatchEventType.Modified:
                        _handler.OnUpsert(item!);
                        break;
                    case WatchEventType.Deleted:
                        _handler.OnDelete(item!);
                        break;
                    case WatchEventType.Bookmark:
                        break;
                }
                if (gone)
                    break;
            }
            return new WatchOutcome(lastVersion, gone, false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new WatchOutcome(lastVersion, false, false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Gone)
        {
            return new WatchOutcome(lastVersion, true, false);
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            // A quiet watch closed before its first line ends as an HttpRequestException in this
            // client (kubernetes-client/csharp #263): resume from the last version seen.
            _log?.Invoke($"watch {_source.Resource} ended: {Describe(ex)}");
            return new WatchOutcome(lastVersion, gone, true);
        }
    }

    private async Task DelayAsync(int failures, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, failures)));
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static bool IsTransient(Exception ex) =>
        ex is HttpRequestException or HttpOperationException or KubernetesException or IOException or TimeoutException
            or TaskCanceledException or System.Text.Json.JsonException;

    private static string Describe(Exception ex) => ex switch
    {
        HttpOperationException http => $"{(int)http.Response.StatusCode} {http.Response.ReasonPhrase}",
        _ => ex.Message,
    };
}
