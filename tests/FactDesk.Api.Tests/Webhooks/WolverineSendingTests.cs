using FactDesk.Api.Webhooks;
using Shouldly;

namespace FactDesk.Api.Tests.Webhooks;

/// <summary>Deliveries are Wolverine messages: kept in its inbox in PostgreSQL, dead-lettered by it after the last attempt.</summary>
public class WolverineSendingTests(ApiSendingWebhooksFast api) : IClassFixture<ApiSendingWebhooksFast>
{
    [Fact]
    public async Task A_delivery_that_goes_dead_is_in_Wolverines_dead_letters_and_sending_it_again_is_a_new_message()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (subscription, claimId, deliveryId) = await GoneDeadAsync(receiver, "Ferry fares doubled in a year");
        (await ScalarAsync<string>($"select message_type from {WebhookSending.MessageSchema}.wolverine_dead_letters where exception_message like '%{deliveryId}%'"))
            .ShouldContain(nameof(DeliverWebhook), Case.Insensitive);

        await SendAgainAsync(receiver, subscription, deliveryId);
        receiver.All.Count(r => r.Subject == claimId.ToString() && r.Accepted).ShouldBe(1);
        // The dead letter stays as the record of what failed; the redelivery was a new message.
        (await DeadLettersForAsync(deliveryId)).ShouldBe(1);
        await api.UnsubscribeAsync(subscription);
    }

    [Fact]
    public async Task Replaying_the_dead_letter_of_a_delivery_sent_again_since_sends_nothing_more()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (subscription, claimId, deliveryId) = await GoneDeadAsync(receiver, "Bus lanes cut commute times by a third");
        await SendAgainAsync(receiver, subscription, deliveryId);
        var attempts = await ScalarAsync<int>($"select attempts from factdesk.webhook_outbox where id = '{deliveryId}'");

        // An operator replays the old dead letter the way Wolverine's tools do: it goes back to the inbox and is handled again.
        var envelope = await ScalarAsync<Guid>($"select id from {WebhookSending.MessageSchema}.wolverine_dead_letters where exception_message like '%{deliveryId}%'");
        (await ScalarAsync<long>($"select count(*) from {WebhookSending.MessageSchema}.wolverine_incoming_envelopes where id = '{envelope}'")).ShouldBe(0);
        await ScalarAsync<int>($"with r as (update {WebhookSending.MessageSchema}.wolverine_dead_letters set replayable = true where id = '{envelope}' returning 1) select count(*)::int from r");
        // Handled again: out of the dead letters, and marked handled in the inbox (kept there a while against duplicates).
        await PollAsync(async () => await ScalarAsync<string>(
                $"select coalesce((select status from {WebhookSending.MessageSchema}.wolverine_incoming_envelopes where id = '{envelope}'), 'absent')") == "Handled"
            && await ScalarAsync<long>($"select count(*) from {WebhookSending.MessageSchema}.wolverine_dead_letters where id = '{envelope}'") == 0,
            "the replayed dead letter taken back and handled");

        receiver.All.Count(r => r.Subject == claimId.ToString() && r.Accepted).ShouldBe(1);
        (await ScalarAsync<int>($"select attempts from factdesk.webhook_outbox where id = '{deliveryId}'")).ShouldBe(attempts);
        await api.UnsubscribeAsync(subscription);
    }

    /// <summary>A claim flagged while the subscriber refuses everything: its delivery goes dead and into Wolverine's dead letters.</summary>
    private async Task<(Guid Subscription, Guid ClaimId, Guid DeliveryId)> GoneDeadAsync(WebhookReceiver receiver, string quote)
    {
        receiver.Answer = (_, _) => 503;
        var subscription = await api.SubscribeAsync(receiver.Url, "claim-flagged");
        var claimId = await api.FlagClaimAsync(quote);
        var deliveryId = (await api.WaitForDeliveriesAsync(subscription, rows => rows.Any(r => r.GetProperty("status").GetString() == "dead")))
            .Single(r => r.GetProperty("streamId").GetGuid() == claimId).GetProperty("id").GetGuid();
        // The row is marked dead before the message is handed to the dead letters: wait for Wolverine to store it.
        await PollAsync(async () => await DeadLettersForAsync(deliveryId) == 1, "the dead message in wolverine_dead_letters");
        return (subscription, claimId, deliveryId);
    }

    /// <summary>An editor sends the dead delivery again, the subscriber now takes it, and it ends delivered.</summary>
    private async Task SendAgainAsync(WebhookReceiver receiver, Guid subscription, Guid deliveryId)
    {
        receiver.Answer = (_, _) => 200;
        var answer = await api.Editor.PostAsync($"/api/subscriptions/{subscription}/deliveries/{deliveryId}/redelivery", null);
        answer.IsSuccessStatusCode.ShouldBeTrue(await answer.Content.ReadAsStringAsync());
        await api.WaitForDeliveriesAsync(subscription, rows => rows.Single(r => r.GetProperty("id").GetGuid() == deliveryId).GetProperty("status").GetString() == "delivered");
    }

    private Task<long> DeadLettersForAsync(Guid deliveryId) =>
        ScalarAsync<long>($"select count(*) from {WebhookSending.MessageSchema}.wolverine_dead_letters where exception_message like '%{deliveryId}%'");

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var cmd = api.Store.DataSource.CreateCommand(sql);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Waited 30 s for " + what);
            await Task.Delay(50);
        }
    }
}
