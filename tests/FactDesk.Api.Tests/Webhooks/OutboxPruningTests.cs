using FactDesk.Api.Webhooks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace FactDesk.Api.Tests.Webhooks;

/// <summary>Fast webhooks, delivered rows kept a day, pruned two at a time; the background pruner never comes round by itself.</summary>
public class ApiPruningTheOutbox : ApiSendingWebhooksFast
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Webhooks:DeliveredRetention", "1.00:00:00");
        builder.UseSetting("Webhooks:PruneBatch", "2");
        builder.UseSetting("Webhooks:PruneInterval", "365.00:00:00");
    }
}

public class OutboxPruningTests(ApiPruningTheOutbox api) : IClassFixture<ApiPruningTheOutbox>
{
    private async Task<Dictionary<string, long>> CountByStatusAsync(Guid subscription)
    {
        await using var cmd = api.Store.DataSource.CreateCommand($"select status, count(*) from factdesk.webhook_outbox where subscription_id = '{subscription}' group by status");
        await using var reader = await cmd.ExecuteReaderAsync();
        var counts = new Dictionary<string, long>();
        while (await reader.ReadAsync()) counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    [Fact]
    public async Task Delivered_rows_past_the_retention_are_pruned_in_batches_and_pending_and_dead_rows_never_are()
    {
        await using var accepting = await WebhookReceiver.StartAsync();
        await using var failing = await WebhookReceiver.StartAsync();
        failing.Answer = (_, _) => 500;
        var delivered = await api.SubscribeAsync(accepting.Url, "claim-flagged");
        var dead = await api.SubscribeAsync(failing.Url, "claim-flagged");
        var claims = new List<Guid>();
        for (var i = 0; i < 5; i++) claims.Add(await api.FlagClaimAsync($"Fares rose {i + 3}% this year"));
        await accepting.WaitUntilAsync(all => claims.All(c => all.Any(r => r.Subject == c.ToString() && r.Accepted)));
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await CountByStatusAsync(dead)).GetValueOrDefault("dead") < 5 || (await CountByStatusAsync(delivered)).GetValueOrDefault("delivered") < 5)
        {
            DateTime.UtcNow.ShouldBeLessThan(limit, "the deliveries did not settle");
            await Task.Delay(50);
        }
        // One delivered row handed back to the sender (as a redelivery would): pending, however old, is never pruned.
        await api.ExecuteAsync($"""
            update factdesk.webhook_outbox set status = 'pending', next_attempt_at = now() + interval '1 day'
            where id = (select id from factdesk.webhook_outbox where subscription_id = '{delivered}' and status = 'delivered' order by position desc limit 1)
            """);
        await api.ExecuteAsync($"update factdesk.webhook_outbox set delivered_at = now() - interval '30 days', last_attempt_at = now() - interval '30 days' where subscription_id in ('{delivered}', '{dead}')");
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(20));
        var pruning = api.Services.GetRequiredService<WebhookOutboxPruning>();

        // Within the retention (judged by the clock handed in), nothing goes.
        await api.ExecuteAsync($"update factdesk.webhook_outbox set delivered_at = now() where subscription_id = '{delivered}' and status = 'delivered'");
        (await pruning.PruneBatchAsync(DateTimeOffset.UtcNow.AddHours(23), CancellationToken.None)).ShouldBe(0);
        (await CountByStatusAsync(delivered))["delivered"].ShouldBe(4);

        // A day later they are past it: two per batch, until none is left.
        var now = DateTimeOffset.UtcNow.AddDays(1).AddMinutes(1);
        (await pruning.PruneBatchAsync(now, CancellationToken.None)).ShouldBe(2);
        (await CountByStatusAsync(delivered))["delivered"].ShouldBe(2);
        (await pruning.PruneBatchAsync(now, CancellationToken.None)).ShouldBe(2);
        (await pruning.PruneBatchAsync(now, CancellationToken.None)).ShouldBe(0);

        var left = await CountByStatusAsync(delivered);
        left.ContainsKey("delivered").ShouldBeFalse();
        left["pending"].ShouldBe(1);
        (await CountByStatusAsync(dead))["dead"].ShouldBe(5);

        // Replaying the log into the outbox (the catch-up from the start) does not bring a pruned delivery back to be sent again.
        await api.Projections.RebuildAsync("webhook-outbox-catch-up");
        var afterReplay = await CountByStatusAsync(delivered);
        afterReplay.ContainsKey("delivered").ShouldBeFalse();
        afterReplay.Keys.ShouldBe(["pending"]);
        afterReplay["pending"].ShouldBe(1);
    }
}
