using System.Text.Json.Nodes;
using ActorScaler.Simulator.Kubelets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ActorScaler.Simulator.Workloads;

/// <summary>
/// Runtime admin routes for the simulated kubelets, under <c>/simulator/</c>:
/// <list type="bullet">
/// <item><c>GET /simulator/nodes</c>: every simulated node with its kubelet port and fault.</item>
/// <item><c>PUT /simulator/nodes/{node}/fault?mode=down|slow|garbage|scrape-error|none&amp;delayMs=N</c>
/// (or a JSON body <c>{"mode": "...", "delayMs": N}</c>): sets the node's kubelet fault;
/// <c>DELETE</c> clears it.</item>
/// <item><c>DELETE /simulator/nodes/faults</c>: clears every node's fault.</item>
/// <item><c>GET/PUT /simulator/kubelet-certificates?mode=ip-san|no-ip-san</c>: which serving
/// certificate the kubelets present from the next TLS handshake on.</item>
/// </list>
/// The same operations are available in process on <see cref="WorkloadSimulation.Kubelets"/>.
/// </summary>
public static class NodeAdminEndpoints
{
    /// <summary>Maps the routes above; call it from the composition root with the started simulation.</summary>
    public static IEndpointRouteBuilder MapSimulatorNodeAdmin(this IEndpointRouteBuilder endpoints, WorkloadSimulation simulation)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(simulation);

        endpoints.MapGet("/simulator/nodes", () =>
        {
            var kubelets = simulation.Kubelets;
            var items = new JsonArray();
            foreach (var name in kubelets.NodeNames)
            {
                items.Add(NodeJson(name, kubelets));
            }
            return Json(new JsonObject
            {
                ["certificateMode"] = KubeletCertificateModes.WireName(kubelets.CertificateMode),
                ["nodes"] = items,
            });
        });

        endpoints.MapGet("/simulator/nodes/{node}", (string node) =>
            simulation.Kubelets.IsSimulated(node) ? Json(NodeJson(node, simulation.Kubelets)) : NotSimulated(node));

        endpoints.MapMethods("/simulator/nodes/{node}/fault", ["PUT", "POST"], async (string node, HttpRequest request) =>
        {
            var mode = request.Query["mode"].ToString();
            var delay = request.Query["delayMs"].ToString();
            if (request.ContentLength > 0)
            {
                JsonNode? body;
                try
                {
                    body = await JsonNode.ParseAsync(request.Body).ConfigureAwait(false);
                }
                catch (System.Text.Json.JsonException e)
                {
                    return Error(StatusCodes.Status400BadRequest, $"body: invalid JSON: {e.Message}");
                }
                if (body is JsonObject o)
                {
                    if (o["mode"] is JsonValue m) mode = m.ToString();
                    if (o["delayMs"] is JsonValue d) delay = d.ToString();
                }
            }
            if (!simulation.Kubelets.IsSimulated(node)) return NotSimulated(node);
            if (!KubeletFault.TryParse(mode, delay, out var fault, out var error)) return Error(StatusCodes.Status400BadRequest, error!);
            simulation.Kubelets.SetFault(node, fault);
            return Json(NodeJson(node, simulation.Kubelets));
        });

        endpoints.MapDelete("/simulator/nodes/{node}/fault", (string node) =>
        {
            if (!simulation.Kubelets.SetFault(node, KubeletFault.Healthy)) return NotSimulated(node);
            return Json(NodeJson(node, simulation.Kubelets));
        });

        endpoints.MapDelete("/simulator/nodes/faults", () =>
        {
            simulation.Kubelets.ClearFaults();
            return Results.NoContent();
        });

        endpoints.MapGet("/simulator/kubelet-certificates", () => Json(CertificateJson(simulation)));

        endpoints.MapMethods("/simulator/kubelet-certificates", ["PUT", "POST"], (HttpRequest request) =>
        {
            var text = request.Query["mode"].ToString();
            if (!KubeletCertificateModes.TryParse(text, out var mode))
            {
                return Error(StatusCodes.Status400BadRequest, $"mode: Unsupported value: \"{text}\": supported values: \"ip-san\", \"no-ip-san\"");
            }
            simulation.Kubelets.CertificateMode = mode;
            return Json(CertificateJson(simulation));
        });

        return endpoints;
    }

    private static JsonObject CertificateJson(WorkloadSimulation simulation) => new()
    {
        ["mode"] = KubeletCertificateModes.WireName(simulation.Kubelets.CertificateMode),
        ["caCertificate"] = simulation.CertificateAuthority.CertificatePem,
    };

    private static JsonObject NodeJson(string name, SimulatedKubelets kubelets)
    {
        var fault = kubelets.GetFault(name) ?? KubeletFault.Healthy;
        return new JsonObject
        {
            ["name"] = name,
            ["address"] = "127.0.0.1",
            ["kubeletPort"] = kubelets.PortOf(name),
            ["fault"] = new JsonObject
            {
                ["mode"] = fault.Mode == KubeletFaultMode.None && fault.Delay > TimeSpan.Zero ? "slow" : KubeletFault.WireName(fault.Mode),
                ["delayMs"] = (long)fault.Delay.TotalMilliseconds,
            },
        };
    }

    private static IResult Json(JsonNode node) => Results.Text(node.ToJsonString(), "application/json");

    private static IResult NotSimulated(string node) =>
        Error(StatusCodes.Status404NotFound, $"node \"{node}\" is not a simulated node (nodes created through the API are served by their own kubelet)");

    private static IResult Error(int code, string message) =>
        Results.Text(new JsonObject { ["error"] = message }.ToJsonString(), "application/json", statusCode: code);
}
