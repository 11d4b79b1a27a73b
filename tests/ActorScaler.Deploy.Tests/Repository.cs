namespace ActorScaler.Deploy.Tests;

/// <summary>The repository the tests check, found from the test's output folder.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(Path(relative));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ActorScaler.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no ActorScaler.sln above {AppContext.BaseDirectory}");
    }
}
