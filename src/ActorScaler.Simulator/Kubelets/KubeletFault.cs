using System.Globalization;

namespace ActorScaler.Simulator.Kubelets;

/// <summary>What a simulated kubelet does wrong when asked for its metrics.</summary>
public enum KubeletFaultMode
{
    /// <summary>Healthy: serves its metrics.</summary>
    None,

    /// <summary>Resets every connection before the TLS handshake, like a stopped kubelet.</summary>
    Down,

    /// <summary>Answers 200 with a body that is not Prometheus text.</summary>
    Garbage,

    /// <summary>Answers what a kubelet sends when its stats provider failed: only <c>resource_scrape_error 1</c>.</summary>
    ScrapeError,
}

/// <summary>
/// A kubelet fault: a mode plus an optional delay before answering (the "slow" fault, which can
/// also delay a garbage or scrape-error answer).
/// </summary>
public sealed record KubeletFault(KubeletFaultMode Mode, TimeSpan Delay)
{
    public static readonly KubeletFault Healthy = new(KubeletFaultMode.None, TimeSpan.Zero);

    public bool IsHealthy => Mode == KubeletFaultMode.None && Delay <= TimeSpan.Zero;

    /// <summary>The wire name of a mode, as the admin API takes and reports it.</summary>
    public static string WireName(KubeletFaultMode mode) => mode switch
    {
        KubeletFaultMode.Down => "down",
        KubeletFaultMode.Garbage => "garbage",
        KubeletFaultMode.ScrapeError => "scrape-error",
        _ => "none",
    };

    /// <summary>
    /// Parses the admin API's form: <c>none</c>, <c>down</c>, <c>garbage</c>, <c>scrape-error</c> or
    /// <c>slow</c>, the last needing <paramref name="delayMs"/> (which the others may also carry).
    /// </summary>
    public static bool TryParse(string? mode, string? delayMs, out KubeletFault fault, out string? error)
    {
        fault = Healthy;
        error = null;
        var delay = TimeSpan.Zero;
        if (!string.IsNullOrEmpty(delayMs))
        {
            if (!int.TryParse(delayMs, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms < 0)
            {
                error = $"delayMs: Invalid value: \"{delayMs}\": must be a non-negative integer number of milliseconds";
                return false;
            }
            delay = TimeSpan.FromMilliseconds(ms);
        }
        KubeletFaultMode parsed;
        switch (mode)
        {
            case "none" or "" or null:
                parsed = KubeletFaultMode.None;
                break;
            case "down":
                parsed = KubeletFaultMode.Down;
                break;
            case "garbage":
                parsed = KubeletFaultMode.Garbage;
                break;
            case "scrape-error":
                parsed = KubeletFaultMode.ScrapeError;
                break;
            case "slow":
                if (delay <= TimeSpan.Zero)
                {
                    error = "delayMs: Required value: the slow fault needs a positive delayMs";
                    return false;
                }
                parsed = KubeletFaultMode.None;
                break;
            default:
                error = $"mode: Unsupported value: \"{mode}\": supported values: \"none\", \"down\", \"slow\", \"garbage\", \"scrape-error\"";
                return false;
        }
        fault = new KubeletFault(parsed, delay);
        return true;
    }
}

/// <summary>Which serving certificate the simulated kubelets present.</summary>
public enum KubeletCertificateMode
{
    /// <summary>Signed by the simulator CA with an IP SAN for 127.0.0.1: default verification passes.</summary>
    IpSan,

    /// <summary>
    /// Signed by the simulator CA but with DNS names only: reaching it by IP fails verification with
    /// "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs".
    /// </summary>
    NoIpSan,
}

public static class KubeletCertificateModes
{
    public static string WireName(KubeletCertificateMode mode) => mode == KubeletCertificateMode.NoIpSan ? "no-ip-san" : "ip-san";

    public static bool TryParse(string? text, out KubeletCertificateMode mode)
    {
        switch (text)
        {
            case "ip-san":
                mode = KubeletCertificateMode.IpSan;
                return true;
            case "no-ip-san":
                mode = KubeletCertificateMode.NoIpSan;
                return true;
            default:
                mode = KubeletCertificateMode.IpSan;
                return false;
        }
    }
}
