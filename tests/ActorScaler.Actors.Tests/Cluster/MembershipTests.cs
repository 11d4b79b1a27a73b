using ActorScaler.Actors.Cluster;

namespace ActorScaler.Actors.Tests.Cluster;

/// <summary>Seeds, the first-seed rule and the layering of environment variables under flags.</summary>
public sealed class MembershipTests
{
    private const string Seeds = "actorscaler-0.actorscaler.ops.svc.cluster.local:4053,actorscaler-1.actorscaler.ops.svc.cluster.local:4053,actorscaler-2.actorscaler.ops.svc.cluster.local:4053";

    private static Func<string, string?> Env(params (string Key, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Key, v => v.Value);
        return key => map.GetValueOrDefault(key);
    }

    private static ClusterMembership Pod(int ordinal, string? hostname = null) =>
        MembershipSources.Resolve(new MembershipFlags(), Env(
            (MembershipSources.HostnameVariable, hostname ?? $"actorscaler-{ordinal}.actorscaler.ops.svc.cluster.local"),
            (MembershipSources.SeedNodesVariable, Seeds),
            (MembershipSources.MinMembersVariable, "2")));

    [Fact]
    public void In_a_StatefulSet_only_ordinal_0_is_the_first_seed()
    {
        Assert.True(Pod(0).IsFirstSeed);
        Assert.False(Pod(1).IsFirstSeed);
        Assert.False(Pod(2).IsFirstSeed);
        // Every pod derives the same seed list from the same template.
        Assert.Equal(Pod(0).SeedAddresses, Pod(2).SeedAddresses);
        Assert.Equal("akka.tcp://actorscaler@actorscaler-0.actorscaler.ops.svc.cluster.local:4053", Pod(1).SeedAddresses[0]);
    }

    [Fact]
    public void A_hostname_spelt_differently_from_its_seed_entry_still_recognises_itself()
    {
        // Akka compares addresses as strings; DNS does not care about case or the root dot. Without
        // canonical forms ordinal 0 would not know it is the first seed and nobody would form the cluster.
        var pod = Pod(0, "ActorScaler-0.actorscaler.ops.svc.cluster.local.");
        Assert.True(pod.IsFirstSeed);
        Assert.Equal(pod.SeedAddresses[0], pod.SelfAddress);
    }

    [Fact]
    public void Without_seeds_a_member_forms_its_own_cluster()
    {
        var member = MembershipSources.Resolve(new MembershipFlags(), Env());
        Assert.Equal([member.SelfAddress], member.SeedAddresses);
        Assert.True(member.IsFirstSeed);
        Assert.Equal("akka.tcp://actorscaler@127.0.0.1:4053", member.SelfAddress);
        Assert.Equal("127.0.0.1", member.BindHostname);
    }

    [Fact]
    public void Flags_win_over_environment_variables_which_win_over_defaults()
    {
        var env = Env(
            (MembershipSources.HostnameVariable, "env-host"),
            (MembershipSources.PortVariable, "5000"),
            (MembershipSources.SeedNodesVariable, "env-seed:5000"),
            (MembershipSources.MinMembersVariable, "1"));

        var fromEnv = MembershipSources.Resolve(new MembershipFlags(), env);
        Assert.Equal("env-host", fromEnv.PublicHostname);
        Assert.Equal("0.0.0.0", fromEnv.BindHostname);
        Assert.Equal(5000, fromEnv.Port);
        Assert.Equal(["env-seed:5000"], fromEnv.SeedNodes);

        var fromFlags = MembershipSources.Resolve(new MembershipFlags("flag-host", 6000, "a:6000,b:6000,c:6000", 2), env);
        Assert.Equal("flag-host", fromFlags.PublicHostname);
        Assert.Equal(6000, fromFlags.Port);
        Assert.Equal(["a:6000", "b:6000", "c:6000"], fromFlags.SeedNodes);
        Assert.Equal(2, fromFlags.MinimumMembers);

        // Key by key: a flag for the port alone leaves the rest to the environment.
        var mixed = MembershipSources.Resolve(new MembershipFlags(Port: 7000), env);
        Assert.Equal(("env-host", 7000), (mixed.PublicHostname, mixed.Port));

        var defaults = MembershipSources.Resolve(new MembershipFlags(), Env());
        Assert.Equal((ClusterMembership.DefaultPort, 1), (defaults.Port, defaults.MinimumMembers));
    }

    [Theory]
    [InlineData(MembershipSources.PortVariable, "http", "invalid value for ACTORSCALER_CLUSTER_PORT: \"http\": must be an integer")]
    [InlineData(MembershipSources.PortVariable, "70000", "invalid value for ACTORSCALER_CLUSTER_PORT: 70000: must be between 0 and 65535")]
    [InlineData(MembershipSources.MinMembersVariable, "0", "invalid value for ACTORSCALER_MIN_MEMBERS: 0: must be at least 1")]
    [InlineData(MembershipSources.SeedNodesVariable, "no-port", "invalid value for ACTORSCALER_SEED_NODES: \"no-port\": must be host:port with a port between 1 and 65535")]
    [InlineData(MembershipSources.SeedNodesVariable, "akka.tcp://other@a:1", "invalid value for ACTORSCALER_SEED_NODES: \"akka.tcp://other@a:1\": must be host:port or akka.tcp://actorscaler@host:port")]
    public void Bad_environment_values_name_the_variable(string variable, string value, string expected)
    {
        var error = Assert.Throws<FormatException>(() => MembershipSources.Resolve(new MembershipFlags(), Env((variable, value))));
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Bad_flag_values_name_the_flag()
    {
        var error = Assert.Throws<FormatException>(() => MembershipSources.Resolve(new MembershipFlags(SeedNodes: "a:1,:2"), Env((MembershipSources.SeedNodesVariable, "fine:1"))));
        Assert.StartsWith("invalid value for --seed-nodes: \":2\"", error.Message);
    }

    [Fact]
    public void Min_members_below_a_majority_of_the_seeds_is_rejected()
    {
        // Two members of three could otherwise each be Up in a cluster of their own at first start.
        var error = Assert.Throws<FormatException>(() => MembershipSources.Resolve(new MembershipFlags(SeedNodes: Seeds, MinMembers: 1), Env()));
        Assert.Contains("minimum members (--min-members) 1 must be a majority of the 3 seed nodes (at least 2)", error.Message);
        Assert.Empty(new ClusterMembership { SeedNodes = Seeds.Split(','), MinimumMembers = 2 }.Validate());
        // One seed: nothing to split (dev clusters, the in-process test cluster).
        Assert.Empty(new ClusterMembership { SeedNodes = ["127.0.0.1:5000"], MinimumMembers = 1 }.Validate());
    }

    [Fact]
    public void Duplicate_seeds_and_a_random_port_with_seeds_are_rejected()
    {
        Assert.Contains(new ClusterMembership { SeedNodes = ["a:1", "A:1"], MinimumMembers = 2 }.Validate(), p => p.Contains("akka.tcp://actorscaler@a:1 is listed twice"));
        Assert.Contains(new ClusterMembership { Port = 0, SeedNodes = ["a:1"] }.Validate(), p => p.Contains("--cluster-port) 0 picks a random port"));
    }

    [Fact]
    public void The_test_only_partitionable_variable_switches_every_address_to_the_throttled_scheme()
    {
        var member = MembershipSources.Resolve(new MembershipFlags(Port: 4001, SeedNodes: "127.0.0.1:4001,127.0.0.1:4002", MinMembers: 2),
            Env((MembershipSources.PartitionableVariable, "true")));
        Assert.True(member.Partitionable);
        Assert.Equal("akka.trttl.tcp://actorscaler@127.0.0.1:4001", member.SelfAddress);
        Assert.Equal(["akka.trttl.tcp://actorscaler@127.0.0.1:4001", "akka.trttl.tcp://actorscaler@127.0.0.1:4002"], member.SeedAddresses);
        Assert.True(member.IsFirstSeed);

        Assert.False(MembershipSources.Resolve(new MembershipFlags(), Env()).Partitionable);
        var error = Assert.Throws<FormatException>(() => MembershipSources.Resolve(new MembershipFlags(), Env((MembershipSources.PartitionableVariable, "yes"))));
        Assert.Equal("invalid value for ACTORSCALER_TEST_PARTITIONABLE: \"yes\": must be true or false", error.Message);
    }
}
