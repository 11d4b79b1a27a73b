using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorScaler.Metrics.Scraping;

namespace ActorScaler.Metrics.Tests.Scraping;

/// <summary>Serving-certificate verification as Go's crypto/tls does it, with the fix in the message.</summary>
public sealed class KubeletClientTests : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;

    public KubeletClientTests()
    {
        var request = new CertificateRequest("CN=test-ca", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private X509Certificate2 Leaf(ECDsa signer, X509Certificate2 issuer, string[] dns, IPAddress[] ips)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kubelet", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var d in dns) san.AddDnsName(d);
        foreach (var ip in ips) san.AddIpAddress(ip);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        return request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(signer),
            DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
    }

    private X509Certificate2Collection Roots => [_ca];

    [Fact]
    public void A_certificate_with_the_ip_san_from_the_cluster_ca_is_valid()
    {
        using var leaf = Leaf(_caKey, _ca, ["node-1"], [IPAddress.Parse("10.0.0.7")]);
        Assert.Null(KubeletClient.Verify(leaf, "10.0.0.7", Roots, SslPolicyErrors.None));
        Assert.Null(KubeletClient.Verify(leaf, "node-1", Roots, SslPolicyErrors.None));
    }

    [Fact]
    public void A_certificate_without_ip_sans_gets_gos_message_and_the_fix()
    {
        using var leaf = Leaf(_caKey, _ca, ["node-1"], []);
        var error = KubeletClient.Verify(leaf, "10.0.0.7", Roots, SslPolicyErrors.None);
        Assert.StartsWith("x509: cannot validate certificate for 10.0.0.7 because it doesn't contain any IP SANs; fix:", error);
        Assert.Contains("--kubelet-insecure-tls", error);
        Assert.Contains("--kubelet-preferred-address-types=Hostname", error);
    }

    [Fact]
    public void Another_ip_or_name_and_an_unknown_ca_are_named()
    {
        using var leaf = Leaf(_caKey, _ca, ["node-1"], [IPAddress.Parse("10.0.0.8")]);
        Assert.StartsWith("x509: certificate is valid for 10.0.0.8, not 10.0.0.7", KubeletClient.Verify(leaf, "10.0.0.7", Roots, SslPolicyErrors.None));
        Assert.StartsWith("x509: certificate is valid for node-1, not node-2", KubeletClient.Verify(leaf, "node-2", Roots, SslPolicyErrors.None));

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherRequest = new CertificateRequest("CN=other-ca", otherKey, HashAlgorithmName.SHA256);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var otherCa = otherRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var foreign = Leaf(otherKey, otherCa, ["node-1"], [IPAddress.Parse("10.0.0.7")]);
        var error = KubeletClient.Verify(foreign, "10.0.0.7", Roots, SslPolicyErrors.None);
        Assert.StartsWith("x509: certificate signed by unknown authority", error);
        Assert.Contains("--kubelet-certificate-authority", error);
    }

    [Fact]
    public void Http_errors_explain_the_usual_causes()
    {
        Assert.Contains("nodes/metrics", KubeletClient.StatusMessage(HttpStatusCode.Forbidden, "Forbidden (user=system:serviceaccount:x, verb=get, resource=nodes, subresource=metrics)"));
        Assert.StartsWith("request failed, status 404 NotFound", KubeletClient.StatusMessage(HttpStatusCode.NotFound, ""));
    }

    [Fact]
    public void A_rotated_token_file_is_read_again()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "first\n");
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-5));
            var source = new BearerTokenFile(path);
            Assert.Equal("first", source.Token);
            File.WriteAllText(path, "second");
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            Assert.Equal("second", source.Token);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
    }
}
