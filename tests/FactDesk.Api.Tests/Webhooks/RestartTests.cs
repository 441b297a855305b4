using FactDesk.Testing;
using Shouldly;

namespace FactDesk.Api.Tests.Webhooks;

public class RestartTests
{
    [Fact]
    public async Task Deliveries_still_owed_when_the_service_stops_are_sent_by_the_next_one()
    {
        var database = await PostgresServer.CreateDatabaseForAsync(nameof(RestartTests));
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, _) => 503;

        var claims = new List<Guid>();
        Guid subscription;
        var first = new ApiOnLastingDatabase(database);
        await first.InitializeAsync();
        try
        {
            subscription = await first.SubscribeAsync(receiver.Url, "claim-flagged", "claim-assigned");
            for (var i = 0; i < 3; i++)
            {
                var claimId = await first.FlagClaimAsync($"Restart claim {i}");
                claims.Add(claimId);
                await first.AssignAsync(claimId, "Jon Berg");
                await first.AssignAsync(claimId, "Ines Vale");
            }
            // Sending has begun and failed: the first event of every claim was tried at least once.
            await receiver.WaitUntilAsync(all => claims.All(c => all.Any(r => r.Subject == c.ToString())));
            (await first.DeliveriesAsync(subscription)).ShouldAllBe(r => r.GetProperty("status").GetString() == "pending");
        }
        finally
        {
            await first.DisposeAsync();
        }

        receiver.Answer = (_, _) => 200;
        var second = new ApiOnLastingDatabase(database);
        await second.InitializeAsync();
        try
        {
            var all = await receiver.WaitUntilAsync(got => claims.All(c => got.Count(r => r.Subject == c.ToString() && r.Accepted) == 3));
            foreach (var claimId in claims)
            {
                var accepted = all.Where(r => r.Subject == claimId.ToString() && r.Accepted).ToArray();
                accepted.Select(r => r.Version).ShouldBe([1L, 2L, 3L]);
                accepted.Select(r => r.EventId).Distinct().Count().ShouldBe(3, "each event is taken exactly once");
            }
            var rows = await second.WaitForDeliveriesAsync(subscription, r => r.All(d => d.GetProperty("status").GetString() == "delivered"));
            rows.Length.ShouldBe(9);
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_instances_on_one_database_send_each_event_once_and_in_order()
    {
        var database = await PostgresServer.CreateDatabaseForAsync("two_instances");
        await using var receiver = await WebhookReceiver.StartAsync();
        var one = new ApiOnLastingDatabase(database);
        await one.InitializeAsync();
        var two = new ApiOnLastingDatabase(database);
        await two.InitializeAsync();
        try
        {
            var subscription = await one.SubscribeAsync(receiver.Url, "claim-flagged", "claim-assigned");
            // Both instances append (so both are woken) to the same claims at once.
            var claims = new List<Guid>();
            for (var i = 0; i < 4; i++) claims.Add(await one.FlagClaimAsync($"Shared claim {i}"));
            await Task.WhenAll(claims.Select(async claimId =>
            {
                for (var n = 0; n < 5; n++) await (n % 2 == 0 ? one : two).AssignAsync(claimId, $"Desk {n}");
            }));

            var all = await receiver.WaitUntilAsync(got => claims.All(c => got.Count(r => r.Subject == c.ToString()) >= 6));
            await Task.Delay(300);
            all = receiver.All;
            all.Select(r => r.EventId).Distinct().Count().ShouldBe(all.Count, "no event is sent twice");
            foreach (var claimId in claims)
                all.Where(r => r.Subject == claimId.ToString()).Select(r => r.Version).ShouldBe([1L, 2L, 3L, 4L, 5L, 6L]);
            (await one.DeliveriesAsync(subscription)).ShouldAllBe(r => r.GetProperty("attempts").GetInt32() == 1);
        }
        finally
        {
            await one.DisposeAsync();
            await two.DisposeAsync();
        }
    }
}
