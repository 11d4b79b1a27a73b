using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorScaler.Simulator.Kubelets;

/// <summary>
/// The simulator's own certificate authority. Kubelet serving certificates are issued from it,
/// so a scraper's default certificate verification (chain to a trusted CA, IP SAN for an IP
/// address) is exercised exactly as against a real cluster whose kubelets have CA-signed certs.
/// Certificate validity is wall-clock time (TLS peers check it), never the simulated clock.
/// </summary>
public sealed class SimulatorCertificateAuthority : IDisposable
{
    /// <summary>The CA file name written beside the kubeconfig.</summary>
    public const string CaFileName = "simulator-ca.crt";

    private static readonly TimeSpan Validity = TimeSpan.FromDays(365);
    // Backdated so a peer whose clock is a little behind still accepts a fresh certificate.
    private static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromHours(1);

    private readonly ECDsa _key;

    private SimulatorCertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        _key = key;
    }

    /// <summary>The CA certificate (public part only).</summary>
    public X509Certificate2 Certificate { get; }

    public static SimulatorCertificateAuthority Create(string commonName = "actorscaler-simulator-ca")
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var selfSigned = request.CreateSelfSigned(now - ClockSkewAllowance, now + Validity);
        var publicOnly = X509CertificateLoader.LoadCertificate(selfSigned.Export(X509ContentType.Cert));
        return new SimulatorCertificateAuthority(publicOnly, key);
    }

    /// <summary>The CA certificate in PEM, as a kubeconfig's certificate-authority file holds it.</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>Writes the CA certificate as PEM and returns the path.</summary>
    public string WriteCaFile(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        File.WriteAllText(path, CertificatePem);
        return path;
    }

    /// <summary>
    /// Issues a TLS server certificate with the given DNS names and, unless
    /// <paramref name="includeLoopbackIpSan"/> is false, an IP SAN for 127.0.0.1. Without the IP
    /// SAN a Go client reaching the server by IP fails with "x509: cannot validate certificate
    /// for 127.0.0.1 because it doesn't contain any IP SANs" — the classic self-signed kubelet case.
    /// </summary>
    public X509Certificate2 IssueServingCertificate(string commonName, IEnumerable<string> dnsNames, bool includeLoopbackIpSan)
    {
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", leafKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        var san = new SubjectAlternativeNameBuilder();
        var anyName = false;
        foreach (var dns in dnsNames)
        {
            san.AddDnsName(dns);
            anyName = true;
        }
        if (includeLoopbackIpSan)
        {
            san.AddIpAddress(IPAddress.Loopback);
            anyName = true;
        }
        if (anyName) request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));

        var now = DateTimeOffset.UtcNow;
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F; // a positive serial number, as RFC 5280 requires
        var generator = X509SignatureGenerator.CreateForECDsa(_key);
        using var issued = request.Create(Certificate.SubjectName, generator, now - ClockSkewAllowance, now + Validity, serial);
        using var withKey = issued.CopyWithPrivateKey(leafKey);
        // A PKCS#12 round trip gives a certificate whose key SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}
