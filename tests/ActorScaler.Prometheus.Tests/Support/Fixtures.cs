namespace ActorScaler.Prometheus.Tests.Support;

/// <summary>The shared research fixtures copied beside the tests.</summary>
public static class Fixtures
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string Read(string name) => File.ReadAllText(Path(name));
}
