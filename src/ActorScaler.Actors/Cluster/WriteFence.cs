using System.Globalization;
using ActorScaler.Kubernetes.Clients;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;

namespace ActorScaler.Actors.Cluster;

/// <summary>
/// Whether this member may write /scale, HPA status and events right now: it is Up and it confirmed
/// contact with a majority of the members it believes in (itself included) less than <see cref="Ttl"/>
/// ago on the monotonic clock. <see cref="WriteFenceKeeper"/> feeds it; <see cref="FencedHpaWriter"/>
/// asks it before every write. Thread-safe: the keeper writes one immutable snapshot, writers read it.
/// </summary>
/// <remarks>
/// Why the old owner of a scale target stops before a new owner can start, with the shipped values
/// (hocon/actorscaler.conf; <see cref="WriteFenceSettings.Validate"/> refuses to start when a --config
/// breaks the inequality). Let c be the send time of the last ping the old owner X got answered by a
/// majority. The majority's failure detectors then heard X's heartbeats until at least
/// c - heartbeat-interval (they send a heartbeat every interval over the same association, which
/// carried the ping), and the phi detector marks X unreachable only after more than
/// heartbeat-interval + acceptable-heartbeat-pause of silence: not before c + acceptable-heartbeat-pause
/// = c + 3 s. The split brain resolver downs X only after the unreachable set was stable for stable-after
/// (2 s): not before c + 5 s. The shard coordinator hands X's shards to a new owner only after X is
/// removed and the removal margin (1 s) passed: not before c + 6 s, and the new entity still has to
/// start and pass. X refuses every write from c + ttl = c + 3 s on. The 3 s in between cover a write
/// that passed the fence just before c + ttl and is still on its way to the API server; a longer stall
/// (a SIGSTOP between the check and the request) is caught by the API server itself for /scale, whose
/// write carries the resourceVersion X read, which the new owner's write changed (a late status patch
/// is overwritten by the new owner's next pass).
/// </remarks>
public sealed class WriteFence(TimeProvider time) : IWriteGate
{
    private volatile Snapshot _state = Snapshot.NotStarted;

    /// <summary>Why a write is refused before the keeper reported anything.</summary>
    private const string NotStartedReason = "the member has not joined the cluster yet";

    private sealed record Snapshot(MemberStatus? SelfStatus, long MajorityContact, int Members, TimeSpan Ttl)
    {
        public static readonly Snapshot NotStarted = new(null, long.MinValue, 0, TimeSpan.Zero);
    }

    public TimeProvider Time { get; } = time;

    /// <summary>The TTL in force (zero until the keeper started).</summary>
    public TimeSpan Ttl => _state.Ttl;

    /// <summary>What the keeper knows: this member's status, the monotonic timestamp
    /// (<see cref="TimeProvider.GetTimestamp"/>) of the last confirmed contact with a majority, and how many
    /// members the majority is counted over.</summary>
    public void Update(MemberStatus selfStatus, long majorityContact, int members, TimeSpan ttl) =>
        _state = new Snapshot(selfStatus, majorityContact, members, ttl);

    /// <summary>True when a write may go out now; otherwise <paramref name="reason"/> says why not.</summary>
    public bool TryAllow(out string reason)
    {
        var state = _state;
        if (state.SelfStatus is not { } status)
        {
            reason = $"write fenced: {NotStartedReason}";
            return false;
        }
        if (status != MemberStatus.Up)
        {
            reason = $"write fenced: this cluster member is {status}, not Up";
            return false;
        }
        if (state.MajorityContact == long.MinValue)
        {
            reason = $"write fenced: no contact yet with a majority of the {state.Members} members";
            return false;
        }
        var age = Time.GetElapsedTime(state.MajorityContact);
        if (age >= state.Ttl)
        {
            reason = string.Create(CultureInfo.InvariantCulture,
                $"write fenced: no contact with a majority of the {state.Members} members for {age.TotalSeconds:0.0}s (limit {state.Ttl.TotalSeconds:0.0}s)");
            return false;
        }
        reason = "";
        return true;
    }
}

/// <summary>The fence's timings (HOCON <c>actorscaler.cluster.write-fence</c>).</summary>
public sealed record WriteFenceSettings(TimeSpan Ttl, TimeSpan PingInterval)
{
    public const string Path = "actorscaler.cluster.write-fence";

    /// <summary>Used when a hand-written --config replaced the whole shipped file.</summary>
    public static readonly WriteFenceSettings Default = new(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(500));

    public static WriteFenceSettings From(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new WriteFenceSettings(
            config.GetTimeSpan($"{Path}.ttl", Default.Ttl, allowInfinite: false),
            config.GetTimeSpan($"{Path}.ping-interval", Default.PingInterval, allowInfinite: false));
    }

    /// <summary>
    /// Problems with these timings against the cluster's own (see <see cref="WriteFence"/>'s remarks):
    /// the TTL must end before the majority can have downed this member, which is no earlier than
    /// acceptable-heartbeat-pause + split-brain-resolver.stable-after after the last confirmed contact;
    /// and a ping must fit in the TTL several times over or a healthy member is fenced by jitter.
    /// </summary>
    public IReadOnlyList<string> Validate(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = new List<string>();
        var pause = config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause", null, allowInfinite: false);
        var stableAfter = config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after", null, allowInfinite: false);
        if (PingInterval <= TimeSpan.Zero)
            problems.Add($"{Path}.ping-interval must be positive, got {PingInterval}");
        if (Ttl < 3 * PingInterval)
            problems.Add($"{Path}.ttl ({Ttl.TotalSeconds:0.###}s) must be at least three ping intervals ({3 * PingInterval.TotalSeconds:0.###}s)");
        if (Ttl >= pause + stableAfter)
        {
            problems.Add($"{Path}.ttl ({Ttl.TotalSeconds:0.###}s) must be below akka.cluster.failure-detector.acceptable-heartbeat-pause ({pause.TotalSeconds:0.###}s) "
                + $"+ akka.cluster.split-brain-resolver.stable-after ({stableAfter.TotalSeconds:0.###}s), or a member cut off from the majority could still write after the majority downed it");
        }
        return problems;
    }
}

/// <summary>
/// One per member (<c>/user/write-fence</c>): every ping interval it sends Akka's built-in
/// <see cref="Identify"/> to the same path on every other member it believes in (Up or Leaving, reachable
/// or not) and records, per member, the send time of the last ping that member answered. Only an answer
/// naming that member's own keeper proves contact (dead letters answer <c>ActorIdentity(null)</c> locally
/// for an unreachable member), and Identify needs no serializer of ours. The k-th most recent contact
/// (self counts as now; k = a majority) is when this member last knew it was on the majority side; that
/// and its own status go to the <see cref="WriteFence"/>.
/// Runs on the cluster dispatcher so HPA passes cannot delay the pings (which would only fence, never
/// let a stale member write).
/// </summary>
public sealed class WriteFenceKeeper : ReceiveActor, IWithTimers
{
    public const string Name = "write-fence";

    private readonly WriteFence _fence;
    private readonly WriteFenceSettings _settings;
    private readonly Akka.Cluster.Cluster _cluster;
    private readonly Dictionary<UniqueAddress, long> _lastContact = [];
    private readonly Dictionary<long, (UniqueAddress Member, long SentAt)> _pending = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _nextPing;
    private bool? _open;

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    public WriteFenceKeeper(WriteFence fence, WriteFenceSettings settings)
    {
        _fence = fence;
        _settings = settings;
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
        Receive<Tick>(_ =>
        {
            PingOthers();
            Publish();
        });
        Receive<ActorIdentity>(identity =>
        {
            // Only the pinged member's own keeper counts as contact. Akka answers Identify locally too:
            // a message to a gated or quarantined address goes to this member's dead letters, which
            // reply ActorIdentity(id, null) at once - a cut-off member would "hear" every member.
            if (identity.MessageId is long id && _pending.TryGetValue(id, out var ping)
                && identity.Subject is { } subject && subject.Path.Address.Equals(ping.Member.Address))
            {
                _pending.Remove(id);
                _lastContact[ping.Member] = _lastContact.TryGetValue(ping.Member, out var known) ? Math.Max(known, ping.SentAt) : ping.SentAt;
                Publish();
            }
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            _lastContact.Remove(removed.Member.UniqueAddress);
            Publish();
        });
        Receive<ClusterEvent.IClusterDomainEvent>(_ => Publish());
        Receive<ClusterEvent.CurrentClusterState>(_ => Publish());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(WriteFence fence, WriteFenceSettings settings) =>
        Akka.Actor.Props.Create(() => new WriteFenceKeeper(fence, settings));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, TimeSpan.Zero, _settings.PingInterval);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    /// <summary>The members a majority is counted over: those that are, or were until they started
    /// leaving, Up. Joining members do not count yet, Exiting/Down/Removed ones no longer.</summary>
    public static bool Counts(MemberStatus status) => status is MemberStatus.Up or MemberStatus.Leaving;

    private void PingOthers()
    {
        var now = _fence.Time.GetTimestamp();
        // An answer later than the TTL is worthless: forget pings that old so the map stays small.
        var oldest = now - (long)(_settings.Ttl.TotalSeconds * _fence.Time.TimestampFrequency);
        foreach (var stale in _pending.Where(p => p.Value.SentAt < oldest).Select(p => p.Key).ToList())
            _pending.Remove(stale);
        foreach (var member in _cluster.State.Members)
        {
            if (member.UniqueAddress.Equals(_cluster.SelfUniqueAddress) || !Counts(member.Status))
                continue;
            var id = _nextPing++;
            _pending[id] = (member.UniqueAddress, now);
            Context.ActorSelection(new RootActorPath(member.Address) / "user" / Name).Tell(new Identify(id), Self);
        }
    }

    private void Publish()
    {
        var self = _cluster.SelfMember;
        var members = _cluster.State.Members.Where(m => Counts(m.Status)).ToList();
        var contact = MajorityContact(members.Select(m => m.UniqueAddress), _cluster.SelfUniqueAddress, _lastContact, _fence.Time.GetTimestamp());
        _fence.Update(self.Status, contact, members.Count, _settings.Ttl);
        // Each opening and closing is logged once (checked at least every ping interval): a fenced
        // member is the first thing to look for when writes stop.
        var open = _fence.TryAllow(out var reason);
        if (open != _open)
        {
            if (open)
                _log.Info("write fence open: in contact with a majority of the {0} members", members.Count);
            else
                _log.Warning("{0}", reason);
            _open = open;
        }
    }

    /// <summary>
    /// The latest time at which this member was in contact with a majority of <paramref name="members"/>:
    /// the k-th most recent contact time, k = members/2 + 1, counting self (if it is one of them) as
    /// <paramref name="now"/>. <see cref="long.MinValue"/> when no majority was ever contacted.
    /// </summary>
    public static long MajorityContact(IEnumerable<UniqueAddress> members, UniqueAddress self, IReadOnlyDictionary<UniqueAddress, long> lastContact, long now)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(lastContact);
        var times = members
            .Select(m => m.Equals(self) ? now : lastContact.TryGetValue(m, out var t) ? t : long.MinValue)
            .OrderDescending()
            .ToList();
        if (times.Count == 0)
            return long.MinValue;
        var majority = (times.Count / 2) + 1;
        return times[majority - 1];
    }
}
