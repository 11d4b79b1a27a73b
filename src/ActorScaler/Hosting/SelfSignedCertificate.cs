using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorScaler.Hosting;

/// <summary>A serving certificate made at start, as metrics-server does when no certificate is
/// given: the API server reaches aggregated APIs with insecureSkipTLSVerify or a caBundle.</summary>
public static class SelfSignedCertificate
{
    public static X509Certificate2 Create(string commonName, IEnumerable<IPAddress> addresses, IEnumerable<string> dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var ip in addresses)
            san.AddIpAddress(ip);
        foreach (var dns in dnsNames)
            san.AddDnsName(dns);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        // Kestrel needs the private key in a persisted form on Linux; round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
