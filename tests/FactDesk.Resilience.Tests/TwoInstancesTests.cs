using System.Text.Json;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Resilience.Tests;

/// <summary>Two service instances on one database under load, as behind a load balancer.</summary>
public class TwoInstancesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_instances_on_one_database_lose_and_double_nothing_run_each_async_projection_once_and_feed_the_audit_completely()
    {
        var seconds = ScenarioReport.Setting("SECONDS", 4);
        var writers = ScenarioReport.Setting("WRITERS", 16);
        var connectionString = await PostgresServer.CreateDatabaseForAsync("two_instances");
        await using var first = new ServiceProcess(connectionString);
        await using var second = new ServiceProcess(connectionString);
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        using var toFirst = Newsroom.Client(first.BaseAddress, Roles.Tool);
        using var toSecond = Newsroom.Client(second.BaseAddress, Roles.Tool);
        var traffic = new WireDeskTraffic([toFirst, toSecond], seed: 23);

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds)))
        {
            var load = traffic.RunAsync(writers, stop.Token);
            // Meanwhile the same new command reaches both instances at once, again and again.
            var random = new Random(23);
            var twins = 0;
            while (!stop.IsCancellationRequested) { await traffic.SendTwinsAsync(random); twins++; }
            await load;
            twins.ShouldBeGreaterThan(0);
        }
        await traffic.RetryUnsettledAsync(TimeSpan.FromSeconds(30));

        traffic.Sent.Where(c => c.Unsettled).Select(c => c.Key).ShouldBeEmpty();
        traffic.Unexpected.ShouldBeEmpty();
        traffic.Sent.Where(c => !c.Acknowledged).Select(c => $"{c.Path} {c.Status} {c.Answer}").ShouldBeEmpty("refused commands");
        await EventLog.ShouldHoldEachAcknowledgedCommandOnceAsync(connectionString, traffic.Sent);
        // Copies of one command answered by different instances name the same claim.
        foreach (var copies in traffic.Sent.GroupBy(c => c.Key).Where(g => g.Count() > 1))
            copies.Select(c => JsonDocument.Parse(c.Answer!).RootElement.GetProperty("id").GetGuid()).Distinct().Count().ShouldBe(1, copies.Key);

        var stored = await EventLog.WaitUntilQuietAsync(connectionString, TimeSpan.FromSeconds(30));
        var feed = await AuditFeedPositionsAsync(first);
        if (feed is not null)
        {
            feed.Count.ShouldBe((int)stored, "audit feed entries against stored events");
            feed.Distinct().Count().ShouldBe(feed.Count, "an event appears twice in the audit feed");
        }
        await first.KillAsync();
        await second.KillAsync();
        // Each position once in the ledger, no position missing, and every async projection equal to its rebuild.
        await EventLog.ShouldMatchRebuildAsync(connectionString);

        ScenarioReport.Write(output, "two instances",
            $"{traffic.Sent.Count} commands over {seconds} s ({writers} writers + racing twins), {stored} events, " +
            $"{traffic.Sent.Count(c => c.Replayed)} answered by replay, audit feed {(feed is null ? "route not served yet (ledger checked instead)" : $"{feed.Count} entries")}; 0 lost, 0 doubled");
    }

    [Fact]
    public async Task When_the_instance_running_the_async_projections_is_killed_the_other_carries_every_one_to_the_end()
    {
        var connectionString = await PostgresServer.CreateDatabaseForAsync("projection_failover");
        await using var first = new ServiceProcess(connectionString);
        await using var second = new ServiceProcess(connectionString);
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        using var toFirst = Newsroom.Client(first.BaseAddress, Roles.Tool);
        using var toSecond = Newsroom.Client(second.BaseAddress, Roles.Tool);

        // Writes through the first only: its appends wake its own runner, so it is the one projecting when it dies.
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var load = new WireDeskTraffic([toFirst], seed: 31).RunAsync(8, stop.Token);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (await EventLog.ScalarAsync(connectionString, "select count(*) from factdesk.mt_events") < 50 && clock.Elapsed < TimeSpan.FromSeconds(45))
                await Task.Delay(50, CancellationToken.None);
            await first.KillAsync(); // SIGKILL mid-load, mid-batch as likely as not
            stop.Cancel();
            try { await load; } catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
        }
        var afterKill = await EventLog.ScalarAsync(connectionString, "select coalesce(max(seq_id), 0) from factdesk.mt_events");
        afterKill.ShouldBeGreaterThan(0);

        // Then through the survivor, which must also finish what the dead instance left half done.
        var survivor = new WireDeskTraffic([toSecond], seed: 37);
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2))) await survivor.RunAsync(8, stop.Token);
        survivor.Unexpected.ShouldBeEmpty();

        // Audit trail, ledger, queue notices, webhook fan-out and the conflict finder: every async projection reaches the last event.
        var stored = await EventLog.WaitUntilQuietAsync(connectionString, TimeSpan.FromSeconds(60));
        stored.ShouldBeGreaterThan(afterKill);
        var feed = await AuditFeedPositionsAsync(second);
        feed.ShouldNotBeNull();
        feed.Count.ShouldBe((int)stored, "audit feed entries against stored events");
        feed.Distinct().Count().ShouldBe(feed.Count, "an event appears twice in the audit feed");
        await second.KillAsync();
        await EventLog.ShouldMatchRebuildAsync(connectionString);
        ScenarioReport.Write(output, "projection failover", $"first instance killed at position {afterKill}; {stored} events projected to the end by the second");
    }

    /// <summary>Every position the audit feed lists, paging with <c>after</c>; null while the service has no audit feed route.</summary>
    private static async Task<List<long>?> AuditFeedPositionsAsync(ServiceProcess service)
    {
        using var auditor = Newsroom.Client(service.BaseAddress, Roles.Auditor);
        var openApi = JsonDocument.Parse(await auditor.GetStringAsync("/openapi/v1.json"));
        if (!openApi.RootElement.GetProperty("paths").TryGetProperty("/api/audit", out _)) return null;
        var positions = new List<long>();
        long after = 0;
        for (var page = 0; page < 10_000; page++)
        {
            var body = JsonDocument.Parse(await auditor.GetStringAsync($"/api/audit?after={after}&limit=500")).RootElement;
            var entries = body.ValueKind == JsonValueKind.Array ? body
                : body.EnumerateObject().First(p => p.Value.ValueKind == JsonValueKind.Array).Value;
            var read = entries.EnumerateArray().Select(e => e.GetProperty("position").GetInt64()).ToList();
            if (read.Count == 0) break;
            positions.AddRange(read);
            after = read[^1];
        }
        return positions;
    }
}
