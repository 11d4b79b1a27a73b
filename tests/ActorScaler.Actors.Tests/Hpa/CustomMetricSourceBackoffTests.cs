using ActorScaler.Actors.Hpa;
using ActorScaler.Core.Decision;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;

namespace ActorScaler.Actors.Tests.Hpa;

/// <summary>
/// The metric child's retry schedule on the TestScheduler: the actor's timers fire only when the test
/// moves the scheduler's clock, so the 1 s, 2 s, 4 s ... gaps are asserted exactly, not as wall-clock
/// ranges that a busy machine stretches.
/// </summary>
public sealed class CustomMetricSourceBackoffTests() : TestKit(@"akka.scheduler.implementation = ""Akka.TestKit.TestScheduler, Akka.TestKit""")
{
    private const string Key = "default/web";
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    private readonly FakeInputs _inputs = new();
    private readonly FakeTimeProvider _time = new(HpaFixtures.Now);

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    [Fact]
    public void A_failing_child_backs_off_doubling_from_one_second_up_to_the_poll_interval()
    {
        var provider = new FakeCustomMetrics { Time = _time }; // no value set: every call fails
        var pollInterval = TimeSpan.FromSeconds(5);
        _inputs.Put(CustomMetricSourceTests.RpsHpa());
        _inputs.Scales[Key] = HpaFixtures.Scale("web", 1);
        _inputs.Pods["default/web-1"] = HpaFixtures.Pod("web-1", "web", 100);
        var context = new HpaControllerContext(
            new HpaControllerOptions
            {
                SyncPeriod = TimeSpan.FromHours(1),
                FreshMetricsDebounce = TimeSpan.FromMilliseconds(20),
                MinPassInterval = TimeSpan.Zero,
                CustomMetricsPollInterval = pollInterval,
                CustomMetricsStalenessBudget = TimeSpan.FromMinutes(2),
                Settings = ControllerSettings.Production,
            },
            _inputs, new FakeMetrics(), new FakeWriter(_inputs), _time, provider);
        var entity = ChildActorOf(HpaSupervisor.Props(Key, context));
        entity.Tell(new EnsureHpa(Key), TestActor);

        // The first ask goes out at once.
        AwaitCondition(() => provider.Calls.Count == 1, TimeSpan.FromSeconds(5));
        var expected = 1;
        // Then after 1 s, 2 s, 4 s, and from there every poll interval (5 s), never sooner.
        foreach (var gap in new[] { 1, 2, 4, 5, 5 }.Select(s => TimeSpan.FromSeconds(s)))
        {
            Scheduler.Advance(gap - TimeSpan.FromMilliseconds(100));
            Thread.Sleep(Settle);
            Assert.True(provider.Calls.Count == expected, $"asked again before the {gap.TotalSeconds:0} s backoff was over ({provider.Calls.Count} calls, expected {expected})");
            Scheduler.Advance(TimeSpan.FromMilliseconds(100));
            expected++;
            AwaitCondition(() => provider.Calls.Count == expected, TimeSpan.FromSeconds(5), $"no retry {gap.TotalSeconds:0} s after the last failure");
        }
    }
}
