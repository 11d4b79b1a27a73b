using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ActorScaler.Metrics.Scraping;

/// <summary>Why a kubelet request gave no data. The names double as condition reasons, so they are
/// stable and CamelCase (logs, `top`, alerts).</summary>
public static class ScrapeReasons
{
    public const string Succeeded = "ScrapeSucceeded";
    /// <summary>The node publishes no address of a preferred type.</summary>
    public const string NoAddress = "NoKubeletAddress";
    /// <summary>Connection refused or reset, DNS failure: the kubelet is down or unreachable.</summary>
    public const string Unreachable = "KubeletUnreachable";
    /// <summary>No complete answer within --kubelet-request-timeout.</summary>
    public const string Timeout = "KubeletTimeout";
    /// <summary>The serving certificate failed verification (unknown CA, missing IP SAN, wrong name).</summary>
    public const string CertificateInvalid = "KubeletCertificateInvalid";
    /// <summary>A non-200 answer (401/403 for RBAC, 404 for a wrong path...).</summary>
    public const string HttpError = "KubeletHttpError";
    /// <summary>A 200 answer that is not kubelet resource metrics.</summary>
    public const string InvalidPayload = "KubeletInvalidPayload";
    /// <summary>The kubelet answered <c>resource_scrape_error 1</c>: its stats provider failed.</summary>
    public const string KubeletScrapeError = "KubeletScrapeError";
}

/// <summary>A failed kubelet request: <see cref="Reason"/> is one of <see cref="ScrapeReasons"/>, the
/// message says what went wrong (and, where there is one, the fix) without the node and URL, which the
/// caller prefixes.</summary>
public sealed class KubeletScrapeException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}

/// <summary>Where the bearer token for kubelet requests comes from.</summary>
public interface IBearerTokenSource
{
    /// <summary>The current token, or null to send none.</summary>
    string? Token { get; }
}

/// <summary>A token from the kubeconfig: fixed for the process lifetime.</summary>
public sealed class StaticBearerToken(string token) : IBearerTokenSource
{
    public string? Token { get; } = token;
}

/// <summary>
/// A projected service-account token file (in cluster: /var/run/secrets/kubernetes.io/serviceaccount/token).
/// The kubelet rotates it (hourly by default); it is re-read whenever the file's modification time
/// changes, so a rotated token is used from the next request without a restart.
/// </summary>
public sealed class BearerTokenFile(string path) : IBearerTokenSource
{
    private readonly Lock _lock = new();
    private DateTime _readAt = DateTime.MinValue;
    private string? _token;

    public string Path { get; } = path;

    public string? Token
    {
        get
        {
            lock (_lock)
            {
                DateTime modified;
                try
                {
                    modified = File.GetLastWriteTimeUtc(Path);
                }
                catch (IOException)
                {
                    return _token; // mid-rotation (the kubelet swaps a symlink): keep the last token
                }
                if (modified != _readAt)
                {
                    try
                    {
                        _token = File.ReadAllText(Path).Trim();
                        _readAt = modified;
                    }
                    catch (IOException)
                    {
                        // Same as above: the next request retries.
                    }
                }
                return _token;
            }
        }
    }
}

/// <summary>How kubelets are reached; shared by every scraper of a member.</summary>
public sealed record KubeletClientOptions
{
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>--kubelet-insecure-tls: skip verification of the kubelet's serving certificate.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The CAs kubelet serving certificates must chain to (the cluster CA, or
    /// --kubelet-certificate-authority); null trusts the system store.</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    public IBearerTokenSource? BearerToken { get; init; }

    /// <summary>A client certificate (with key) from the kubeconfig, when it authenticates that way.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    public string UserAgent { get; init; } = "actorscaler";

    /// <summary>A larger answer is not a kubelet's (about 0.7 KB per container): refuse it rather
    /// than buffer it.</summary>
    public int MaxResponseBytes { get; init; } = 64 * 1024 * 1024;
}

/// <summary>A kubelet answer in a pooled buffer; dispose returns the buffer.</summary>
public sealed class KubeletPayload : IDisposable
{
    private byte[]? _buffer;

    internal KubeletPayload(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    /// <summary>A payload holding a copy of <paramref name="bytes"/> (tests, benchmarks, other transports).</summary>
    public static KubeletPayload Copy(ReadOnlySpan<byte> bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, bytes.Length));
        bytes.CopyTo(buffer);
        return new KubeletPayload(buffer, bytes.Length);
    }

    public int Length { get; }

    /// <summary>The W3C traceparent of the scrape's span when this scrape was traced (sampled), so whoever
    /// carries the samples on can continue the trace; null otherwise.</summary>
    public string? TraceParent { get; internal set; }

    public ReadOnlySpan<byte> Span => (_buffer ?? throw new ObjectDisposedException(nameof(KubeletPayload))).AsSpan(0, Length);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } b)
            ArrayPool<byte>.Shared.Return(b);
    }
}

/// <summary>Fetches one node's resource metrics; one instance per scraper.</summary>
public interface IKubeletClient : IDisposable
{
    /// <summary>GETs <paramref name="url"/>; throws <see cref="KubeletScrapeException"/> on any failure.</summary>
    Task<KubeletPayload> GetAsync(Uri url, CancellationToken cancellationToken);
}

/// <summary>
/// The HTTP client of one scraper: its own <see cref="SocketsHttpHandler"/> (one kept-alive connection
/// to its kubelet, gzip), the serving certificate verified as Go's crypto/tls does (chain to the given
/// CAs, and an IP SAN when the kubelet is reached by IP), and errors turned into
/// <see cref="KubeletScrapeException"/> with metrics-server-like messages plus the fix.
/// </summary>
public sealed class KubeletClient : IKubeletClient
{
    private const int InitialBufferBytes = 16 * 1024;

    private readonly KubeletClientOptions _options;
    private readonly HttpClient _http;
    // The TLS callback runs inside SendAsync on this scraper's only request, so a field carries the
    // verification error out to the exception handler (HttpClient only reports "authentication failed").
    private string? _certificateError;
    // The status of the answer, for the requests counter (null until an answer arrives).
    private int? _statusCode;

    public KubeletClient(KubeletClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = ValidateServerCertificate,
        };
        if (options.ClientCertificate is { } clientCertificate)
            ssl.ClientCertificates = [clientCertificate];
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.GZip,
            // One request at a time per kubelet: one connection, kept for as long as it works.
            MaxConnectionsPerServer = 1,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = options.RequestTimeout,
            SslOptions = ssl,
            UseCookies = false,
            UseProxy = false,
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
    }

    public async Task<KubeletPayload> GetAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var started = Stopwatch.GetTimestamp();
        using var activity = ScrapeTelemetry.StartScrape(url);
        _statusCode = null;
        try
        {
            var payload = await SendAsync(url, cancellationToken).ConfigureAwait(false);
            ScrapeTelemetry.Succeeded(activity, Stopwatch.GetElapsedTime(started), _statusCode ?? 200, payload.Length);
            if (activity is not null)
                payload.TraceParent = activity.Id;
            return payload;
        }
        catch (KubeletScrapeException ex)
        {
            ScrapeTelemetry.Failed(activity, Stopwatch.GetElapsedTime(started), _statusCode, ex.Reason, ex.Message);
            throw;
        }
    }

    private async Task<KubeletPayload> SendAsync(Uri url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (_options.BearerToken?.Token is { Length: > 0 } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _certificateError = null;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            _statusCode = (int)response.StatusCode;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var body = await ReadPrefixAsync(response, timeout.Token).ConfigureAwait(false);
                throw new KubeletScrapeException(ScrapeReasons.HttpError, StatusMessage(response.StatusCode, body));
            }
            return await ReadBodyAsync(response, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubeletScrapeException(ScrapeReasons.Timeout,
                $"no answer within --kubelet-request-timeout={Core.Durations.GoDuration.Format(_options.RequestTimeout)} (the kubelet is slow or overloaded)");
        }
        catch (HttpRequestException ex) when (_certificateError is { } certificateError)
        {
            throw new KubeletScrapeException(ScrapeReasons.CertificateInvalid, certificateError, ex);
        }
        catch (HttpRequestException ex) when (ex.InnerException is AuthenticationException auth)
        {
            throw new KubeletScrapeException(ScrapeReasons.CertificateInvalid, $"TLS handshake failed: {auth.Message}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new KubeletScrapeException(ScrapeReasons.Unreachable, ConnectionMessage(ex), ex);
        }
        catch (IOException ex)
        {
            // The connection broke while the body was read.
            throw new KubeletScrapeException(ScrapeReasons.Unreachable, $"connection lost while reading the answer: {ex.Message}", ex);
        }
    }

    private async Task<KubeletPayload> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var declared = response.Content.Headers.ContentLength;
        if (declared > _options.MaxResponseBytes)
            throw new KubeletScrapeException(ScrapeReasons.InvalidPayload, $"the answer is {declared} bytes, more than the {_options.MaxResponseBytes} a kubelet sends");
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 and < int.MaxValue ? (int)declared.Value + 1 : InitialBufferBytes);
            var length = 0;
            try
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (buffer.Length >= _options.MaxResponseBytes)
                            throw new KubeletScrapeException(ScrapeReasons.InvalidPayload, $"the answer exceeds {_options.MaxResponseBytes} bytes, more than a kubelet sends");
                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _options.MaxResponseBytes));
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                        break;
                    length += read;
                }
                var payload = new KubeletPayload(buffer, length);
                buffer = null!;
                return payload;
            }
            finally
            {
                if (buffer is not null)
                    ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static async Task<string> ReadPrefixAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 200)).Trim();
            return text;
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    internal static string StatusMessage(HttpStatusCode status, string body)
    {
        var code = ((int)status).ToString(CultureInfo.InvariantCulture);
        var text = $"request failed, status {code} {status}" + (body.Length > 0 ? $": {body}" : "");
        return status switch
        {
            HttpStatusCode.Unauthorized => text + "; the kubelet did not accept the credentials (is webhook authentication on and the token valid?)",
            HttpStatusCode.Forbidden => text + "; grant the member's identity get on nodes/metrics (ClusterRole system:metrics-server has it)",
            HttpStatusCode.NotFound => text + "; check the path (node annotation metrics.k8s.io/resource-metrics-path) and that the kubelet is 1.18 or newer",
            _ => text,
        };
    }

    private static string ConnectionMessage(HttpRequestException ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused (is the kubelet running and listening on this port?)",
                    SocketError.ConnectionReset => "connection reset by peer",
                    SocketError.HostNotFound or SocketError.NoData => $"no such host ({socket.Message})",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"host unreachable ({socket.Message})",
                    _ => socket.Message,
                };
        }
        return ex.HttpRequestError switch
        {
            HttpRequestError.ResponseEnded => "the connection closed before an answer (is the kubelet running?)",
            HttpRequestError.InvalidResponse => $"the answer is not HTTP: {ex.Message}",
            _ => ex.Message,
        };
    }

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_options.InsecureSkipTlsVerify)
            return true;
        var host = sender is SslStream { TargetHostName: { Length: > 0 } h } ? h : "";
        _certificateError = Verify(certificate as X509Certificate2, host, _options.CertificateAuthorities, errors);
        return _certificateError is null;
    }

    /// <summary>
    /// Go's x509 verification for a TLS client: the chain must end at one of <paramref name="roots"/>
    /// (or the system store when null), and the leaf must name <paramref name="host"/> — for an IP
    /// address, as an IP SAN (Go never falls back to the Common Name). Returns null when valid, else the
    /// Go error text followed by the fix.
    /// </summary>
    public static string? Verify(X509Certificate2? leaf, string host, X509Certificate2Collection? roots, SslPolicyErrors systemErrors)
    {
        if (leaf is null)
            return "the kubelet presented no serving certificate";
        if (roots is not null)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (!chain.Build(leaf))
            {
                var status = chain.ChainStatus.Length > 0 ? chain.ChainStatus[0].Status : X509ChainStatusFlags.NoError;
                return status == X509ChainStatusFlags.NotTimeValid
                    ? $"x509: certificate has expired or is not yet valid (valid {leaf.NotBefore:O} to {leaf.NotAfter:O})"
                    : $"x509: certificate signed by unknown authority (issuer \"{leaf.Issuer}\"); fix: pass the CA that signs kubelet serving certificates with --kubelet-certificate-authority, or opt out of verification with --kubelet-insecure-tls";
            }
        }
        else if ((systemErrors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return $"x509: certificate signed by unknown authority (issuer \"{leaf.Issuer}\"); fix: pass the CA that signs kubelet serving certificates with --kubelet-certificate-authority, or opt out of verification with --kubelet-insecure-tls";
        }

        var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (IPAddress.TryParse(host, out var ip))
        {
            var ips = san?.EnumerateIPAddresses().ToList() ?? [];
            if (ips.Count == 0)
                return $"x509: cannot validate certificate for {host} because it doesn't contain any IP SANs; fix: give the kubelet a serving certificate with an IP SAN for {host} (serverTLSBootstrap: true), " +
                    "reach it by a name the certificate has (--kubelet-preferred-address-types=Hostname,...), or opt out of verification with --kubelet-insecure-tls";
            if (!ips.Contains(ip))
                return $"x509: certificate is valid for {string.Join(", ", ips)}, not {host}; fix: give the kubelet a serving certificate with an IP SAN for {host}, or opt out of verification with --kubelet-insecure-tls";
            return null;
        }
        if (host.Length > 0 && !leaf.MatchesHostname(host))
        {
            var names = san?.EnumerateDnsNames().ToList() ?? [];
            return $"x509: certificate is valid for {(names.Count == 0 ? "no DNS names" : string.Join(", ", names))}, not {host}; fix: give the kubelet a serving certificate for {host}, or opt out of verification with --kubelet-insecure-tls";
        }
        return null;
    }

    public void Dispose() => _http.Dispose();
}
