using System.Security.Cryptography.X509Certificates;
using ActorScaler.Actors.Metrics;
using ActorScaler.Kubernetes.Informers;
using ActorScaler.Metrics.Api;
using ActorScaler.Metrics.Scraping;
using Akka.Hosting;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Hosting;

/// <summary>
/// The metrics pipeline of a member: per-node scraper entities (sharded), the node inventory that keeps
/// them alive, the store every member fills from every scraper's reports, and the metrics.k8s.io API
/// (v1beta1 and v1) on --listen-address, so any member answers for the whole cluster.
/// </summary>
public sealed class MetricsFeature : IMemberFeature
{
    /// <summary>Where a pod's service-account credentials are mounted.</summary>
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    public void ConfigureServices(IServiceCollection services, RunOptions options)
    {
        services.AddSingleton(sp => new ResourceMetricsStore(
            sp.GetRequiredService<ClusterCaches>(),
            TimeProvider.System,
            ResourceMetricsStore.DefaultTimeToLive(options.MetricResolution, options.KubeletRequestTimeout)));
        services.AddSingleton<IMetricsApiSource>(sp => sp.GetRequiredService<ResourceMetricsStore>());
        services.AddSingleton(_ => KubeletClientOptionsFor(options));
    }

    public void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider services, RunOptions options)
    {
        var store = services.GetRequiredService<ResourceMetricsStore>();
        var caches = services.GetRequiredService<ClusterCaches>();
        var kubelet = services.GetRequiredService<KubeletClientOptions>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        builder.AddMetricsStoreFeeder(store, options.MetricResolution);
        builder.AddNodeScrapers(caches, new NodeScraperSettings
        {
            Resolution = options.MetricResolution,
            PreferredAddressTypes = options.KubeletPreferredAddressTypes,
            Member = $"{options.Membership.PublicHostname}:{options.Membership.Port}",
            ClientFactory = _ => new KubeletClient(kubelet),
        }, loggers);
        builder.AddNodeInventory(caches, NodeInventory.DefaultKeepAliveInterval);
    }

    public void MapEndpoints(WebApplication app, RunOptions options)
    {
        app.Map($"/apis/{MetricsJson.Group}/{{**rest}}", Serve);
        app.Map($"/apis/{MetricsJson.Group}", Serve);
    }

    private static async Task Serve(HttpContext context, IMetricsApiSource source)
    {
        var query = context.Request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.Ordinal);
        var response = new MetricsApiHandler(source).Handle(context.Request.Method, context.Request.Path.Value ?? "", query, DateTimeOffset.UtcNow);
        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = MetricsApiResponse.ContentType;
        context.Response.ContentLength = response.Body.Length;
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// How this member reaches kubelets, metrics-server's way: the cluster CA (from the kubeconfig, or
    /// the service account's ca.crt in cluster) verifies their serving certificates unless
    /// --kubelet-certificate-authority names another CA or --kubelet-insecure-tls opts out; the
    /// credentials are the member's own (the kubeconfig user's token or client certificate, or the
    /// rotating service-account token in cluster).
    /// </summary>
    public static KubeletClientOptions KubeletClientOptionsFor(RunOptions options)
    {
        X509Certificate2Collection? authorities = null;
        IBearerTokenSource? token = null;
        X509Certificate2? clientCertificate = null;
        if (options.InCluster)
        {
            var caFile = Path.Combine(ServiceAccountDirectory, "ca.crt");
            if (File.Exists(caFile))
                authorities = LoadPem(caFile, "the service account's ca.crt");
            token = new BearerTokenFile(Path.Combine(ServiceAccountDirectory, "token"));
        }
        else
        {
            var path = options.Kubeconfig
                ?? Environment.GetEnvironmentVariable("KUBECONFIG")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
            if (File.Exists(path))
            {
                var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
                if (config.SslCaCerts is { Count: > 0 } ca)
                    authorities = ca;
                if (!string.IsNullOrEmpty(config.AccessToken))
                    token = new StaticBearerToken(config.AccessToken);
                clientCertificate = ClientCertificate(config);
            }
        }
        if (options.KubeletCertificateAuthority is { } file)
            authorities = LoadPem(file, "--kubelet-certificate-authority");
        return new KubeletClientOptions
        {
            RequestTimeout = options.KubeletRequestTimeout,
            InsecureSkipTlsVerify = options.KubeletInsecureTls,
            CertificateAuthorities = authorities,
            BearerToken = token,
            ClientCertificate = clientCertificate,
            UserAgent = options.UserAgent,
        };
    }

    /// <summary>The kubeconfig user's client certificate and key (inline data or files), if it has one.</summary>
    private static X509Certificate2? ClientCertificate(KubernetesClientConfiguration config)
    {
        var certificate = !string.IsNullOrEmpty(config.ClientCertificateData)
            ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(config.ClientCertificateData))
            : !string.IsNullOrEmpty(config.ClientCertificateFilePath) ? File.ReadAllText(config.ClientCertificateFilePath) : null;
        var key = !string.IsNullOrEmpty(config.ClientCertificateKeyData)
            ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(config.ClientCertificateKeyData))
            : !string.IsNullOrEmpty(config.ClientKeyFilePath) ? File.ReadAllText(config.ClientKeyFilePath) : null;
        if (certificate is null || key is null)
            return null;
        using var pem = X509Certificate2.CreateFromPem(certificate, key);
        // SslStream on Linux needs the key in a persisted form: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2Collection LoadPem(string file, string what)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPemFile(file);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new FormatException($"{what} {file} is not a PEM certificate bundle: {ex.Message}", ex);
        }
        if (collection.Count == 0)
            throw new FormatException($"{what} {file} holds no PEM certificate");
        return collection;
    }
}
