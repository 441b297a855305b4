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
}
