using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace ActorScaler.Actors.Cluster;

/// <summary>
/// Ends a member that joined a cluster but could not become Up within
/// <c>actorscaler.cluster.formation-timeout</c>. That is the island case: ordinal 0 restarted while it could
/// not reach the others, joined itself after <c>seed-node-timeout</c>, and now waits forever below
/// <c>min-nr-of-members</c> (Akka never merges two clusters). Shutting down lets Kubernetes restart it,
/// and the new incarnation asks the seeds again. A member that has not joined anything yet (a non-first
/// seed still asking the seeds) is left alone: it never self-joins and keeps retrying, as it should.
/// </summary>
public sealed class ClusterFormationGuard : ReceiveActor, IWithTimers
{
    public const string FormationTimeoutPath = "actorscaler.cluster.formation-timeout";

    private sealed class Check
    {
        public static readonly Check Instance = new();
    }

    public ClusterFormationGuard(TimeSpan timeout)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var log = Context.GetLogger();
        Receive<ClusterEvent.MemberUp>(up =>
        {
            if (up.Member.UniqueAddress.Equals(cluster.SelfUniqueAddress))
                Context.Stop(Self);
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<Check>(_ =>
        {
            var self = cluster.SelfMember;
            var joined = cluster.State.Members.Any(m => m.UniqueAddress.Equals(cluster.SelfUniqueAddress));
            if (self.Status == MemberStatus.Up)
            {
                Context.Stop(Self);
                return;
            }
            if (!joined)
                return;
            var members = cluster.State.Members.Count;
            log.Error("member {0} joined a cluster of {1} member(s) but is still {2} after {3}: fewer than min-nr-of-members are reachable (a cluster formed apart from the others?); shutting down so the member restarts and joins the seeds again",
                cluster.SelfAddress, members, self.Status, timeout);
            CoordinatedShutdown.Get(Context.System).Run(FormationTimeoutReason.Instance);
            Context.Stop(Self);
        });
        Timers.StartPeriodicTimer("check", Check.Instance, timeout);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
}

/// <summary>Why CoordinatedShutdown ran when a member could not reach min-nr-of-members in time.</summary>
public sealed class FormationTimeoutReason : CoordinatedShutdown.Reason
{
    public static readonly FormationTimeoutReason Instance = new();

    private FormationTimeoutReason()
    {
    }

    /// <summary>Akka's own reasons use 0 (a requested stop), 1 (unknown), 3 (downed) and 4 (join
    /// unsuccessful); this one gets the next free code so a pod's last exit tells them apart.</summary>
    public override int ExitCode => 5;

    public override string ToString() => "cluster formation timeout";
}
