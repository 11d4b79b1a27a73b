using Xunit;

namespace ActorScaler.Cli.Tests.Bench;

/// <summary>Tests that start simulator and member processes run one at a time: two such sets at once on
/// two cores would each measure the other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessTestsCollection
{
    public const string Name = "actorscaler processes";
}
