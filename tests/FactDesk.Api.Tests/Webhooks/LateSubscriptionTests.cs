using FactDesk.Api.Claims;
using FactDesk.Api.Http;
using FactDesk.Api.Subscriptions;
using FactDesk.Api.Webhooks;
using FactDesk.TamperEvidence;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace FactDesk.Api.Tests.Webhooks;

/// <summary>
/// Positions are drawn before commit: an event appended while a subscription with a lower position is still
/// uncommitted cannot see it from its own transaction. The catch-up projection owes the subscriber that event anyway.
/// </summary>
public class LateSubscriptionTests(ApiSendingWebhooksFast api) : IClassFixture<ApiSendingWebhooksFast>
{
    private static readonly Actor Editor = new("Mara Lind", Roles.Editor);
    private static readonly EventMetadata Metadata = new(Editor.Name, Editor.Role, "late-corr", "late-cause");

    private async Task<long> OutboxRowsAsync(Guid subscriptionId, Guid streamId)
    {
        await using var cmd = api.Store.DataSource.CreateCommand("select count(*) from factdesk.webhook_outbox where subscription_id = $1 and stream_id = $2");
        cmd.Parameters.AddWithValue(subscriptionId);
        cmd.Parameters.AddWithValue(streamId);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task An_event_appended_while_an_earlier_subscription_is_still_uncommitted_is_delivered_once_it_commits()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscriptionId = Guid.NewGuid();
        var secrets = api.Services.GetRequiredService<SubscriptionSecrets>();
        var hash = Subscription.FingerprintSecret(await secrets.FingerprintKeyAsync(CancellationToken.None), subscriptionId, WebhookSteps.Secret);
        await secrets.KeepAsync(subscriptionId, hash, WebhookSteps.Secret, CancellationToken.None);

        // The subscription's transaction draws its position and writes its row, then stays open until told to commit.
        using var drawn = new SemaphoreSlim(0);
        using var commit = new SemaphoreSlim(0);
        var subscribing = api.Store.AppendAsync(subscriptionId, Subscription.StreamType, ExpectedVersion.NoStream,
            [new EventToAppend(Guid.NewGuid(), new SubscriptionCreated(subscriptionId, receiver.Url, hash, ["claim-flagged.v1"], Editor, DateTimeOffset.UtcNow))],
            Metadata, alsoInTransaction: async (_, _, _) =>
            {
                drawn.Release();
                (await commit.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
            });
        (await drawn.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue();

        var claimId = await api.FlagClaimAsync("Said while the subscription was still being written");
        (await OutboxRowsAsync(subscriptionId, claimId)).ShouldBe(0, "the claim's own transaction could not see the subscription");

        commit.Release();
        var subscribed = await subscribing;
        (await api.Store.ReadStreamAsync(claimId)).Single().Position.ShouldBeGreaterThan(subscribed.Events.Single().Position);

        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(30));
        (await OutboxRowsAsync(subscriptionId, claimId)).ShouldBe(1);
        var delivered = (await api.WaitForDeliveriesAsync(subscriptionId,
            rows => rows.Any(r => r.GetProperty("streamId").GetGuid() == claimId && r.GetProperty("status").GetString() == "delivered")))
            .Single(r => r.GetProperty("streamId").GetGuid() == claimId);
        delivered.GetProperty("id").GetGuid().ShouldNotBe(Guid.Empty);
        receiver.All.Count(r => r.Subject == claimId.ToString() && r.Accepted).ShouldBe(1);

        // A second pass adds nothing: the derived delivery id makes the catch-up's insert a no-op for existing rows.
        await api.Projections.RebuildAsync("webhook-outbox-catch-up");
        await Task.Delay(300);
        (await OutboxRowsAsync(subscriptionId, claimId)).ShouldBe(1);
        receiver.All.Count(r => r.Subject == claimId.ToString() && r.Accepted).ShouldBe(1);
        await api.UnsubscribeAsync(subscriptionId);
    }

    [Fact]
    public async Task A_late_row_behind_an_already_delivered_later_event_of_its_stream_is_still_delivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscriptionId = await api.SubscribeAsync(receiver.Url, "claim-flagged", "claim-assigned");
        var claimId = await api.FlagClaimAsync("Owed late, after its successor went out");
        await api.AssignAsync(claimId, "Jon Berg");
        await api.WaitForDeliveriesAsync(subscriptionId, rows => rows.Count(r => r.GetProperty("status").GetString() == "delivered") == 2);

        // As if the flag's row had been missed by its append: only the later assignment was delivered so far.
        await api.ExecuteAsync($"delete from factdesk.webhook_outbox where subscription_id = '{subscriptionId}' and event_type = 'claim-flagged.v1'");
        var events = await api.Store.ReadStreamAsync(claimId);
        await using (var connection = await api.Store.DataSource.OpenConnectionAsync())
            await new WebhookOutboxCatchUp(api.Services.GetRequiredService<WebhookDispatch>()).ApplyAsync(connection, events, CancellationToken.None);

        var rows = await api.WaitForDeliveriesAsync(subscriptionId, rows => rows.Length == 2 && rows.All(r => r.GetProperty("status").GetString() == "delivered"));
        rows.Select(r => r.GetProperty("eventType").GetString()).ShouldBe(["claim-flagged.v1", "claim-assigned.v1"], ignoreOrder: true);
        // At least once: the flag arrives a second time, now after the assignment that followed it.
        var flags = receiver.All.Where(r => r.Subject == claimId.ToString() && r.Version == 1 && r.Accepted).ToList();
        flags.Count.ShouldBe(2);
        receiver.All.ToList().FindLastIndex(r => r.Subject == claimId.ToString() && r.Version == 1)
            .ShouldBeGreaterThan(receiver.All.ToList().FindIndex(r => r.Subject == claimId.ToString() && r.Version == 2));
        await api.UnsubscribeAsync(subscriptionId);
    }
}
