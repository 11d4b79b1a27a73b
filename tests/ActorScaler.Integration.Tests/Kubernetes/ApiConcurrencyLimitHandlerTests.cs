using System.Net;
using ActorScaler.Kubernetes.Clients;
using Xunit;

namespace ActorScaler.Integration.Tests.Kubernetes;

public sealed class ApiConcurrencyLimitHandlerTests
{
    /// <summary>Answers when released; counts how many requests are inside at once.</summary>
    private sealed class GateHandler : HttpMessageHandler
    {
        private int _inside;
        public int MaxInside;
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var inside = Interlocked.Increment(ref _inside);
            lock (this)
                MaxInside = Math.Max(MaxInside, inside);
            await Release.Task.WaitAsync(cancellationToken);
            Interlocked.Decrement(ref _inside);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task Holds_requests_beyond_the_limit_until_one_finishes_but_never_holds_watches()
    {
        var gate = new GateHandler();
        using var client = new HttpClient(new ApiConcurrencyLimitHandler(2) { InnerHandler = gate });
        var requests = Enumerable.Range(0, 6)
            .Select(i => client.PutAsync($"https://127.0.0.1/apis/apps/v1/namespaces/ns/deployments/app-{i}/scale", null))
            .ToList();
        // Watches pass even with every slot taken.
        var watch = client.GetAsync("https://127.0.0.1/api/v1/pods?watch=true");
        await WaitUntil(() => gate.MaxInside == 3);
        Assert.DoesNotContain(requests, r => r.IsCompleted);

        gate.Release.SetResult();
        await Task.WhenAll(requests);
        await watch;
        Assert.Equal(3, gate.MaxInside); // two writes and the watch, never more
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
