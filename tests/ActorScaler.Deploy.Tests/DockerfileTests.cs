using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using ActorScaler.Actors.Cluster;
using ActorScaler.Hosting;
using k8s.Models;

namespace ActorScaler.Deploy.Tests;

/// <summary>One Dockerfile instruction (continuation lines joined) in its build stage.</summary>
internal sealed record DockerInstruction(int Stage, string Keyword, string Arguments, int Line);

/// <summary>
/// The Dockerfile, parsed (there is no Docker engine here to build it): two stages, a non-root user, the
/// ports and paths the code and the StatefulSet use, and COPY sources that exist.
/// </summary>
public sealed class DockerfileTests
{
    private static readonly IReadOnlyList<DockerInstruction> Instructions = Parse(Repository.Read("Dockerfile"));
    private static readonly DeployManifests Manifests = DeployManifests.Load();
    private static V1Container Container => Assert.Single(Manifests.Single<V1StatefulSet>().Spec.Template.Spec.Containers);

    private static List<DockerInstruction> Parse(string text)
    {
        var result = new List<DockerInstruction>();
        var stage = -1;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var start = i + 1;
            while (line.EndsWith('\\') && i + 1 < lines.Length)
                line = line[..^1].TrimEnd() + " " + lines[++i].Trim();
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            if (keyword == "FROM")
                stage++;
            result.Add(new DockerInstruction(stage, keyword, space < 0 ? "" : line[(space + 1)..].Trim(), start));
        }
        return result;
    }

    private static IEnumerable<DockerInstruction> Final => Instructions.Where(i => i.Stage == Instructions.Max(x => x.Stage));

    private static string[] ExecForm(string keyword) =>
        JsonSerializer.Deserialize<string[]>(Assert.Single(Final, i => i.Keyword == keyword).Arguments)
        ?? throw new InvalidDataException($"{keyword} is not in exec (JSON) form");

    [Fact]
    public void Builds_with_the_sdk_and_runs_on_the_aspnet_runtime()
    {
        var stages = Instructions.Where(i => i.Keyword == "FROM").Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(2, stages.Count);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", stages[0][0]);
        Assert.Equal(["AS", "build"], stages[0][1..].Select((w, i) => i == 0 ? w.ToUpperInvariant() : w));
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", stages[1][0]);
        // The SDK never reaches the runtime image: the final stage only copies the publish output.
        var copyFrom = Assert.Single(Final, i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=", StringComparison.Ordinal));
        Assert.StartsWith("--from=build ", copyFrom.Arguments);
        var publish = Assert.Single(Instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("src/ActorScaler/ActorScaler.csproj", publish.Arguments);
        Assert.Contains("-c Release", publish.Arguments);
    }

    [Fact]
    public void Runs_as_the_non_root_user_the_statefulset_requires()
    {
        var user = Assert.Single(Final, i => i.Keyword == "USER").Arguments.Split(':');
        var uid = long.Parse(user[0], CultureInfo.InvariantCulture);
        Assert.NotEqual(0, uid);
        var security = Manifests.Single<V1StatefulSet>().Spec.Template.Spec.SecurityContext;
        Assert.Equal(security.RunAsUser, uid);
        Assert.Equal(security.RunAsGroup, long.Parse(user[1], CultureInfo.InvariantCulture));
        // The user is created with that id, not merely named.
        Assert.Contains(Final, i => i.Keyword == "RUN" && i.Arguments.Contains($"--uid {uid}", StringComparison.Ordinal));
    }

    [Fact]
    public void Exposes_the_remoting_and_https_ports_that_the_code_and_the_statefulset_use()
    {
        var exposed = Assert.Single(Final, i => i.Keyword == "EXPOSE").Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.Parse(p.Split('/')[0], CultureInfo.InvariantCulture)).Order().ToList();
        var listenPort = new RunOptions().ListenAddress.Port;
        Assert.Equal(new[] { ClusterMembership.DefaultPort, listenPort }.Order(), exposed);
        Assert.Equal(Container.Ports.Select(p => p.ContainerPort).Order(), exposed);
        Assert.Contains($"--listen-address=0.0.0.0:{listenPort}", ExecForm("CMD"));
    }

    [Fact]
    public void Every_copy_source_exists_and_is_not_excluded_from_the_build_context()
    {
        var ignored = Repository.Read(".dockerignore").Split('\n').Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var stageNames = Instructions.Where(i => i.Keyword == "FROM").Select(i => i.Arguments.Split(' ')[^1]).ToList();
        foreach (var copy in Instructions.Where(i => i.Keyword is "COPY" or "ADD"))
        {
            var words = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words[0].StartsWith("--from=", StringComparison.Ordinal))
            {
                Assert.Contains(words[0]["--from=".Length..], stageNames.Take(copy.Stage));
                continue;
            }
            foreach (var source in words[..^1])
            {
                var path = Repository.Path(source.TrimEnd('/'));
                Assert.True(File.Exists(path) || Directory.Exists(path), $"Dockerfile line {copy.Line}: COPY source {source} does not exist");
                Assert.DoesNotContain(ignored, pattern => pattern.TrimEnd('/') == source.TrimEnd('/'));
            }
        }
    }

    [Fact]
    public void The_entrypoint_runs_the_cli_assembly()
    {
        var assemblyName = XDocument.Load(Repository.Path("src/ActorScaler/ActorScaler.csproj")).Descendants("AssemblyName").Single().Value;
        Assert.Equal(["dotnet", $"{assemblyName}.dll"], ExecForm("ENTRYPOINT"));
        Assert.Equal(typeof(RunOptions).Assembly.GetName().Name, assemblyName);
        Assert.Equal("run", ExecForm("CMD")[0]);
    }

    [Fact]
    public void The_default_config_path_is_where_the_statefulset_mounts_the_configmap()
    {
        const string flag = "--config=";
        var imageConfig = Assert.Single(ExecForm("CMD"), a => a.StartsWith(flag, StringComparison.Ordinal))[flag.Length..];
        var podConfig = Assert.Single(Container.Args, a => a.StartsWith(flag, StringComparison.Ordinal))[flag.Length..];
        Assert.Equal(podConfig, imageConfig);
        var mount = Assert.Single(Container.VolumeMounts, m => imageConfig.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        Assert.Equal("config", mount.Name);
        // The image carries the shipped HOCON at that path too, so `docker run` works without a mount.
        Assert.Contains(Final, i => i.Keyword == "COPY" && i.Arguments == $"{ClusterSetup.HoconRelativePath} {imageConfig}");
    }
}
