using FactDesk.Api.Http;
using FactDesk.Api.Subscriptions;
using FactDesk.Api.Subscriptions.Deliveries;
using FactDesk.Api.Subscriptions.Subscribing;
using FactDesk.Api.Subscriptions.Unsubscribing;
using Shouldly;

namespace FactDesk.Domain.Tests.Subscriptions;

public class SubscribeTests
{
    private static readonly Actor Editor = new("Mara Lind", Roles.Editor);
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 9, 30, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.Parse("0195a1b2-0000-7000-8000-000000000001");
    private const string Secret = "the-tool-chose-this-secret";

    private static readonly byte[] ServerKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static Subscribe Command(params string[] eventTypes) =>
        new(Id, " https://desk.example/hook ", Subscription.FingerprintSecret(ServerKey, Id, Secret), eventTypes, Editor, Now);

    [Fact]
    public void Subscribing_records_the_url_the_event_types_and_a_fingerprint_of_the_secret_but_not_the_secret()
    {
        var decision = SubscribeDecision.Decide(null, Command("claim-flagged.v1", "claim-assigned"));
        var created = decision.Events.ShouldHaveSingleItem().ShouldBeOfType<SubscriptionCreated>();
        created.SubscriptionId.ShouldBe(Id);
        created.Url.ShouldBe("https://desk.example/hook");
        created.EventTypes.ShouldBe(["claim-flagged.v1", "claim-assigned"]);
        created.SecretHash.ShouldBe(Subscription.FingerprintSecret(ServerKey, Id, Secret));
        created.SecretHash.ShouldNotContain(Secret);
        created.By.ShouldBe(Editor);
        created.At.ShouldBe(Now);
    }

    [Fact]
    public void No_event_types_means_every_event()
    {
        var created = (SubscriptionCreated)SubscribeDecision.Decide(null, Command()).Events.Single();
        created.EventTypes.ShouldBeEmpty();
        WebhookEventTypes.Matches(created.EventTypes, "claim-dismissed.v1").ShouldBeTrue();
    }

    [Fact]
    public void Repeated_event_types_are_kept_once()
    {
        var created = (SubscriptionCreated)SubscribeDecision.Decide(null, Command("claim-flagged", "claim-flagged")).Events.Single();
        created.EventTypes.ShouldBe(["claim-flagged"]);
    }

    [Fact]
    public void Subscribing_again_with_the_same_id_is_a_rule_violation()
    {
        var existing = Subscription.Create((SubscriptionCreated)SubscribeDecision.Decide(null, Command()).Events.Single());
        SubscribeDecision.Decide(existing, Command()).Violation!.Rule.ShouldBe("subscription-already-exists");
    }

    [Fact]
    public void The_fingerprint_of_one_secret_differs_between_subscriptions()
    {
        Subscription.FingerprintSecret(ServerKey, Id, Secret).ShouldNotBe(Subscription.FingerprintSecret(ServerKey, Guid.NewGuid(), Secret));
        Subscription.FingerprintSecret(ServerKey, Id, Secret).ShouldBe(Subscription.FingerprintSecret(ServerKey, Id, Secret));
    }

    [Fact]
    public void The_fingerprint_is_keyed_so_the_log_alone_cannot_test_a_guessed_secret()
    {
        var otherKey = ServerKey.Select(b => (byte)(b ^ 0xFF)).ToArray();
        Subscription.FingerprintSecret(ServerKey, Id, Secret).ShouldNotBe(Subscription.FingerprintSecret(otherKey, Id, Secret));
        var unkeyed = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"factdesk-webhook-secret\n{Id}\n{Secret}")));
        Subscription.FingerprintSecret(ServerKey, Id, Secret).ShouldNotBe(unkeyed);
    }

    [Fact]
    public void Unsubscribing_removes_once_and_then_changes_nothing()
    {
        var subscription = Subscription.Create((SubscriptionCreated)SubscribeDecision.Decide(null, Command()).Events.Single());
        var removed = UnsubscribeDecision.Decide(subscription, new Unsubscribe(Id, Editor, Now)).Events.ShouldHaveSingleItem().ShouldBeOfType<SubscriptionRemoved>();
        var after = subscription.Apply(removed);
        after.IsRemoved.ShouldBeTrue();
        var again = UnsubscribeDecision.Decide(after, new Unsubscribe(Id, Editor, Now));
        again.Events.ShouldBeEmpty();
        again.Violation.ShouldBeNull();
    }

    [Fact]
    public void Only_a_dead_delivery_of_an_active_subscription_is_sent_again()
    {
        var subscription = Subscription.Create((SubscriptionCreated)SubscribeDecision.Decide(null, Command()).Events.Single());
        var command = new Redeliver(Id, Guid.NewGuid(), Editor, Now);

        RedeliverDecision.Decide(subscription, DeliveryStatus.Dead, command).Events.ShouldHaveSingleItem().ShouldBeOfType<RedeliveryRequested>()
            .DeliveryId.ShouldBe(command.DeliveryId);
        RedeliverDecision.Decide(subscription, DeliveryStatus.Pending, command).Events.ShouldBeEmpty();
        RedeliverDecision.Decide(subscription, DeliveryStatus.Delivered, command).Violation!.Rule.ShouldBe("delivery-not-dead");
        var removed = subscription.Apply(new SubscriptionRemoved(Id, Editor, Now));
        RedeliverDecision.Decide(removed, DeliveryStatus.Dead, command).Violation!.Rule.ShouldBe("subscription-removed");
    }
}
