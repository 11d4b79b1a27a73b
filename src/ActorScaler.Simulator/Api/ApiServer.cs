using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// The HTTP surface of the simulated kube-apiserver: /version, /openapi, health, discovery,
/// the resource paths (served locally or proxied to an aggregated API), and the simulator's own
/// admin routes under /simulator/ (faults and audit) that no production client calls.
/// </summary>
public sealed class ApiServer
{
    public const string AdminPrefix = "/simulator";

    // go-to-protobuf's OpenAPI v2 media type, written with a '.' (the '@' form breaks Go's mime parser).
    private const string OpenApiV2MediaType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    private static readonly JsonSerializerOptions AdminJson = new(JsonSerializerDefaults.Web);

    private readonly ClusterStore _store;
    private readonly ApiHandler _handler;
    private readonly Aggregator _aggregator;
    private readonly ApiFaults _faults;
    private readonly ApiAudit _audit;
    private readonly KubernetesVersion _version;

    public ApiServer(ClusterStore store, ApiHandler handler, Aggregator aggregator, ApiFaults faults, ApiAudit audit, KubernetesVersion version)
    {
        _store = store;
        _handler = handler;
        _aggregator = aggregator;
        _faults = faults;
        _audit = audit;
        _version = version;
    }

    /// <summary>The address reported in /api's serverAddressByClientCIDRs.</summary>
    public string ServerAddress { get; set; } = "127.0.0.1:6443";

    public void Map(IEndpointRouteBuilder routes)
    {
        MapAdmin(routes);
        routes.MapFallback("{**path}", DispatchAsync);
    }

    private async Task DispatchAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0) trimmed = "/";
        switch (trimmed)
        {
            case "/version":
                await ApiHandler.WriteJsonAsync(ctx, 200, _version.ToJson());
                return;
            case "/healthz":
            case "/livez":
            case "/readyz":
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                await ctx.Response.WriteAsync("ok", ctx.RequestAborted);
                return;
            case "/openapi/v2":
                // An empty document decodes as an OpenAPI v2 with no paths: kubectl 1.27–1.33 then
                // skip client-side schema validation and still send fieldValidation.
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = OpenApiV2MediaType;
                return;
            case "/openapi/v3":
                await ApiHandler.WriteJsonAsync(ctx, 200, OpenApiV3.Root());
                return;
            case "/api":
                await ApiHandler.WriteJsonAsync(ctx, 200, Discovery.ApiVersions(ServerAddress));
                return;
            case "/apis":
                await ApiHandler.WriteJsonAsync(ctx, 200, Discovery.ApiGroupList(_aggregator.RemoteGroupVersions()));
                return;
        }
        if (trimmed.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var doc = OpenApiV3.GroupVersion(trimmed["/openapi/v3/".Length..]);
            if (doc is null) await NotFoundAsync(ctx);
            else await ApiHandler.WriteJsonAsync(ctx, 200, doc);
            return;
        }

        var info = RequestInfo.Parse(ctx.Request.Method, path, ctx.Request.Query["watch"] is var w && (w == "true" || w == "1"));
        if (info is null)
        {
            // /apis/{group} alone: the APIGroup document.
            var parts = trimmed.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == "apis" && ResourceCatalog.Groups.Any(g => g.Group == parts[1]))
            {
                await ApiHandler.WriteJsonAsync(ctx, 200, Discovery.ApiGroup(parts[1]));
                return;
            }
            await NotFoundAsync(ctx);
            return;
        }

        var userAgent = ctx.Request.Headers.UserAgent.ToString();
        _audit.CountRequest(info.Verb, info.Group.Length == 0 ? info.ResourcePath : $"{info.ResourcePath}.{info.Group}", userAgent);
        if (await _handler.ApplyFaultsAsync(ctx, info)) return;

        if (_aggregator.Find(info.Group, info.Version) is { } apiService)
        {
            await _aggregator.ProxyAsync(ctx, apiService);
            return;
        }
        if (info.Resource.Length == 0)
        {
            if (ResourceCatalog.ServesGroupVersion(info.Group, info.Version) && ctx.Request.Method == "GET")
            {
                await ApiHandler.WriteJsonAsync(ctx, 200, Discovery.ResourceList(info.Group, info.Version));
            }
            else
            {
                await NotFoundAsync(ctx);
            }
            return;
        }
        await _handler.HandleAsync(ctx, info);
    }

    private static Task NotFoundAsync(HttpContext ctx) =>
        ApiHandler.WriteStatusAsync(ctx, new StatusException(404, StatusReasons.NotFound, "the server could not find the requested resource"));

    private void MapAdmin(IEndpointRouteBuilder routes)
    {
        routes.MapGet($"{AdminPrefix}/faults/api", () => Results.Json(_faults.Settings, AdminJson));
        routes.MapPut($"{AdminPrefix}/faults/api", async (HttpContext ctx) =>
        {
            ApiFaultSettings? settings;
            try
            {
                settings = await JsonSerializer.DeserializeAsync<ApiFaultSettings>(ctx.Request.Body, AdminJson, ctx.RequestAborted);
            }
            catch (JsonException e)
            {
                return Results.BadRequest(new { error = $"fault settings are not valid JSON: {e.Message}" });
            }
            if (settings is null) return Results.BadRequest(new { error = "fault settings: body is required" });
            if (settings.Validate() is { } problem) return Results.BadRequest(new { error = problem });
            _faults.Set(settings);
            return Results.Json(_faults.Settings, AdminJson);
        });
        routes.MapDelete($"{AdminPrefix}/faults/api", () =>
        {
            _faults.Clear();
            return Results.Json(_faults.Settings, AdminJson);
        });
        routes.MapPost($"{AdminPrefix}/faults/api/drop-watches", () =>
            Results.Json(new { dropped = _store.DropWatches() }, AdminJson));

        routes.MapGet($"{AdminPrefix}/audit/writes", (string? kind, string? @namespace, string? name, bool? includeRefused) =>
        {
            var writes = _audit.Writes(kind, includeRefused ?? false)
                .Where(w => @namespace is null || w.Namespace == @namespace)
                .Where(w => name is null || w.Name == name);
            return Results.Json(new { items = writes }, AdminJson);
        });
        routes.MapGet($"{AdminPrefix}/audit/requests", (string? userAgent, string? resource, string? verb) =>
        {
            var counts = _audit.Requests()
                .Where(r => userAgent is null || r.UserAgent.Contains(userAgent, StringComparison.Ordinal))
                .Where(r => resource is null || r.Resource == resource)
                .Where(r => verb is null || r.Verb == verb)
                .ToList();
            return Results.Json(new { total = counts.Sum(c => c.Count), items = counts }, AdminJson);
        });
        routes.MapDelete($"{AdminPrefix}/audit", () =>
        {
            _audit.Reset();
            return Results.NoContent();
        });
        routes.MapGet($"{AdminPrefix}/stats", () => Results.Json(new
        {
            resourceVersion = _store.ResourceVersion.ToString(CultureInfo.InvariantCulture),
            watchers = _store.WatcherCount,
            objects = ResourceCatalog.Resources.Select(r => r.Storage).Distinct()
                .ToDictionary(gr => gr.ToString(), gr => _store.Count(gr)),
        }, AdminJson));
    }
}

/// <summary>What /version reports; its minor version makes kubectl's dispatcher pick a client.</summary>
public sealed record KubernetesVersion(int Major, int Minor, int Patch)
{
    public static KubernetesVersion Parse(string text)
    {
        var parts = text.TrimStart('v').Split('.');
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new ArgumentException($"kubernetesVersion: Invalid value: \"{text}\": must look like v1.33.1", nameof(text));
        }
        var n = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return new KubernetesVersion(n[0], n[1], n[2]);
    }

    public string GitVersion => $"v{Major}.{Minor}.{Patch}";

    public JsonObject ToJson() => new()
    {
        ["major"] = Major.ToString(CultureInfo.InvariantCulture),
        ["minor"] = Minor.ToString(CultureInfo.InvariantCulture),
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.24.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };
}
