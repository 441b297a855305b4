using System.Diagnostics;
using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;

namespace FactDesk.Resilience.Tests;

/// <summary>What the resilience scenarios check in the stored log after the dust settles.</summary>
public static class EventLog
{
    /// <summary>How many events carry each idempotency key in their metadata.</summary>
    public static async Task<Dictionary<string, long>> EventsPerKeyAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "select headers->>'idempotencyKey', count(*) from factdesk.mt_events where headers ? 'idempotencyKey' group by 1", connection);
        var counts = new Dictionary<string, long>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    /// <summary>
    /// Every acknowledged command is in the log exactly once, and no key (retried or not) was written twice.
    /// Each FlagClaim and AttachSource writes one event, so "once" is one event per key.
    /// </summary>
    public static async Task ShouldHoldEachAcknowledgedCommandOnceAsync(string connectionString, IReadOnlyCollection<SentCommand> sent)
    {
        var perKey = await EventsPerKeyAsync(connectionString);
        var acknowledged = sent.Where(c => c.Acknowledged).ToList();
        acknowledged.Count.ShouldBeGreaterThan(0, "the scenario acknowledged no command at all");
        var missing = acknowledged.Where(c => perKey.GetValueOrDefault(c.Key) == 0).Select(c => c.Key).ToList();
        var doubled = perKey.Where(k => k.Value > 1).Select(k => $"{k.Key} x{k.Value}").ToList();
        missing.ShouldBeEmpty("acknowledged commands missing from the log");
        doubled.ShouldBeEmpty("keys written more than once");
        // Nothing is in the log that no command of this scenario sent.
        perKey.Keys.Except(sent.Select(c => c.Key)).ShouldBeEmpty();
    }

    /// <summary>A container with the service's store wired as the service wires it, for catch-up checks and rebuilds.</summary>
    public static ServiceProvider StoreServices(string connectionString) =>
        new ServiceCollection().AddLogging()
            .AddFactDeskStore(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:FactDesk"] = connectionString }).Build())
            .BuildServiceProvider();

    /// <summary>
    /// Waits until every async projection has passed the last event and no new one arrived meanwhile (the conflict
    /// finder may append proposals as it catches up); returns the number of stored events then.
    /// </summary>
    public static async Task<long> WaitUntilQuietAsync(string connectionString, TimeSpan within)
    {
        long stored;
        do
        {
            stored = await ScalarAsync(connectionString, "select count(*) from factdesk.mt_events");
            await WaitForProjectionsAsync(connectionString, within);
        } while (await ScalarAsync(connectionString, "select count(*) from factdesk.mt_events") != stored);
        return stored;
    }

    /// <summary>Waits (bounded) until every async projection's checkpoint has passed the last stored event.</summary>
    public static async Task WaitForProjectionsAsync(string connectionString, TimeSpan within)
    {
        await using var services = StoreServices(connectionString);
        var runner = new ProjectionControl(services.GetRequiredService<TamperEvidentLog>());
        var last = await ScalarAsync(connectionString, "select coalesce(max(seq_id), 0) from factdesk.mt_events");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var behind = new List<string>();
            foreach (var projection in runner.AsyncProjections)
                if (await runner.GetCheckpointAsync(projection.Name) < last) behind.Add(projection.Name);
            if (behind.Count == 0) return;
            if (clock.Elapsed > within) throw new TimeoutException($"Async projections did not catch up to position {last} within {within.TotalSeconds} s: {string.Join(", ", behind)}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The async projections as the running service left them equal a rebuild from the log: for each, its tables'
    /// rows before and after <c>RebuildAsync</c> are the same. Also the ledger holds each stored position exactly once.
    /// </summary>
    public static async Task ShouldMatchRebuildAsync(string connectionString)
    {
        await using var services = StoreServices(connectionString);
        var store = services.GetRequiredService<TamperEvidentLog>();
        var runner = new ProjectionControl(store);

        (await ScalarAsync(connectionString, "select count(*) from factdesk.ledger"))
            .ShouldBe(await ScalarAsync(connectionString, "select count(*) from factdesk.mt_events"), "ledger rows against events");
        (await ScalarAsync(connectionString,
            "select count(*) from factdesk.mt_events e full join factdesk.ledger l on l.position = e.seq_id where l.position is null or e.seq_id is null"))
            .ShouldBe(0, "positions in the ledger but not the log, or the other way");

        foreach (var projection in runner.AsyncProjections.ToList())
        {
            var before = await RowsAsync(store.DataSource, projection);
            await runner.RebuildAsync(projection.Name);
            var after = await RowsAsync(store.DataSource, projection);
            after.Count.ShouldBe(before.Count, $"{projection.Name}: rows after rebuild");
            after.ShouldBe(before, $"{projection.Name}: rows as run against rows rebuilt");
        }
    }

    private static async Task<List<string>> RowsAsync(NpgsqlDataSource db, IProjection projection)
    {
        var rows = new List<string>();
        foreach (var table in projection.Tables)
        {
            // Every row as text in a stable order; the text form compares every column at once.
            await using var cmd = db.CreateCommand($"select t::text from factdesk.{table} t order by t::text");
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows.Add($"{table}: {reader.GetString(0)}");
        }
        return rows;
    }
}
