using System.Globalization;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Workloads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ActorScaler.Simulator.Kubelets;

/// <summary>
/// <c>GET /simulator/kubelets/requests[?since=RFC3339][&amp;times=false]</c>: per node, the kubelet's
/// <c>/metrics/resource</c> request count since start and the arrival times of its recent requests at or
/// after <c>since</c> (see <see cref="KubeletRequestLog"/>).
/// </summary>
public static class KubeletRequestEndpoints
{
    public const string Path = "/simulator/kubelets/requests";

    public static IEndpointRouteBuilder MapKubeletRequestLog(this IEndpointRouteBuilder endpoints, WorkloadSimulation simulation)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(simulation);
        endpoints.MapGet(Path, (HttpRequest request) =>
        {
            DateTimeOffset? since = null;
            var sinceText = request.Query["since"].ToString();
            if (sinceText.Length > 0)
            {
                if (!DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                    return Results.Text(new JsonObject { ["error"] = $"since: Invalid value: \"{sinceText}\": must be an RFC 3339 time such as 2026-01-01T00:00:00Z" }.ToJsonString(),
                        "application/json", statusCode: StatusCodes.Status400BadRequest);
                since = parsed;
            }
            var withTimes = request.Query["times"].ToString() != "false";
            var nodes = new JsonArray();
            long total = 0;
            foreach (var node in simulation.Kubelets.Requests.Snapshot(since))
            {
                total += node.Requests;
                var entry = new JsonObject { ["name"] = node.Node, ["requests"] = node.Requests };
                if (withTimes)
                    entry["times"] = new JsonArray(node.Times.Select(t => (JsonNode)JsonValue.Create(t.ToString("O", CultureInfo.InvariantCulture))).ToArray());
                nodes.Add(entry);
            }
            return Results.Text(new JsonObject { ["total"] = total, ["nodes"] = nodes }.ToJsonString(), "application/json");
        });
        return endpoints;
    }
}
