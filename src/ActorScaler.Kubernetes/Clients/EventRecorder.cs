using System.Globalization;
using System.Text.Json.Nodes;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ActorScaler.Kubernetes.Clients;

/// <summary>
/// Records core/v1 Events on HPAs as client-go's legacy recorder does for the upstream controller:
/// source component <c>horizontal-pod-autoscaler</c>, and a repeat of the same event (same object, type,
/// reason and message) increments <c>count</c> and moves <c>lastTimestamp</c> on the existing Event
/// instead of creating a new one, so `kubectl describe hpa` shows "(x12 over 3m)" rather than a flood.
/// One recorder per member; thread-safe.
/// </summary>
public sealed class EventRecorder(IKubernetes client, TimeProvider time)
{
    // client-go's event correlator keeps a 4096-entry LRU; a bounded map with the same size is enough
    // to count repeats without growing with the number of distinct messages.
    private const int MaxTrackedEvents = 4096;

    private readonly Dictionary<string, RecordedEvent> _recorded = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private sealed record RecordedEvent(string Name, int Count, DateTimeOffset FirstTimestamp);

    /// <summary>Records one event; returns the API error, or null.</summary>
    public async Task<string?> RecordAsync(HorizontalPodAutoscaler hpa, HpaEvent hpaEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hpa);
        ArgumentNullException.ThrowIfNull(hpaEvent);
        var meta = hpa.Metadata;
        var key = string.Join('\u0000', meta.Namespace, meta.Name, meta.Uid, hpaEvent.Type, hpaEvent.Reason, hpaEvent.Message);
        var now = time.GetUtcNow();
        RecordedEvent? previous;
        lock (_lock)
            _recorded.TryGetValue(key, out previous);
        try
        {
            if (previous is not null)
            {
                var count = previous.Count + 1;
                var patch = new JsonObject
                {
                    ["count"] = count,
                    ["lastTimestamp"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                };
                await client.CoreV1.PatchNamespacedEventAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), previous.Name, meta.Namespace,
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                Remember(key, previous with { Count = count });
                return null;
            }
            var created = await client.CoreV1.CreateNamespacedEventAsync(NewEvent(hpa, hpaEvent, now), meta.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            Remember(key, new RecordedEvent(created.Metadata.Name, 1, now));
            return null;
        }
        catch (HttpOperationException ex) when (previous is not null && ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // The event expired (the API server's event TTL) between repeats: start a new one.
            lock (_lock)
                _recorded.Remove(key);
            return await RecordAsync(hpa, hpaEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            return KubernetesErrors.Message(ex);
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
    }

    private void Remember(string key, RecordedEvent recorded)
    {
        lock (_lock)
        {
            if (_recorded.Count >= MaxTrackedEvents && !_recorded.ContainsKey(key))
                _recorded.Clear();
            _recorded[key] = recorded;
        }
    }

    private static Corev1Event NewEvent(HorizontalPodAutoscaler hpa, HpaEvent hpaEvent, DateTimeOffset now)
    {
        var meta = hpa.Metadata;
        var timestamp = now.UtcDateTime;
        return new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            // client-go names events <object>.<unix nanos in hex>.
            Metadata = new V1ObjectMeta
            {
                Name = $"{meta.Name}.{(now.ToUnixTimeMilliseconds() * 1_000_000 + Random.Shared.Next(1_000_000)).ToString("x", CultureInfo.InvariantCulture)}",
                NamespaceProperty = meta.Namespace,
            },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = HpaApi.V2,
                Kind = HpaApi.Kind,
                Name = meta.Name,
                NamespaceProperty = meta.Namespace,
                Uid = meta.Uid,
                ResourceVersion = meta.ResourceVersion,
            },
            Reason = hpaEvent.Reason,
            Message = hpaEvent.Message,
            Type = hpaEvent.Type,
            Source = new V1EventSource { Component = HpaEventReason.SourceComponent },
            FirstTimestamp = timestamp,
            LastTimestamp = timestamp,
            Count = 1,
            ReportingComponent = "",
            ReportingInstance = "",
        };
    }
}
