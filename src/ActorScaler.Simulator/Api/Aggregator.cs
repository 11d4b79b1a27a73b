using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;
using Microsoft.AspNetCore.Http;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// kube-aggregator's proxy: an apiregistration.k8s.io/v1 APIService whose spec.service names a
/// Service makes its group/version appear in discovery, and requests under
/// /apis/{group}/{version} are proxied over HTTPS to an address of that Service's Endpoints.
/// The backend's certificate is checked against spec.caBundle for the name
/// {service}.{namespace}.svc, unless spec.insecureSkipTLSVerify is set — as on a cluster.
/// </summary>
public sealed class Aggregator : IDisposable
{
    // kube-aggregator's default when spec.service.port is unset.
    private const int DefaultServicePort = 443;
    private static readonly string[] ForwardedRequestHeaders = ["Accept", "User-Agent", "Content-Type"];
    private static readonly string[] SkippedResponseHeaders = ["Transfer-Encoding", "Connection", "Keep-Alive", "Content-Length"];

    private readonly ClusterStore _store;
    private readonly ConcurrentDictionary<string, HttpClient> _clients = new();

    public Aggregator(ClusterStore store) => _store = store;

    /// <summary>Group/versions served by a backend Service, for discovery.</summary>
    public IReadOnlyList<(string Group, string Version)> RemoteGroupVersions() =>
        _store.List(GroupResource.ApiServices).Items
            .Select(s => s.ToJsonObject())
            .Where(s => s["spec"]?["service"] is JsonObject)
            .Select(s => ((string?)s["spec"]?["group"] ?? "", (string?)s["spec"]?["version"] ?? ""))
            .Where(gv => gv.Item1.Length > 0 && gv.Item2.Length > 0 && !ResourceCatalog.ServesGroupVersion(gv.Item1, gv.Item2))
            .ToList();

    /// <summary>The APIService that delegates this group/version to a Service, if any.</summary>
    public JsonObject? Find(string group, string version)
    {
        if (ResourceCatalog.ServesGroupVersion(group, version)) return null;
        var apiService = _store.Get(GroupResource.ApiServices, "", $"{version}.{group}")?.ToJsonObject();
        return apiService?["spec"]?["service"] is JsonObject ? apiService : null;
    }

    public async Task ProxyAsync(HttpContext ctx, JsonObject apiService)
    {
        var spec = apiService["spec"] as JsonObject ?? [];
        var service = spec["service"] as JsonObject ?? [];
        var ns = (string?)service["namespace"] ?? "";
        var name = (string?)service["name"] ?? "";
        var port = (int?)service["port"] ?? DefaultServicePort;
        var endpoint = Resolve(ns, name, port);
        if (endpoint is null)
        {
            await ApiHandler.WriteStatusAsync(ctx, new StatusException(503, StatusReasons.ServiceUnavailable,
                $"the server is currently unable to handle the request (service {ns}/{name} has no available endpoints)"));
            return;
        }

        var client = Client(apiService, $"{name}.{ns}.svc");
        var target = new UriBuilder("https", endpoint.Value.Host, endpoint.Value.Port)
        {
            Path = ctx.Request.Path.Value,
            Query = ctx.Request.QueryString.Value?.TrimStart('?') ?? "",
        }.Uri;
        using var request = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), target);
        if (ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(ctx.Request.Body);
            if (ctx.Request.ContentType is { } contentType) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        foreach (var header in ForwardedRequestHeaders)
        {
            if (header == "Content-Type") continue;
            if (ctx.Request.Headers.TryGetValue(header, out var values)) request.Headers.TryAddWithoutValidation(header, values.ToArray());
        }
        // The aggregator authenticates the user and passes the identity on (requestheader auth).
        request.Headers.TryAddWithoutValidation("X-Remote-User", "system:admin");
        request.Headers.TryAddWithoutValidation("X-Remote-Group", "system:masters");

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ctx.RequestAborted);
        }
        catch (HttpRequestException e)
        {
            await ApiHandler.WriteStatusAsync(ctx, new StatusException(503, StatusReasons.ServiceUnavailable,
                $"the server is currently unable to handle the request (error trying to reach service: {e.Message})"));
            return;
        }
        using (response)
        {
            ctx.Response.StatusCode = (int)response.StatusCode;
            foreach (var (key, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (SkippedResponseHeaders.Contains(key, StringComparer.OrdinalIgnoreCase)) continue;
                ctx.Response.Headers[key] = values.ToArray();
            }
            await using var body = await response.Content.ReadAsStreamAsync(ctx.RequestAborted);
            var buffer = new byte[16 * 1024];
            int read;
            // Copy chunk by chunk with a flush each time so proxied watches stream.
            while ((read = await body.ReadAsync(buffer, ctx.RequestAborted)) > 0)
            {
                await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, read), ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }
        }
    }

    private (string Host, int Port)? Resolve(string ns, string name, int servicePort)
    {
        var service = _store.Get(GroupResource.Services, ns, name)?.ToJsonObject();
        var endpoints = _store.Get(GroupResource.Endpoints, ns, name)?.ToJsonObject();
        if (service is null || endpoints is null) return null;
        var portSpec = (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>()
            .FirstOrDefault(p => (int?)p["port"] == servicePort);
        if (portSpec is null) return null;
        var portName = (string?)portSpec["name"];
        foreach (var subset in (endpoints["subsets"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var address = (string?)(subset["addresses"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault()?["ip"];
            if (address is null) continue;
            var ports = (subset["ports"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var port = ports.FirstOrDefault(p => (string?)p["name"] == portName) ?? ports.FirstOrDefault();
            if ((int?)port?["port"] is { } p) return (address, p);
        }
        return null;
    }

    private HttpClient Client(JsonObject apiService, string serverName)
    {
        var spec = apiService["spec"] as JsonObject ?? [];
        var insecure = (bool?)spec["insecureSkipTLSVerify"] == true;
        var caBundle = (string?)spec["caBundle"] ?? "";
        var key = $"{insecure}|{serverName}|{caBundle}";
        return _clients.GetOrAdd(key, _ =>
        {
            X509Certificate2Collection? roots = null;
            if (!insecure && caBundle.Length > 0)
            {
                roots = [];
                roots.ImportFromPem(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(caBundle)));
            }
            var handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    TargetHost = serverName,
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                        insecure || Verify(certificate as X509Certificate2, roots, serverName, errors),
                },
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            };
            return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        });
    }

    private static bool Verify(X509Certificate2? certificate, X509Certificate2Collection? roots, string serverName, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        if (roots is null) return errors == SslPolicyErrors.None;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate) && certificate.MatchesHostname(serverName);
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
        _clients.Clear();
    }
}
