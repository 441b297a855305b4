using FactDesk.Api.Http;
using FactDesk.Api.Subscriptions;
using FactDesk.Api.Subscriptions.RotatingSecrets;
using Shouldly;

namespace FactDesk.Domain.Tests.Subscriptions;

public class RotateSecretTests
{
    private static readonly Actor Editor = new("Mara Lind", Roles.Editor);
    private static readonly DateTimeOffset Now = new(2025, 2, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.NewGuid();
    private static readonly Subscription Subscribed = new(Id, "https://desk.example/hook", "old-fingerprint", [], Editor, Now.AddDays(-3));

    [Fact]
    public void Rotating_names_the_new_fingerprint_and_keeps_the_previous_one_until_the_grace_ends()
    {
        var decision = RotateSecretDecision.Decide(Subscribed, new RotateSecret(Id, "new-fingerprint", Now.AddHours(24), Editor, Now));
        var rotated = decision.Events.ShouldHaveSingleItem().ShouldBeOfType<SubscriptionSecretRotated>();
        rotated.ShouldBe(new SubscriptionSecretRotated(Id, "new-fingerprint", "old-fingerprint", Now.AddHours(24), Editor, Now));
        Subscribed.Apply(rotated).SecretHash.ShouldBe("new-fingerprint");
    }

    [Fact]
    public void Rotating_to_the_secret_the_subscription_already_has_is_refused()
    {
        RotateSecretDecision.Decide(Subscribed, new RotateSecret(Id, "old-fingerprint", Now.AddHours(24), Editor, Now))
            .Violation!.Rule.ShouldBe("same-secret");
    }

    [Fact]
    public void A_removed_subscription_has_no_secret_to_rotate()
    {
        var removed = Subscribed with { RemovedBy = Editor, RemovedAt = Now.AddDays(-1) };
        RotateSecretDecision.Decide(removed, new RotateSecret(Id, "new-fingerprint", Now.AddHours(24), Editor, Now))
            .Violation!.Rule.ShouldBe("subscription-removed");
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("0123456789abcdef", false)]
    [InlineData("short", true)]
    [InlineData("whsec_c2hvcnQ=", true)]
    public void The_new_secret_follows_the_rules_of_subscribing(string? secret, bool refused)
    {
        var check = new Validation();
        new RotateSecretRequest(secret).Validate(check);
        (check.Errors.Count > 0).ShouldBe(refused);
    }
}
