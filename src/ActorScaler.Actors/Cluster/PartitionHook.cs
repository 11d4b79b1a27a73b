using Akka.Actor;
using Akka.Cluster;
using Akka.Remote;
using Akka.Remote.Transport;

namespace ActorScaler.Actors.Cluster;

/// <summary>
/// Test only: cuts this member off from every other member with Akka's throttler adapter, which drops
/// every message in both directions on the associations it wraps, existing and new. The others see the
/// member fall silent exactly as in a network partition, and it sees them fall silent; unlike SIGSTOP the
/// member keeps running, so the test can see what a cut-off member does (the split brain resolver downs
/// it; the write fence stops its writes first). Needs <see cref="ClusterMembership.Partitionable"/>.
/// </summary>
public static class PartitionHook
{
    /// <summary>The throttler's name among akka.remote.adapters.</summary>
    public const string ThrottlerAdapter = "trttl";

    /// <summary>Blackholes the traffic to and from every other member this member knows; returns their
    /// addresses. Throws when the member was not started partitionable.</summary>
    public static async Task<IReadOnlyList<Address>> CutOffAsync(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (cluster.SelfAddress.Protocol != ClusterMembership.ThrottledProtocol)
            throw new InvalidOperationException($"the member was not started with {MembershipSources.PartitionableVariable}=true (its address is {cluster.SelfAddress})");
        var transport = ((IRemoteActorRefProvider)((ExtendedActorSystem)system).Provider).Transport;
        var others = cluster.State.Members.Select(m => m.Address).Where(a => a != cluster.SelfAddress).ToList();
        foreach (var address in others)
        {
            if (!await transport.ManagementCommand(new SetThrottle(address, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)).ConfigureAwait(false))
                throw new InvalidOperationException($"the throttler did not accept the blackhole for {address}");
        }
        return others;
    }
}
