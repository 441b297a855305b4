using System.Diagnostics;
using System.Text;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Resilience.Tests;

/// <summary>
/// PostgreSQL is stopped (pg_ctl stop -m fast) under load and started again, on a cluster of this test's own: the
/// service says 503 while it is away and recovers by itself when it is back; retried commands are neither lost nor doubled.
/// </summary>
public class DatabaseRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task While_the_database_is_away_the_service_answers_503_and_when_it_is_back_recovers_by_itself_losing_and_doubling_nothing()
    {
        var awaySeconds = ScenarioReport.Setting("AWAY_SECONDS", 3);
        var writers = ScenarioReport.Setting("WRITERS", 16);
        await using var postgres = await PostgresServer.StartPrivateAsync();
        var connectionString = await postgres.CreateDatabaseAsync("db_restart");
        await using var service = new ServiceProcess(connectionString);
        await service.StartAsync();
        using var tool = Newsroom.Client(service.BaseAddress, Roles.Tool, TimeSpan.FromSeconds(15));
        using var probe = Newsroom.Client(service.BaseAddress, Roles.Tool, TimeSpan.FromSeconds(10));
        var traffic = new WireDeskTraffic([tool], seed: 11);

        using var stop = new CancellationTokenSource();
        var load = traffic.RunAsync(writers, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(2));

        await postgres.StopServerAsync();
        var away = Stopwatch.StartNew();
        // Ready goes 503 (problem+json) and commands are answered 503 problem+json, not 500, not a hang.
        var readiness = await probe.GetAsync("/health/ready");
        ((int)readiness.StatusCode).ShouldBe(503);
        readiness.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        for (var i = 0; i < 3; i++)
        {
            var command = await probe.SendAsync(FlagRequest($"probe-away-{i}-{Guid.NewGuid():N}"));
            ((int)command.StatusCode).ShouldBe(503, await command.Content.ReadAsStringAsync());
            command.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        }
        var remaining = TimeSpan.FromSeconds(awaySeconds) - away.Elapsed;
        if (remaining > TimeSpan.Zero) await Task.Delay(remaining);

        await postgres.StartServerAsync();
        var back = Stopwatch.StartNew();
        double? readyAfter = null, firstWriteAfter = null;
        while (back.Elapsed < TimeSpan.FromSeconds(30) && (readyAfter is null || firstWriteAfter is null))
        {
            if (readyAfter is null && (await probe.GetAsync("/health/ready")).IsSuccessStatusCode) readyAfter = back.Elapsed.TotalSeconds;
            if (firstWriteAfter is null && (await probe.SendAsync(FlagRequest($"probe-back-{Guid.NewGuid():N}"))).IsSuccessStatusCode)
                firstWriteAfter = back.Elapsed.TotalSeconds;
            await Task.Delay(100);
        }
        readyAfter.ShouldNotBeNull("/health/ready did not come back");
        firstWriteAfter.ShouldNotBeNull("no command succeeded after the database came back");
        readyAfter.Value.ShouldBeLessThan(10);
        firstWriteAfter.Value.ShouldBeLessThan(10);

        // Load carries on across the whole outage and after it.
        await Task.Delay(TimeSpan.FromSeconds(2));
        stop.Cancel();
        await load;
        var answered503 = traffic.Answered503;
        var cutOff = traffic.Sent.Count(c => c.Status is null);
        await traffic.RetryUnsettledAsync(TimeSpan.FromSeconds(30));

        answered503.ShouldBeGreaterThan(0, "the load never met the outage: the scenario proved nothing");
        traffic.Sent.Where(c => c.Unsettled).Select(c => c.Key).ShouldBeEmpty("commands still unanswered after retries");
        traffic.Unexpected.ShouldBeEmpty(ServiceErrors(service));
        traffic.Sent.Where(c => !c.Acknowledged).Select(c => $"{c.Path} {c.Status} {c.Answer}").ShouldBeEmpty("refused commands");
        await EventLog.ShouldHoldEachAcknowledgedCommandOnceAsync(connectionString,
            [.. traffic.Sent, .. ProbeKeysAsCommands(await EventLog.EventsPerKeyAsync(connectionString))]);
        (await EventLog.EventsPerKeyAsync(connectionString)).Keys.ShouldNotContain(k => k.StartsWith("probe-away-"), "a command answered 503 was written");

        await EventLog.WaitForProjectionsAsync(connectionString, TimeSpan.FromSeconds(30));
        await service.KillAsync();
        await EventLog.ShouldMatchRebuildAsync(connectionString);

        ScenarioReport.Write(output, "database restart",
            $"away {awaySeconds} s under {writers} writers: {answered503} answered 503, {cutOff} without answer; ready again " +
            $"{readyAfter:0.00} s and first write {firstWriteAfter:0.00} s after PostgreSQL started; {traffic.Sent.Count} commands, 0 lost, 0 doubled");
    }

    /// <summary>What the service logged about failures, so an unexpected answer comes with its cause.</summary>
    private static string ServiceErrors(ServiceProcess service) =>
        string.Join('\n', service.Output.Where(l => l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("Exception", StringComparison.Ordinal)).TakeLast(60));

    private static HttpRequestMessage FlagRequest(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/claims")
        {
            Content = new StringContent("""{"quote":"Inflation eased to 2.3% in April","reason":"a rate"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    /// <summary>The probes' successful writes are keyed commands too; they belong in the "nothing foreign in the log" check.</summary>
    private static IEnumerable<SentCommand> ProbeKeysAsCommands(Dictionary<string, long> perKey) =>
        perKey.Keys.Where(k => k.StartsWith("probe-back-")).Select(k => new SentCommand(k, "/api/claims", "") { Status = 201 });
}
