using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ActorScaler.Simulator.Tests.Kubelets;

/// <summary>
/// An HttpClient that verifies server certificates the way Go's crypto/tls does by default for a
/// client given a CA file: the chain must end at that CA (nothing else trusted), and when the host
/// is an IP address the leaf must carry it as an IP SAN (Go never falls back to the CN).
/// </summary>
internal sealed class GoLikeTls
{
    public string? LastError { get; private set; }

    public HttpClient CreateClient(X509Certificate2 trustedCa, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (sender, certificate, _, _) =>
                {
                    LastError = Validate(certificate as X509Certificate2, trustedCa, HostOf(sender));
                    return LastError is null;
                },
            },
        };
        return new HttpClient(handler) { Timeout = timeout ?? TimeSpan.FromSeconds(10) };
    }

    private static string HostOf(object sender) => sender is SslStream { TargetHostName: { Length: > 0 } h } ? h : "127.0.0.1";

    public static string? Validate(X509Certificate2? leaf, X509Certificate2 trustedCa, string host)
    {
        if (leaf is null) return "no certificate";
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trustedCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(leaf))
        {
            return "x509: certificate signed by unknown authority";
        }
        if (IPAddress.TryParse(host, out var ip))
        {
            var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
            var ips = san?.EnumerateIPAddresses().ToList() ?? [];
            if (ips.Count == 0) return $"x509: cannot validate certificate for {host} because it doesn't contain any IP SANs";
            if (!ips.Contains(ip)) return $"x509: certificate is valid for {string.Join(", ", ips)}, not {host}";
        }
        return null;
    }
}
