using FactDesk.Api.Http;
using Shouldly;

namespace FactDesk.Domain.Tests.Http;

public class SignInThrottleTests
{
    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void A_spray_of_addresses_never_grows_the_table_past_its_bound()
    {
        var throttle = new SignInThrottle(new SettableClock());
        for (var i = 0; i < 60_000; i++) throttle.RecordFailure($"10.{i / 65536}.{i / 256 % 256}.{i % 256}", "guess");
        throttle.Tracked.ShouldBeLessThanOrEqualTo(SignInThrottle.MaxTracked);
    }

    [Fact]
    public void Failures_count_per_address_and_credential_prefix_and_end_with_the_window()
    {
        var clock = new SettableClock();
        var throttle = new SignInThrottle(clock);
        for (var i = 0; i < SignInThrottle.MaxFailures; i++) throttle.RecordFailure("192.0.2.1", "guessing-token-1");
        throttle.IsBlocked("192.0.2.1", "guessing-token-2", out var retryAfter).ShouldBeTrue("same first eight characters");
        retryAfter.ShouldBe(SignInThrottle.Window);
        throttle.IsBlocked("192.0.2.1", "another-token", out _).ShouldBeFalse();
        throttle.IsBlocked("192.0.2.2", "guessing-token-1", out _).ShouldBeFalse();
        clock.Now += SignInThrottle.Window;
        throttle.IsBlocked("192.0.2.1", "guessing-token-1", out _).ShouldBeFalse();
    }

    [Fact]
    public void The_table_keeps_no_credential_characters()
    {
        SignInThrottle.CredentialKey("192.0.2.1", "secret-token-value").ShouldNotContain("secret");
    }
}
