using System.Net;
using ActorScaler.Kubernetes.Clients;
using Xunit;

namespace ActorScaler.Integration.Tests.Kubernetes;

public sealed class WriteGateHandlerTests
{
    private sealed class Gate : IWriteGate
    {
        public string? Closed { get; set; }

        public bool TryAllow(out string reason)
        {
            reason = Closed ?? "";
            return Closed is null;
        }
    }

    /// <summary>Counts what reaches the wire.</summary>
    private sealed class Wire : HttpMessageHandler
    {
        public int Sent;
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Sent);
            await Release.Task.WaitAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A_write_queued_while_the_gate_was_open_is_refused_when_it_leaves_the_queue_after_the_gate_closed()
    {
        var gate = new Gate();
        var wire = new Wire();
        // As the member's client is built: the queue (one slot here), then the gate.
        using var client = new HttpClient(new ApiConcurrencyLimitHandler(1) { InnerHandler = new WriteGateHandler(gate) { InnerHandler = wire } });
        const string Scale = "https://127.0.0.1/apis/apps/v1/namespaces/ns/deployments/web/scale";

        var first = client.PutAsync(Scale, null);         // takes the slot
        var queued = client.PutAsync(Scale, null);        // waits for it, issued while the gate is open
        await WaitUntil(() => wire.Sent == 1);
        gate.Closed = "write fenced: no contact with a majority of the 3 members for 3.4s (limit 3.0s)";
        wire.Release.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => queued);
        Assert.Equal(gate.Closed, refused.Message);
        Assert.Equal(1, wire.Sent);

        // Reads and watches are never gated; writes pass again once the gate opens.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Scale)).StatusCode);
        gate.Closed = null;
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsync(Scale, null)).StatusCode);
        Assert.Equal(3, wire.Sent);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }
}
