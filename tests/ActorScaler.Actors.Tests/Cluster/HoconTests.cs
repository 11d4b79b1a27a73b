using ActorScaler.Actors.Cluster;
using ActorScaler.Actors.Hpa;
using ActorScaler.Actors.Serialization;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.DistributedData;

namespace ActorScaler.Actors.Tests.Cluster;

/// <summary>The shipped HOCON: it parses, every Akka key in it exists, and a member started through
/// ClusterSetup runs with the values we rely on, whatever the --config and the membership layers add.</summary>
public sealed class HoconTests
{
    private static readonly string ShippedPath = RepositoryFiles.Path(ClusterSetup.HoconRelativePath);

    /// <summary>The reference configs embedded in the Akka modules we use, and nothing of ours.</summary>
    private static Config Reference() =>
        ConfigurationFactory.Default()
            .WithFallback(ConfigurationFactory.FromResource("Akka.Remote.Configuration.Remote.conf", typeof(Akka.Remote.RemoteSettings).Assembly))
            .WithFallback(ConfigurationFactory.FromResource("Akka.Cluster.Configuration.Cluster.conf", typeof(Akka.Cluster.Cluster).Assembly))
            .WithFallback(ClusterSharding.DefaultConfig())
            .WithFallback(ClusterSingleton.DefaultConfig())
            .WithFallback(DistributedData.DefaultConfig());

    /// <summary>Every leaf path of a HOCON object, dotted.</summary>
    private static IEnumerable<string> LeafPaths(Config config, string prefix)
    {
        foreach (var (key, value) in config.GetConfig(prefix).Root.GetObject().Items)
        {
            var path = $"{prefix}.{key}";
            if (value.IsObject())
            {
                foreach (var leaf in LeafPaths(config, path))
                    yield return leaf;
            }
            else
            {
                yield return path;
            }
        }
    }

    [Fact]
    public void The_shipped_hocon_parses_and_sets_only_keys_that_exist_in_akkas_reference_config()
    {
        var shipped = ConfigurationFactory.ParseString(File.ReadAllText(ShippedPath));
        var reference = Reference();
        var leaves = LeafPaths(shipped, "akka").ToList();
        // The walk must reach nested leaves, or the check below would pass on nothing.
        Assert.Contains("akka.cluster.split-brain-resolver.active-strategy", leaves);
        Assert.Contains("akka.cluster.sharding.least-shard-allocation-strategy.rebalance-absolute-limit", leaves);
        var unknown = leaves.Where(p => !reference.HasPath(p)).ToList();
        Assert.True(unknown.Count == 0, $"keys Akka does not know (HOCON would ignore them silently): {string.Join(", ", unknown)}");
        // Our own section is read by ClusterSetup.
        Assert.Equal(TimeSpan.FromSeconds(60), shipped.GetTimeSpan(ClusterFormationGuard.FormationTimeoutPath));
    }

    [Fact]
    public void The_reference_check_catches_a_misspelt_key()
    {
        // The test above is only worth something if a typo fails it.
        var typo = ConfigurationFactory.ParseString("akka.cluster.split-brain-resolver.stable-afterr = 3s");
        Assert.DoesNotContain(LeafPaths(typo, "akka"), Reference().HasPath);
    }

    [Fact]
    public void Environment_specific_keys_are_never_set_in_the_shipped_file()
    {
        // Hostnames, ports, seeds, minimum members and roles come from env vars and flags only, so each
        // value has one source that wins.
        var shipped = ConfigurationFactory.ParseString(File.ReadAllText(ShippedPath));
        foreach (var path in new[]
                 {
                     "akka.remote.dot-netty.tcp.port", "akka.remote.dot-netty.tcp.hostname", "akka.remote.dot-netty.tcp.public-hostname",
                     "akka.cluster.seed-nodes", "akka.cluster.min-nr-of-members", "akka.cluster.roles",
                 })
        {
            Assert.False(shipped.HasPath(path), $"{path} is set in {ClusterSetup.HoconRelativePath}");
        }
    }

    [Fact]
    public async Task A_member_started_through_ClusterSetup_runs_with_the_values_we_rely_on()
    {
        await using var member = await HostedMember.StartAsync(new ClusterMembership { Port = 0 });
        var config = member.System.Settings.Config;
        var cluster = member.Cluster.Settings;

        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.False(config.GetBoolean("akka.actor.serialization-settings.allow-unregistered-types"));
        Assert.Equal(256_000, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));

        Assert.Equal(TimeSpan.FromSeconds(5), cluster.SeedNodeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), cluster.RetryUnsuccessfulJoinAfter);
        Assert.Null(cluster.ShutdownAfterUnsuccessfulJoinSeedNodes);
        Assert.Equal(TimeSpan.FromSeconds(1), cluster.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(3), config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.Equal(8.0, config.GetDouble("akka.cluster.failure-detector.threshold"));
        Assert.Equal(typeof(Akka.Cluster.SBR.SplitBrainResolverProvider), cluster.DowningProviderType);
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromSeconds(2), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal("on", config.GetString("akka.cluster.split-brain-resolver.down-all-when-unstable"));
        // The removal margin the shard coordinator waits before a downed member's shards move.
        Assert.Equal(TimeSpan.FromSeconds(1), member.Cluster.DowningProvider.DownRemovalMargin);
        // Cluster core, remoting and sharding on dedicated threads, distributed data on others.
        Assert.Equal("actorscaler.cluster-dispatcher", cluster.UseDispatcher);
        Assert.Equal("actorscaler.cluster-dispatcher", config.GetString("akka.remote.use-dispatcher"));
        Assert.Equal("actorscaler.ddata-dispatcher", config.GetString("akka.cluster.distributed-data.use-dispatcher"));
        Assert.True(member.System.Dispatchers.HasDispatcher("actorscaler.cluster-dispatcher"));
        Assert.True(member.System.Dispatchers.HasDispatcher("actorscaler.ddata-dispatcher"));
        Assert.True(cluster.RunCoordinatedShutdownWhenDown);
        Assert.Equal([ClusterMembership.Role], cluster.Roles);

        var sharding = ClusterShardingSettings.Create(member.System);
        Assert.Equal(StateStoreMode.DData, sharding.StateStoreMode);
        Assert.False(sharding.RememberEntities);
        Assert.Equal(TimeSpan.Zero, sharding.PassivateIdleEntityAfter);
        Assert.Equal(TimeSpan.FromSeconds(10), sharding.TuningParameters.RebalanceInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), sharding.TuningParameters.HandOffTimeout);
        Assert.Equal(20, sharding.TuningParameters.LeastShardAllocationAbsoluteLimit);
        Assert.Equal(0.1, sharding.TuningParameters.LeastShardAllocationRelativeLimit);
        Assert.Equal(TimeSpan.FromSeconds(1), sharding.TuningParameters.RetryInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), sharding.TuningParameters.CoordinatorFailureBackoff);
        Assert.Equal("actorscaler.cluster-dispatcher", config.GetString("akka.cluster.sharding.use-dispatcher"));

        Assert.True(config.GetBoolean("akka.coordinated-shutdown.run-by-clr-shutdown-hook"));
        Assert.False(config.GetBoolean("akka.coordinated-shutdown.exit-clr"));
        Assert.Equal(TimeSpan.FromSeconds(10), config.GetTimeSpan("akka.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout"));

        // Cluster messages go to our serializer, never to the Newtonsoft default.
        Assert.IsType<ProtocolSerializer>(member.System.Serialization.FindSerializerForType(typeof(EnsureHpa)));
    }

    [Fact]
    public async Task Config_file_overrides_the_shipped_hocon_and_membership_overrides_both()
    {
        var port = HostedMember.FreePorts(1)[0];
        var overrideFile = Path.Combine(Path.GetTempPath(), $"actorscaler-override-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(overrideFile, """
            akka.cluster.split-brain-resolver.stable-after = 7s
            akka.remote.dot-netty.tcp.maximum-frame-size = 512000b
            # The environment's own keys: the membership layer (env vars, flags) must win over these.
            akka.remote.dot-netty.tcp.port = 1
            akka.cluster.min-nr-of-members = 9
            akka.cluster.roles = [somebody-else]
            """);
        try
        {
            await using var member = await HostedMember.StartAsync(new ClusterMembership { Port = port, MinimumMembers = 1 }, overrideFile);
            var config = member.System.Settings.Config;
            Assert.Equal(TimeSpan.FromSeconds(7), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
            Assert.Equal(512_000, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
            // Untouched by the override: still the shipped value.
            Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
            Assert.Equal(port, member.Cluster.SelfAddress.Port);
            Assert.Equal(1, member.Cluster.Settings.MinNrOfMembers);
            Assert.Equal([ClusterMembership.Role], member.Cluster.Settings.Roles);
        }
        finally
        {
            File.Delete(overrideFile);
        }
    }

    [Fact]
    public void A_missing_config_file_is_named_in_the_error()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"actorscaler-missing-{Guid.NewGuid():N}.conf");
        var error = Assert.Throws<FileNotFoundException>(() =>
            new Akka.Hosting.AkkaConfigurationBuilder(new Microsoft.Extensions.DependencyInjection.ServiceCollection(), ClusterMembership.SystemName)
                .AddActorScalerCluster(new ClusterMembership(), missing, ShippedPath));
        Assert.Contains($"--config {missing} does not exist", error.Message);
    }
}
