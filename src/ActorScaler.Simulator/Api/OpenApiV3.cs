using System.Text.Json.Nodes;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// A minimal OpenAPI v3 discovery: the root lists one document per served group/version, and each
/// document carries the PATCH operation of every resource with its x-kubernetes-group-version-kind
/// and a fieldValidation parameter. That is exactly what kubectl 1.30+'s query-param verifier looks
/// for to trust server-side field validation instead of validating against schemas itself.
/// </summary>
public static class OpenApiV3
{
    // A constant content hash: the documents only change with the simulator build.
    private const string Hash = "0000000000000000000000000000000000000000000000000000000000000001";

    public static JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var (group, versions) in ResourceCatalog.Groups)
        {
            foreach (var version in versions)
            {
                var key = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
                paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash}" };
            }
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document for "api/v1" or "apis/{group}/{version}"; null if not served.</summary>
    public static JsonObject? GroupVersion(string key)
    {
        var parts = key.Split('/');
        string group, version;
        if (parts is ["api", var v]) (group, version) = ("", v);
        else if (parts is ["apis", var g, var v2]) (group, version) = (g, v2);
        else return null;
        if (!ResourceCatalog.ServesGroupVersion(group, version)) return null;

        var paths = new JsonObject();
        foreach (var r in ResourceCatalog.InGroupVersion(group, version))
        {
            var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var path = r.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{r.Resource}/{{name}}" : $"{prefix}/{r.Resource}/{{name}}";
            paths[path] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = $"patch{r.Kind}",
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = r.Kind },
                    ["parameters"] = new JsonArray(
                        QueryParameter("dryRun"), QueryParameter("fieldManager"), QueryParameter("fieldValidation"), QueryParameter("force")),
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                },
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "unversioned" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject QueryParameter(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };
}
