using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using ActorScaler.Bench;
using Xunit;

namespace ActorScaler.Cli.Tests;

/// <summary>
/// The README's first command, as a newcomer runs it: `actorscaler demo --no-live` in its own process
/// (the simulator and a 3-member cluster inside), run to its end. Checks that the story the screen tells
/// is the one that happened: the tutorial's TARGETS column, 1 -> 10 -> 1 replicas, owners, the summary.
/// </summary>
public sealed partial class DemoCommandTests
{
    [GeneratedRegex(@"^\s*\d+s kubernetes-bootcamp\s+Deployment/kubernetes-bootcamp\s+(?<cpu>\d+|<unknown>)%?/10%\s+1\s+10\s+(?<replicas>\d+)\s+member-\d", RegexOptions.Multiline)]
    private static partial Regex BootcampRow();

    [Fact]
    public async Task The_demo_runs_to_its_end_within_three_minutes_and_tells_the_tutorials_story()
    {
        var directory = Directory.CreateTempSubdirectory("actorscaler-demo-test").FullName;
        var info = ActorScalerExecutable.Current().StartInfo(["demo", "--no-live"], directory);
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (output)
                    output.AppendLine(line);
            }
        });
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3.5));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the demo did not end by itself within 3.5 minutes:\n" + output);
        }
        await stdout;
        var text = output.ToString();
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{text}\n{await stderr}");

        Assert.Contains("Cluster formed in", text, StringComparison.Ordinal);
        var rows = BootcampRow().Matches(text).Select(m => (Cpu: m.Groups["cpu"].Value, Replicas: int.Parse(m.Groups["replicas"].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.NotEmpty(rows);
        // Up to the maximum under load, with utilisation far above the 10 % target on the way ...
        var peak = rows.FindIndex(r => r.Replicas == 10);
        Assert.True(peak > 0, text);
        Assert.Contains(rows.Take(peak), r => r.Cpu != "<unknown>" && int.Parse(r.Cpu, System.Globalization.CultureInfo.InvariantCulture) > 100);
        // ... and back to one when the load is gone.
        Assert.Equal(1, rows[^1].Replicas);
        Assert.Matches(@"scale up\s+1 -> 10 replicas in \d+s after the load rose", text);
        Assert.Matches(@"scale down 10 -> 1 replicas in \d+s after the load went away", text);
        Assert.Contains("The demo ran to its end.", text, StringComparison.Ordinal);
    }
}
