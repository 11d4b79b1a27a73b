namespace ActorScaler.Metrics.Tests;

internal static class Fixture
{
    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    /// <summary>Unix ms to ns, as the parser stores kubelet timestamps.</summary>
    public static long Ms(long ms) => ms * 1_000_000;
}
