using ActorScaler.Metrics.Custom;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// A child of <see cref="HpaSupervisor"/> for one Pods, Object or External metric: asks its provider
/// every poll interval (one request in flight at most), reports each answer to the supervisor as a
/// <see cref="CustomMetricReading"/>, and on failure asks again with exponential backoff (1 s doubling,
/// at most the poll interval) so a broken backend is not hammered and a recovered one is seen soon.
/// The supervisor sends the latest <see cref="CustomMetricQuery"/> on every pass (pods come and go).
/// The actor runs under a <see cref="BackoffSupervisor"/>, so a crash restarts it with backoff too.
/// </summary>
public sealed class CustomMetricSource : ReceiveActor, IWithTimers
{
    private const string PollTimer = "poll";
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);

    private readonly IActorRef _owner;
    private readonly ICustomMetricsProvider _provider;
    private readonly TimeSpan _pollInterval;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private CustomMetricQuery _query;
    private CustomMetricReading _reading;
    private bool _inFlight;
    private int _failures;

    /// <summary>Local: the provider's answer, piped back to the actor.</summary>
    private sealed record Answer(CustomMetricQuery Query, IReadOnlyList<PodCustomMetricValue>? PodValues, IReadOnlyList<CustomMetricValue>? Values, string? Error);

    private sealed class Poll
    {
        public static readonly Poll Instance = new();
    }

    public CustomMetricSource(IActorRef owner, CustomMetricQuery query, ICustomMetricsProvider provider, TimeSpan pollInterval, TimeProvider time)
    {
        _owner = owner;
        _query = query;
        _provider = provider;
        _pollInterval = pollInterval;
        // A slow backend must not hold the next poll: an answer later than the interval is stale anyway.
        _timeout = pollInterval < TimeSpan.FromSeconds(10) ? pollInterval : TimeSpan.FromSeconds(10);
        _time = time;
        _reading = new CustomMetricReading { Query = query };

        Receive<CustomMetricQuery>(q =>
        {
            var changed = !q.SameAs(_query);
            _query = q;
            _reading = _reading with { Query = q };
            // New pods or a new selector: ask at once rather than wait for the interval.
            if (changed && !_inFlight)
                Ask();
        });
        Receive<Poll>(_ => Ask());
        Receive<Answer>(OnAnswer);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The child's props, wrapped in a backoff supervisor (restart after 1 s .. 30 s on a crash).</summary>
    public static Props Props(IActorRef owner, CustomMetricQuery query, ICustomMetricsProvider provider, TimeSpan pollInterval, TimeProvider time)
    {
        var child = Akka.Actor.Props.Create(() => new CustomMetricSource(owner, query, provider, pollInterval, time));
        return BackoffSupervisor.Props(Backoff.OnFailure(child, "source", FirstRetry, TimeSpan.FromSeconds(30), 0.2, maxNrOfRetries: -1));
    }

    protected override void PreStart() => Ask();

    private void Ask()
    {
        if (_inFlight)
            return;
        _inFlight = true;
        FetchAsync(_query).PipeTo(Self);
    }

    private async Task<Answer> FetchAsync(CustomMetricQuery query)
    {
        using var cts = new CancellationTokenSource(_timeout);
        try
        {
            switch (query.Type)
            {
                case Core.Spec.MetricSourceType.Pods:
                    var pods = await _provider.GetPodsMetricAsync(query.Namespace, query.MetricName, query.PodSelector, query.PodNames, query.MetricSelector, cts.Token).ConfigureAwait(false);
                    return new Answer(query, pods, null, null);
                case Core.Spec.MetricSourceType.Object:
                    var value = await _provider.GetObjectMetricAsync(query.Namespace, query.DescribedObject!, query.MetricName, query.MetricSelector, cts.Token).ConfigureAwait(false);
                    return new Answer(query, null, [value], null);
                default:
                    var values = await _provider.GetExternalMetricAsync(query.Namespace, query.MetricName, query.MetricSelector, cts.Token).ConfigureAwait(false);
                    return new Answer(query, null, values, null);
            }
        }
        catch (CustomMetricsException ex)
        {
            return new Answer(query, null, null, ex.Message);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return new Answer(query, null, null, $"{_provider.Name} did not answer within {_timeout.TotalSeconds:0.#}s");
        }
        catch (HttpRequestException ex)
        {
            return new Answer(query, null, null, $"{_provider.Name}: {ex.Message}");
        }
    }

    private void OnAnswer(Answer answer)
    {
        _inFlight = false;
        var now = _time.GetUtcNow();
        TimeSpan next;
        if (answer.Error is null)
        {
            _failures = 0;
            _reading = _reading with
            {
                PodValues = answer.PodValues, Values = answer.Values, GoodAt = now, Error = null, ErrorAt = null,
            };
            next = _pollInterval;
        }
        else
        {
            _failures++;
            if (_failures == 1 && _log.IsWarningEnabled)
                _log.Warning("{0}: {1}", answer.Query.Description, answer.Error);
            _reading = _reading with { Error = answer.Error, ErrorAt = now };
            next = FirstRetry * Math.Pow(2, Math.Min(_failures - 1, 10));
            if (next > _pollInterval)
                next = _pollInterval;
        }
        _owner.Tell(_reading);
        // The query may have changed while this one was in flight: its answer is still good for the
        // old pods, and the new query goes out now.
        if (!answer.Query.SameAs(_query))
            Ask();
        else
            Timers.StartSingleTimer(PollTimer, Poll.Instance, next);
    }
}
