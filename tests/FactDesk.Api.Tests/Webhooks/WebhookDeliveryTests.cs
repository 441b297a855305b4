using System.Net;
using System.Security.Cryptography;
using System.Text;
using Shouldly;

namespace FactDesk.Api.Tests.Webhooks;

public class WebhookDeliveryTests(ApiSendingWebhooksFast api) : IClassFixture<ApiSendingWebhooksFast>
{
    [Fact]
    public async Task A_flagged_claim_reaches_the_subscriber_as_a_signed_CloudEvent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscription = await api.SubscribeAsync(receiver.Url, "claim-flagged.v1");
        var claimId = await api.FlagClaimAsync("Unemployment fell to 3.9% in March");

        var got = (await receiver.WaitUntilAsync(all => all.Any(r => r.Subject == claimId.ToString()))).Single(r => r.Subject == claimId.ToString());
        var stored = (await api.Store.ReadStreamAsync(claimId)).Single();
        got.Path.ShouldBe("/hook");
        got.ContentType.ShouldBe("application/cloudevents+json; charset=utf-8");
        got.Json.GetProperty("specversion").GetString().ShouldBe("1.0");
        got.Json.GetProperty("id").GetString().ShouldBe(stored.EventId.ToString());
        got.Json.GetProperty("source").GetString().ShouldBe("/factdesk");
        got.Json.GetProperty("type").GetString().ShouldBe("factdesk.claim-flagged.v1");
        got.Json.GetProperty("subject").GetString().ShouldBe(claimId.ToString());
        got.Json.GetProperty("datacontenttype").GetString().ShouldBe("application/json");
        DateTimeOffset.Parse(got.Json.GetProperty("time").GetString()!).ShouldBe(stored.RecordedAt, TimeSpan.FromMilliseconds(1));
        got.Json.GetProperty("data").GetProperty("quote").GetString().ShouldBe("Unemployment fell to 3.9% in March");
        got.Json.GetProperty("data").GetProperty("claimId").GetGuid().ShouldBe(claimId);

        // The subscriber recomputes the HMAC over the exact bytes it received, with the secret it chose.
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhookSteps.Secret), got.Body));
        got.Signature.ShouldBe(expected);
        var forged = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("another-secret-entirely!"), got.Body));
        got.Signature.ShouldNotBe(forged);

        var delivery = (await api.WaitForDeliveriesAsync(subscription, rows => rows.Any(r => r.GetProperty("status").GetString() == "delivered")))
            .Single(r => r.GetProperty("streamId").GetGuid() == claimId);
        got.Delivery.ShouldBe(delivery.GetProperty("id").GetString());
        delivery.GetProperty("attempts").GetInt32().ShouldBe(1);
        delivery.GetProperty("lastStatusCode").GetInt32().ShouldBe(200);
        await api.UnsubscribeAsync(subscription);
    }

    [Fact]
    public async Task Events_of_one_claim_arrive_in_order_even_when_an_early_one_has_to_be_retried()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var subscription = await api.SubscribeAsync(receiver.Url, "claim-flagged", "claim-assigned");
        var claims = new List<Guid>();
        for (var i = 0; i < 3; i++) claims.Add(await api.FlagClaimAsync($"Claim number {i} of the ordering test"));
        var flagged = (await receiver.WaitUntilAsync(all => claims.All(c => all.Any(r => r.Subject == c.ToString() && r.Accepted)))).Count;

        // Every claim's second event fails twice before it is taken: its third and fourth events must wait for it.
        var secondEvents = new HashSet<string>();
        receiver.Answer = (eventId, attempt) =>
        {
            lock (secondEvents) return secondEvents.Contains(eventId) && attempt <= 2 ? 500 : 200;
        };
        foreach (var claimId in claims)
        {
            var eventId = Guid.NewGuid();
            lock (secondEvents) secondEvents.Add(eventId.ToString());
            await api.AssignAsync(claimId, "Jon Berg", eventId);
        }
        for (var round = 0; round < 2; round++)
            foreach (var claimId in claims) await api.AssignAsync(claimId, $"Desk {round}");

        var all = await receiver.WaitUntilAsync(got => claims.All(c => got.Count(r => r.Subject == c.ToString() && r.Accepted) == 4));
        foreach (var claimId in claims)
        {
            var ofClaim = all.Where(r => r.Subject == claimId.ToString()).ToArray();
            ofClaim.Where(r => r.Accepted).Select(r => r.Version).ShouldBe([1L, 2L, 3L, 4L]);
            // Nothing later was even tried while an earlier event was still owed.
            ofClaim.Select(r => r.Version).ShouldBeInOrder(SortDirection.Ascending);
            ofClaim.Count(r => r.Version == 2).ShouldBe(3);
        }
        all.Count.ShouldBe(flagged + claims.Count * 5);
        await api.UnsubscribeAsync(subscription);
    }

    [Fact]
    public async Task A_delivery_that_keeps_failing_goes_dead_and_an_editor_can_send_it_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, _) => 500;
        var subscription = await api.SubscribeAsync(receiver.Url, "claim-flagged");
        var claimId = await api.FlagClaimAsync("The river rose 4 metres overnight");

        var dead = (await api.WaitForDeliveriesAsync(subscription, rows => rows.Any(r => r.GetProperty("status").GetString() == "dead")))
            .Single(r => r.GetProperty("streamId").GetGuid() == claimId);
        dead.GetProperty("attempts").GetInt32().ShouldBe(4);
        dead.GetProperty("lastStatusCode").GetInt32().ShouldBe(500);
        dead.GetProperty("lastError").GetString().ShouldBe("HTTP 500.");
        receiver.All.Count(r => r.Subject == claimId.ToString()).ShouldBe(4);
        var deadLetters = await api.DeliveriesAsync(subscription, "dead");
        deadLetters.Select(r => r.GetProperty("id").GetString()).ShouldBe([dead.GetProperty("id").GetString()]);
        (await api.DeliveriesAsync(subscription, "delivered")).ShouldBeEmpty();

        var redelivery = $"/api/subscriptions/{subscription}/deliveries/{dead.GetProperty("id").GetString()}/redelivery";
        (await api.Tool.PostAsync(redelivery, null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.Auditor.PostAsync(redelivery, null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        receiver.Answer = (_, _) => 200;
        var answer = await api.SecondEditor.PostAsync(redelivery, null);
        answer.StatusCode.ShouldBe(HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        var body = await answer.ReadJsonAsync();
        body.GetProperty("id").GetGuid().ShouldBe(subscription);
        body.GetProperty("status").GetString().ShouldBe("pending");

        await receiver.WaitUntilAsync(all => all.Any(r => r.Subject == claimId.ToString() && r.Accepted));
        var delivered = (await api.WaitForDeliveriesAsync(subscription, rows => rows.All(r => r.GetProperty("status").GetString() == "delivered"))).Single();
        delivered.GetProperty("attempts").GetInt32().ShouldBe(1);
        (await api.DeliveriesAsync(subscription, "dead")).ShouldBeEmpty();

        // Who asked for the re-send is on record; asking again for a delivered one is refused by rule.
        (await api.Store.ReadStreamAsync(subscription)).Select(e => e.Type).ShouldContain("redelivery-requested.v1");
        var again = await api.Editor.PostAsync(redelivery, null);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await again.ReadJsonAsync()).GetProperty("type").GetString()!.ShouldEndWith("/delivery-not-dead");
        await api.UnsubscribeAsync(subscription);
    }

    [Fact]
    public async Task A_subscriber_that_fails_a_few_times_gets_the_event_on_a_retry()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, attempt) => attempt <= 2 ? 503 : 200;
        var subscription = await api.SubscribeAsync(receiver.Url, "claim-flagged");
        var claimId = await api.FlagClaimAsync("Rents rose by a third in five years");

        var got = await receiver.WaitUntilAsync(all => all.Any(r => r.Subject == claimId.ToString() && r.Accepted));
        got.Where(r => r.Subject == claimId.ToString()).Select(r => r.Answered).ShouldBe([503, 503, 200]);
        got.Where(r => r.Subject == claimId.ToString()).Select(r => Convert.ToHexString(r.Body)).Distinct().Count().ShouldBe(1, "every attempt sends the same bytes");
        var row = (await api.WaitForDeliveriesAsync(subscription, rows => rows.Any(r => r.GetProperty("status").GetString() == "delivered"))).Single();
        row.GetProperty("attempts").GetInt32().ShouldBe(3);
        await api.UnsubscribeAsync(subscription);
    }

    [Fact]
    public async Task A_redirect_is_a_failure_and_is_not_followed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, _) => 302;
        var subscription = await api.SubscribeAsync(receiver.Url, "claim-flagged");
        await api.FlagClaimAsync("The bridge cost twice its budget");

        var dead = (await api.WaitForDeliveriesAsync(subscription, rows => rows.Any(r => r.GetProperty("status").GetString() == "dead"))).Single();
        dead.GetProperty("lastStatusCode").GetInt32().ShouldBe(302);
        dead.GetProperty("lastError").GetString()!.ShouldContain("redirects are not followed");
        receiver.All.ShouldAllBe(r => r.Path == "/hook");
        await api.UnsubscribeAsync(subscription);
    }

    [Fact]
    public async Task A_subscription_gets_only_the_event_types_it_asked_for_and_nothing_once_removed()
    {
        await using var everything = await WebhookReceiver.StartAsync();
        await using var assignmentsOnly = await WebhookReceiver.StartAsync();
        var all = await api.SubscribeAsync(everything.Url);
        var assignments = await api.SubscribeAsync(assignmentsOnly.Url, "claim-assigned.v1");
        var claimId = await api.FlagClaimAsync("Crime is at a 20-year low");
        await api.AssignAsync(claimId, "Jon Berg");

        await everything.WaitUntilAsync(got => got.Count(r => r.Subject == claimId.ToString() && r.Accepted) == 2);
        var onlyAssigned = await assignmentsOnly.WaitUntilAsync(got => got.Any(r => r.Subject == claimId.ToString()));
        onlyAssigned.Where(r => r.Subject == claimId.ToString()).Select(r => r.Json.GetProperty("type").GetString()).ShouldBe(["factdesk.claim-assigned.v1"]);

        // Subscriptions' own events are never sent: they would tell each subscriber where the others listen.
        everything.All.ShouldAllBe(r => !r.Json.GetProperty("type").GetString()!.Contains("subscription"));

        await api.UnsubscribeAsync(all);
        await api.UnsubscribeAsync(assignments);
        var before = everything.All.Count;
        var later = await api.FlagClaimAsync("Said after the subscription was removed");
        await api.AssignAsync(later, "Jon Berg");
        await Task.Delay(500);
        everything.All.Count.ShouldBe(before);
        (await api.DeliveriesAsync(all)).ShouldAllBe(r => r.GetProperty("streamId").GetGuid() != later);
    }

    [Fact]
    public async Task Replaying_the_log_into_the_webhook_tables_sends_nothing_twice()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, attempt) => attempt <= 4 ? 500 : 200;
        var subscription = await api.SubscribeAsync(receiver.Url, "claim-flagged");
        var claimId = await api.FlagClaimAsync("Replayed claims are not re-sent");
        var dead = (await api.WaitForDeliveriesAsync(subscription, rows => rows.Any(r => r.GetProperty("status").GetString() == "dead"))).Single();
        (await api.Editor.PostAsync($"/api/subscriptions/{subscription}/deliveries/{dead.GetProperty("id").GetString()}/redelivery", null))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        var before = await api.WaitForDeliveriesAsync(subscription, rows => rows.All(r => r.GetProperty("status").GetString() == "delivered"));
        var sent = receiver.All.Count;

        await api.Projections.RebuildAsync("subscriptions");
        await api.Projections.RebuildAsync("webhook-outbox");
        await Task.Delay(400);

        var after = await api.DeliveriesAsync(subscription);
        after.Select(r => (r.GetProperty("id").GetString(), r.GetProperty("status").GetString())).ShouldBe(
            before.Select(r => (r.GetProperty("id").GetString(), r.GetProperty("status").GetString())));
        receiver.All.Count.ShouldBe(sent);
        receiver.All.Count(r => r.Subject == claimId.ToString() && r.Accepted).ShouldBe(1);
        await api.UnsubscribeAsync(subscription);
    }
}
