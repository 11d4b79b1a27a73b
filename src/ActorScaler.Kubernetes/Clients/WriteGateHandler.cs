namespace ActorScaler.Kubernetes.Clients;

/// <summary>Whether this process may change anything in the cluster right now, and if not, why.</summary>
public interface IWriteGate
{
    bool TryAllow(out string reason);
}

/// <summary>
/// Asks the <see cref="IWriteGate"/> again when a mutating request (POST, PUT, PATCH, DELETE) actually
/// leaves for the API server: placed after <see cref="ApiConcurrencyLimitHandler"/>, it sees a write at the
/// moment it gets a connection slot, not when it was issued. A write issued while the member was in good
/// standing can wait behind the slot limit on a saturated machine for longer than the write fence's TTL;
/// checked only at issue time, it could land after the majority had handed its target to another member.
/// A refused request fails as an <see cref="HttpRequestException"/> carrying the gate's reason, which the
/// writers report like a network error. Reads and watches pass untouched.
/// </summary>
public sealed class WriteGateHandler(IWriteGate gate) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (IsWrite(request.Method) && !gate.TryAllow(out var reason))
            throw new HttpRequestException(reason);
        return base.SendAsync(request, cancellationToken);
    }

    public static bool IsWrite(HttpMethod method) =>
        method == HttpMethod.Post || method == HttpMethod.Put || method == HttpMethod.Patch || method == HttpMethod.Delete;
}
