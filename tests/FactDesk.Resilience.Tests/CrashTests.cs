using System.Diagnostics;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Resilience.Tests;

/// <summary>
/// The service is killed (SIGKILL) while the wire desk is sending, then started again; the desk retries every command
/// that got no answer with its own Idempotency-Key. ops/chaos/crash runs the same scenario for more rounds.
/// </summary>
public class CrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_service_killed_mid_load_and_restarted_keeps_every_acknowledged_command_once_and_doubles_no_retry()
    {
        var rounds = ScenarioReport.Setting("ROUNDS", 2);
        var seconds = ScenarioReport.Setting("SECONDS", 3);
        var writers = ScenarioReport.Setting("WRITERS", 16);
        var connectionString = await PostgresServer.CreateDatabaseForAsync("crash");
        await using var service = new ServiceProcess(connectionString);
        await service.StartAsync();
        using var client = Newsroom.Client(service.BaseAddress, Roles.Tool);
        var traffic = new WireDeskTraffic([client], seed: 7);

        var cutOff = 0;
        var restarts = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            using var stop = new CancellationTokenSource();
            var load = traffic.RunAsync(writers, stop.Token);
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            await service.KillAsync();
            stop.Cancel();
            await load;
            cutOff += traffic.Sent.Count(c => c.Unsettled);

            var clock = Stopwatch.StartNew();
            await service.StartAsync();
            restarts.Add(clock.Elapsed.TotalSeconds);
            await traffic.RetryUnsettledAsync(TimeSpan.FromSeconds(30));
        }
        // Business goes on after the last restart.
        using (var more = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            await traffic.RunAsync(writers, more.Token);
        await traffic.RetryUnsettledAsync(TimeSpan.FromSeconds(30));

        cutOff.ShouldBeGreaterThan(0, "no command was in flight when the service was killed: the scenario proved nothing");
        traffic.Sent.Where(c => c.Unsettled).Select(c => c.Key).ShouldBeEmpty("commands still without an answer after retries");
        traffic.Unexpected.ShouldBeEmpty();
        traffic.Sent.Where(c => !c.Acknowledged).Select(c => $"{c.Path} {c.Status} {c.Answer}").ShouldBeEmpty("refused commands");
        await EventLog.ShouldHoldEachAcknowledgedCommandOnceAsync(connectionString, traffic.Sent);

        await EventLog.WaitForProjectionsAsync(connectionString, TimeSpan.FromSeconds(30));
        await service.KillAsync();
        await EventLog.ShouldMatchRebuildAsync(connectionString);

        ScenarioReport.Write(output, "crash",
            $"{rounds} kills, {traffic.Sent.Count} commands ({writers} writers), {cutOff} cut off by a kill, " +
            $"{traffic.Sent.Count(c => c.Attempts > 1 && c.Replayed)} retries found their first copy stored, " +
            $"{traffic.Sent.Count(c => c.Attempts > 1 && !c.Replayed)} retries wrote, restart to ready {string.Join("/", restarts.Select(r => r.ToString("0.0")))} s, " +
            $"{await EventLog.ScalarAsync(connectionString, "select count(*) from factdesk.mt_events")} events, 0 lost, 0 doubled");
    }
}
