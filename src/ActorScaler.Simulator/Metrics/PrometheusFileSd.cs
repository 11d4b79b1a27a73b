using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorScaler.Simulator.Metrics;

/// <summary>
/// A Prometheus file_sd_configs target list: a JSON array of {"targets": ["host:port"], "labels": {...}}.
/// Written to a temporary file and renamed over the old one, because Prometheus watches the file and
/// must never read half of it.
/// </summary>
public static class PrometheusFileSd
{
    public static string Render(IEnumerable<(string Namespace, string Pod, int Port)> targets)
    {
        var array = new JsonArray();
        foreach (var (ns, pod, port) in targets)
        {
            array.Add(new JsonObject
            {
                ["targets"] = new JsonArray($"127.0.0.1:{port}"),
                ["labels"] = new JsonObject { ["namespace"] = ns, ["pod"] = pod },
            });
        }
        return array.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public static void Write(string path, IEnumerable<(string Namespace, string Pod, int Port)> targets)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        var temporary = full + ".tmp";
        File.WriteAllText(temporary, Render(targets));
        File.Move(temporary, full, overwrite: true);
    }
}
