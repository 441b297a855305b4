using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace FactDesk.Api.Tests.Webhooks;

/// <summary>Subscribing and receiving one delivery, as a receiver that verifies with the Standard Webhooks library sees it.</summary>
public static class StandardWebhookSteps
{
    /// <summary>Subscribes (with the given secret, or none so FactDesk makes one), flags a claim and returns the secret and what arrived.</summary>
    public static async Task<(string Secret, WebhookReceiver.Received Delivery)> ReceiveOneAsync(
        this FactDeskApi api, WebhookReceiver receiver, string? secret = null)
    {
        var response = await api.Editor.PostJsonAsync("/api/subscriptions",
            secret is null ? new { url = receiver.Url, eventTypes = new[] { "claim-flagged.v1" } } : new { url = receiver.Url, secret, eventTypes = new[] { "claim-flagged.v1" } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var answer = await response.ReadJsonAsync();
        if (secret is null) secret = answer.GetProperty("secret").GetString()!;
        else answer.TryGetProperty("secret", out _).ShouldBeFalse("a secret the subscriber chose is never sent back");

        var claimId = await api.FlagClaimAsync($"Wages rose {Random.Shared.Next(1, 99)}.{Random.Shared.Next(1, 9)}% in {Guid.NewGuid():N}");
        var all = await receiver.WaitUntilAsync(received => received.Any(r => r.Subject == claimId.ToString()));
        return (secret, all.Single(r => r.Subject == claimId.ToString()));
    }

    public static string Text(this WebhookReceiver.Received delivery) => Encoding.UTF8.GetString(delivery.Body);
}

public class StandardWebhooksTests(ApiSendingWebhooksFast api) : IClassFixture<ApiSendingWebhooksFast>
{
    [Fact]
    public async Task Subscribing_without_a_secret_answers_a_new_whsec_secret_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var response = await api.Editor.PostJsonAsync("/api/subscriptions", new { url = receiver.Url });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var answer = await response.ReadJsonAsync();
        var secret = answer.GetProperty("secret").GetString()!;
        var id = answer.GetProperty("id").GetGuid();

        secret.ShouldStartWith("whsec_");
        Convert.FromBase64String(secret["whsec_".Length..]).Length.ShouldBeGreaterThanOrEqualTo(24);
        (await (await api.Editor.GetAsync($"/api/subscriptions/{id}")).Content.ReadAsStringAsync()).ShouldNotContain(secret);
        (await (await api.Editor.GetAsync("/api/subscriptions")).Content.ReadAsStringAsync()).ShouldNotContain(secret);
        (await (await api.Auditor.GetAsync("/api/audit")).Content.ReadAsStringAsync()).ShouldNotContain(secret);
        await api.UnsubscribeAsync(id);
    }

    [Fact]
    public async Task A_delivery_signed_with_a_secret_FactDesk_made_verifies_with_the_Standard_Webhooks_library()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (secret, delivery) = await api.ReceiveOneAsync(receiver);

        Should.NotThrow(() => new StandardWebhook(secret).Verify(delivery.Text(), delivery.Headers));
        delivery.Headers["webhook-id"].ToString().ShouldBe(delivery.Delivery);
        long.Parse(delivery.Headers["webhook-timestamp"]!).ShouldBeInRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        // The CloudEvent body and FactDesk's own signature are still there, for receivers written against them.
        delivery.ContentType.ShouldBe("application/cloudevents+json; charset=utf-8");
        delivery.Json.GetProperty("specversion").GetString().ShouldBe("1.0");
        delivery.Signature.ShouldBe("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), delivery.Body)));
    }

    [Fact]
    public async Task A_tampered_body_is_rejected_by_the_Standard_Webhooks_library()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (secret, delivery) = await api.ReceiveOneAsync(receiver);

        var tampered = delivery.Text().Replace("Wages rose", "Wages fell");
        tampered.ShouldNotBe(delivery.Text());
        Should.Throw<WebhookVerificationException>(() => new StandardWebhook(secret).Verify(tampered, delivery.Headers));
    }

    [Fact]
    public async Task A_delivery_verified_with_another_secret_is_rejected()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, delivery) = await api.ReceiveOneAsync(receiver);

        var another = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Should.Throw<WebhookVerificationException>(() => new StandardWebhook(another).Verify(delivery.Text(), delivery.Headers));
    }

    [Fact]
    public async Task A_secret_the_subscriber_chose_in_the_older_plain_form_signs_with_its_UTF8_bytes()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (secret, delivery) = await api.ReceiveOneAsync(receiver, WebhookSteps.Secret);

        var key = Encoding.UTF8.GetBytes(secret);
        Should.NotThrow(() => new StandardWebhook(key).Verify(delivery.Text(), delivery.Headers));
        Should.NotThrow(() => new StandardWebhook("whsec_" + Convert.ToBase64String(key)).Verify(delivery.Text(), delivery.Headers));
    }

    [Fact]
    public async Task A_whsec_secret_the_subscriber_chose_signs_with_its_decoded_bytes()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var chosen = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        var (_, delivery) = await api.ReceiveOneAsync(receiver, chosen);

        Should.NotThrow(() => new StandardWebhook(chosen).Verify(delivery.Text(), delivery.Headers));
    }
}

/// <summary>The service with its clock six minutes behind: every delivery it sends is stamped as a replay would be.</summary>
public class ApiWithClockSixMinutesBehind : ApiSendingWebhooksFast
{
    public static readonly TimeSpan Behind = TimeSpan.FromMinutes(6);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(new ClockBehind(Behind)));
    }

    private sealed class ClockBehind(TimeSpan behind) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() - behind;
    }
}

public class StandardWebhooksReplayTests(ApiWithClockSixMinutesBehind api) : IClassFixture<ApiWithClockSixMinutesBehind>
{
    [Fact]
    public async Task A_delivery_stamped_more_than_five_minutes_ago_is_rejected_by_the_Standard_Webhooks_library()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (secret, delivery) = await api.ReceiveOneAsync(receiver);

        long.Parse(delivery.Headers["webhook-timestamp"]!).ShouldBeLessThan(DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds());
        Should.Throw<WebhookVerificationException>(() => new StandardWebhook(secret).Verify(delivery.Text(), delivery.Headers))
            .Message.ShouldContain("timestamp", Case.Insensitive);
    }
}
