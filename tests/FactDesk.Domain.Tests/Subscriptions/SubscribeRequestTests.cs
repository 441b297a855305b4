using FactDesk.Api.Http;
using FactDesk.Api.Subscriptions;
using FactDesk.Api.Subscriptions.Subscribing;
using Shouldly;

namespace FactDesk.Domain.Tests.Subscriptions;

public class SubscribeRequestTests
{
    private static IDictionary<string, string[]> Errors(SubscribeRequest request)
    {
        var check = new Validation();
        request.Validate(check);
        return check.Errors;
    }

    [Fact]
    public void A_versioned_or_unversioned_known_event_type_is_accepted()
    {
        Errors(new("https://desk.example/hook", "0123456789abcdef", ["claim-flagged.v1", "claim-flagged", "document-ingested"])).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("claim-flagged.v9")]
    [InlineData("claim-flaged")]
    [InlineData("subscription-removed")]
    [InlineData("redelivery-requested.v1")]
    [InlineData("")]
    public void Unknown_and_subscription_event_types_are_refused(string name)
    {
        Errors(new("https://desk.example/hook", "0123456789abcdef", [name])).Keys.ShouldBe(["eventTypes"]);
    }

    [Theory]
    [InlineData(15, true)]
    [InlineData(16, false)]
    [InlineData(256, false)]
    [InlineData(257, true)]
    public void The_secret_is_16_to_256_characters(int length, bool refused)
    {
        Errors(new("https://desk.example/hook", new string('k', length), null)).ContainsKey("secret").ShouldBe(refused);
    }

    [Fact]
    public void No_secret_is_accepted_because_FactDesk_makes_one()
    {
        Errors(new("https://desk.example/hook", null, null)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(23, true)]
    [InlineData(24, false)]
    [InlineData(32, false)]
    public void A_whsec_secret_carries_the_base64_of_at_least_24_bytes(int keyBytes, bool refused)
    {
        var secret = "whsec_" + Convert.ToBase64String(new byte[keyBytes].Select((_, i) => (byte)(i * 7)).ToArray());
        Errors(new("https://desk.example/hook", secret, null)).ContainsKey("secret").ShouldBe(refused);
    }

    [Fact]
    public void A_made_secret_is_whsec_and_base64_of_32_random_bytes()
    {
        var secret = FactDesk.Api.Webhooks.WebhookMessage.NewSecret();
        secret.ShouldStartWith("whsec_");
        Convert.FromBase64String(secret["whsec_".Length..]).Length.ShouldBe(32);
        FactDesk.Api.Webhooks.WebhookMessage.NewSecret().ShouldNotBe(secret);
    }

    [Fact]
    public void A_secret_with_control_characters_is_refused_without_repeating_it()
    {
        var secret = "line-one\nline-two-of-it";
        var errors = Errors(new("https://desk.example/hook", secret, null));
        errors["secret"].ShouldAllBe(message => !message.Contains("line-one"));
    }

    [Fact]
    public void Unversioned_names_match_every_version_and_versioned_names_only_theirs()
    {
        WebhookEventTypes.Matches(["claim-flagged"], "claim-flagged.v1").ShouldBeTrue();
        WebhookEventTypes.Matches(["claim-flagged"], "claim-flagged.v2").ShouldBeTrue();
        WebhookEventTypes.Matches(["claim-flagged.v1"], "claim-flagged.v2").ShouldBeFalse();
        WebhookEventTypes.Matches(["claim-flagged.v1"], "claim-assigned.v1").ShouldBeFalse();
        WebhookEventTypes.Unversioned("fact-check-published.v12").ShouldBe("fact-check-published");
        WebhookEventTypes.Unversioned("plain").ShouldBe("plain");
    }
}
