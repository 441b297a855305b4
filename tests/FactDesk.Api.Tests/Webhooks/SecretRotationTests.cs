using System.Net;
using FactDesk.Api.Http;
using FactDesk.Api.Subscriptions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace FactDesk.Api.Tests.Webhooks;

/// <summary>The service's clock, moved on by a test instead of waiting: real time plus <see cref="Offset"/>.</summary>
public sealed class ShiftableClock : TimeProvider
{
    public TimeSpan Offset { get; set; }
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}

/// <summary>
/// Webhooks with a three-minute rotation grace and a clock the test moves. Three minutes, so that moving past the grace
/// keeps the delivery's timestamp within the Standard Webhooks verifier's five-minute tolerance of the real time.
/// </summary>
public class ApiRotatingSecrets : ApiSendingWebhooksFast
{
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(3);
    public ShiftableClock Clock { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Webhooks:SecretRotationGrace", Grace.ToString());
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

public class SecretRotationTests(ApiRotatingSecrets api) : IClassFixture<ApiRotatingSecrets>
{
    private async Task<(Guid Id, string Secret)> SubscribeAsync(string url, string? secret = null)
    {
        var response = await api.Editor.PostJsonAsync("/api/subscriptions",
            secret is null ? new { url, eventTypes = new[] { "claim-flagged.v1" } } : new { url, secret, eventTypes = new[] { "claim-flagged.v1" } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var answer = await response.ReadJsonAsync();
        return (answer.GetProperty("id").GetGuid(), secret ?? answer.GetProperty("secret").GetString()!);
    }

    private async Task<WebhookReceiver.Received> NextDeliveryAsync(WebhookReceiver receiver)
    {
        var claimId = (await api.FlagClaimAsync($"Rents rose {Random.Shared.Next(1, 99)}% in {Guid.NewGuid():N}")).ToString();
        return (await receiver.WaitUntilAsync(all => all.Any(r => r.Subject == claimId))).Single(r => r.Subject == claimId);
    }

    /// <summary>The Standard Webhooks verifier given the delivery with only this one <c>webhook-signature</c> entry.</summary>
    private static bool Verifies(string secret, WebhookReceiver.Received delivery, string entry)
    {
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary();
        foreach (var header in delivery.Headers) headers[header.Key] = header.Value;
        headers["webhook-signature"] = entry;
        try { new StandardWebhook(secret).Verify(delivery.Text(), headers); return true; }
        catch (WebhookVerificationException) { return false; }
    }

    [Fact]
    public async Task During_the_grace_period_a_delivery_verifies_with_the_old_and_the_new_secret_and_after_it_only_with_the_new()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (id, oldSecret) = await SubscribeAsync(receiver.Url);
        try
        {
            var rotated = await api.Editor.PostAsync($"/api/subscriptions/{id}/secret", null);
            rotated.StatusCode.ShouldBe(HttpStatusCode.OK, await rotated.Content.ReadAsStringAsync());
            var answer = await rotated.ReadJsonAsync();
            var newSecret = answer.GetProperty("secret").GetString()!;
            newSecret.ShouldStartWith("whsec_");
            newSecret.ShouldNotBe(oldSecret);
            answer.GetProperty("previousValidUntil").GetDateTimeOffset().ShouldBeInRange(
                DateTimeOffset.UtcNow + ApiRotatingSecrets.Grace - TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow + ApiRotatingSecrets.Grace);
            (await (await api.Editor.GetAsync($"/api/subscriptions/{id}")).Content.ReadAsStringAsync()).ShouldNotContain(newSecret);

            var during = await NextDeliveryAsync(receiver);
            var entries = during.Headers["webhook-signature"].ToString().Split(' ');
            entries.Length.ShouldBe(2);
            entries.ShouldAllBe(e => e.StartsWith("v1,"));
            // The verifier as a receiver calls it: the previous secret's entry comes first, so a receiver not yet
            // switched passes even with StandardWebhooks 1.1.2, whose loop never reaches the last of several entries.
            Should.NotThrow(() => new StandardWebhook(oldSecret).Verify(during.Text(), during.Headers));
            // Each entry on its own: one verifies with the old secret, the other with the new, and neither with the wrong one.
            Verifies(oldSecret, during, entries[0]).ShouldBeTrue();
            Verifies(newSecret, during, entries[1]).ShouldBeTrue();
            Verifies(oldSecret, during, entries[1]).ShouldBeFalse();
            Verifies(newSecret, during, entries[0]).ShouldBeFalse();

            api.Clock.Offset = ApiRotatingSecrets.Grace + TimeSpan.FromMinutes(1);
            var after = await NextDeliveryAsync(receiver);
            after.Headers["webhook-signature"].ToString().Split(' ').Length.ShouldBe(1);
            Should.NotThrow(() => new StandardWebhook(newSecret).Verify(after.Text(), after.Headers));
            Should.Throw<WebhookVerificationException>(() => new StandardWebhook(oldSecret).Verify(after.Text(), after.Headers));
        }
        finally
        {
            api.Clock.Offset = TimeSpan.Zero;
            await api.UnsubscribeAsync(id);
        }
    }

    [Fact]
    public async Task A_secret_the_subscriber_chose_is_taken_and_never_answered_and_bad_rotations_are_refused_changing_nothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (id, _) = await SubscribeAsync(receiver.Url);
        var chosen = "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var before = await api.CountEventsAsync();

        var tooShort = await api.Editor.PostJsonAsync($"/api/subscriptions/{id}/secret", new { secret = "short" });
        tooShort.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        tooShort.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        (await tooShort.Content.ReadAsStringAsync()).ShouldNotContain("\"short\"");
        (await api.Editor.PostJsonAsync($"/api/subscriptions/{id}/secret", new { secret = "whsec_c2hvcnQ=" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await api.Tool.PostJsonAsync($"/api/subscriptions/{id}/secret", new { secret = chosen })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.Editor.PostJsonAsync($"/api/subscriptions/{Guid.NewGuid()}/secret", new { secret = chosen })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.CountEventsAsync()).ShouldBe(before);

        var taken = await api.Editor.PostJsonAsync($"/api/subscriptions/{id}/secret", new { secret = chosen });
        taken.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await taken.ReadJsonAsync()).TryGetProperty("secret", out _).ShouldBeFalse();
        var again = await api.Editor.PostJsonAsync($"/api/subscriptions/{id}/secret", new { secret = chosen });
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await api.CountEventsAsync()).ShouldBe(before + 1);

        // Within the grace period: the chosen secret's entry is the second (checked on its own, see Verifies).
        var delivery = await NextDeliveryAsync(receiver);
        delivery.Headers["webhook-signature"].ToString().Split(' ').Count(e => Verifies(chosen, delivery, e)).ShouldBe(1);

        await api.UnsubscribeAsync(id);
        (await api.Editor.PostAsync($"/api/subscriptions/{id}/secret", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task No_secret_is_in_clear_in_the_database_and_secrets_an_older_FactDesk_stored_in_clear_are_protected()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var first = "chosen-secret-" + Guid.NewGuid().ToString("N");
        var second = "rotated-secret-" + Guid.NewGuid().ToString("N");
        var (id, _) = await SubscribeAsync(receiver.Url, first);
        (await api.Editor.PostJsonAsync($"/api/subscriptions/{id}/secret", new { secret = second })).StatusCode.ShouldBe(HttpStatusCode.OK);

        foreach (var secret in new[] { first, second })
        {
            (await api.RowsAsJsonAsync($"select secret from factdesk.subscription_secrets where secret like '%{secret}%'")).ShouldBeEmpty();
            (await api.RowsAsJsonAsync($"select data::text from factdesk.mt_events where data::text like '%{secret}%'")).ShouldBeEmpty();
        }
        (await api.RowsAsJsonAsync($"select is_protected::text from factdesk.subscription_secrets where subscription_id = '{id}'")).ShouldBe(["true", "true"]);
        var delivery = await NextDeliveryAsync(receiver);
        delivery.Signature.ShouldBe("sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(second), delivery.Body)));

        // A row as an older FactDesk wrote it: the secret in clear.
        var older = Guid.NewGuid();
        var clear = "older-secret-" + Guid.NewGuid().ToString("N");
        await api.ExecuteAsync($"insert into factdesk.subscription_secrets (subscription_id, secret_hash, secret, is_protected) values ('{older}', 'fingerprint', '{clear}', false)");
        var secrets = api.Services.GetRequiredService<SubscriptionSecrets>();
        (await secrets.ProtectStoredInClearAsync(CancellationToken.None)).ShouldBeGreaterThanOrEqualTo(1);
        (await api.RowsAsJsonAsync($"select secret from factdesk.subscription_secrets where secret like '%{clear}%'")).ShouldBeEmpty();
        var stored = (await api.RowsAsJsonAsync($"select secret from factdesk.subscription_secrets where subscription_id = '{older}' and is_protected")).Single();
        secrets.Reveal(stored, isProtected: true).ShouldBe(clear);
        await api.UnsubscribeAsync(id);
    }
}
