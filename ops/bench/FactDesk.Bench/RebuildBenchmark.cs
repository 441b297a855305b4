using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FactDesk.Api.Audit;
using FactDesk.Api.Claims;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace FactDesk.Bench;

/// <summary>
/// Rebuild speed over a big log: writes FactDesk claim streams (1,000,000 events by default) into the service's own
/// schema with COPY, then rebuilds every inline projection and the async ones asked for by replaying the log in one
/// transaction (ProjectionControl.RebuildAsync), the async ones also through Marten's daemon, and prints events/s per
/// projection and way. A projection that fails
/// prints as failed, with its reason under the table.
/// </summary>
public static class RebuildBenchmark
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        args.RejectUnknown("connection", "events", "async", "projections", "results");
        var connectionString = args.Required("connection", "FACTDESK_BENCH_DB");
        var events = args.Int("events", 1_000_000);
        var asyncNames = (args.Text("async") ?? AuditTrailProjection.ProjectionName).Split(',', StringSplitOptions.RemoveEmptyEntries);
        var resultsFolder = args.Text("results") ?? AppendBenchmark.DefaultResultsFolder();

        // The service's own wiring: its schema, event types and every projection it keeps.
        // No command timeout: completing a COPY of a million rows or replaying them in one transaction takes minutes.
        var unbounded = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0 }.ConnectionString;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:FactDesk", unbounded)]).Build();
        await using var services = new ServiceCollection().AddLogging().AddFactDeskStore(configuration).BuildServiceProvider();
        var store = services.GetRequiredService<TamperEvidentLog>();
        await using (var drop = store.DataSource.CreateCommand($"drop schema if exists {store.Schema} cascade"))
            await drop.ExecuteNonQueryAsync();
        try
        {
            await store.MigrateAsync();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Marten creates the schema on a connection of its own while the migration's transaction is open; a second
            // pass finds it there.
            await store.MigrateAsync();
        }

        string serverSettings;
        await using (var show = store.DataSource.CreateCommand(
            "select concat_ws(', ', 'shared_buffers ' || current_setting('shared_buffers'), 'max_wal_size ' || current_setting('max_wal_size'))"))
            serverSettings = (string)(await show.ExecuteScalarAsync())!;
        var settings = $"{events:N0} events in {events / EventsPerClaim:N0} claim streams of {EventsPerClaim}; {Environment.ProcessorCount} cores, " +
                       $"load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?")} at start; PostgreSQL {serverSettings}";
        Console.WriteLine($"rebuild benchmark: {settings}");
        var seeding = Stopwatch.StartNew();
        var written = await SeedAsync(store, events);
        var seeded = $"seeded {written:N0} events with COPY straight into Marten's tables (mt_events, mt_streams; hashes and stream heads " +
                     $"filled set-based, not chained: a rebuild reads them, it does not check them) in {seeding.Elapsed.TotalSeconds:N1} s " +
                     $"({written / seeding.Elapsed.TotalSeconds:N0} events/s)";
        Console.WriteLine("  " + seeded);

        var control = new ProjectionControl(store);
        var table = new MarkdownTable("projection", "lifecycle", "how", "events", "seconds", "events/s", "rows after");
        var failures = new List<string>();
        var projections = store.Options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Inline)
            .Concat(store.Options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Async && asyncNames.Contains(p.Name)))
            .Where(p => args.Text("projections") is not { } only || only.Split(',').Contains(p.Name));
        // Every projection replayed in one transaction (ProjectionControl, `replay-projections rebuild`); an async one
        // also through Marten's daemon (RebuildProjectionAsync, what JasperFx's `projections rebuild` runs).
        var runs = projections.SelectMany(p => p.Lifecycle == ProjectionLifecycle.Async
            ? new[] { (Projection: p, How: Replay), (Projection: p, How: MartenDaemon) }
            : [(Projection: p, How: Replay)]);
        foreach (var (projection, how) in runs)
        {
            Console.WriteLine($"  rebuilding {projection.Name} ({projection.Lifecycle}, {how}) ...");
            var clock = Stopwatch.StartNew();
            try
            {
                if (how == Replay) await control.RebuildAsync(projection.Name);
                else
                {
                    using var daemon = await store.Marten.BuildProjectionDaemonAsync();
                    await daemon.RebuildProjectionAsync(projection.Name, TimeSpan.FromHours(1), CancellationToken.None);
                }
                var seconds = clock.Elapsed.TotalSeconds;
                var rows = await CountRowsAsync(store, projection);
                table.Add(projection.Name, projection.Lifecycle.ToString().ToLowerInvariant(), how, written.ToString("N0", CultureInfo.InvariantCulture),
                    seconds.ToString("N1", CultureInfo.InvariantCulture), (written / seconds).ToString("N0", CultureInfo.InvariantCulture), rows);
                Console.WriteLine($"    {seconds:N1} s, {written / seconds:N0} events/s; {rows}");
            }
            catch (Exception e)
            {
                failures.Add($"{projection.Name} ({how}): {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
                table.Add(projection.Name, projection.Lifecycle.ToString().ToLowerInvariant(), how, written.ToString("N0", CultureInfo.InvariantCulture), "failed", "failed", "-");
            }
        }

        var report = $"""
            # Rebuild, events/s

            {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}; {settings}; {seeded}.
            replay: ProjectionControl.RebuildAsync (`replay-projections rebuild`: empties the tables, replays the log in one
            transaction; an async projection up to the high-water mark, its progress set in the same transaction).
            Marten's daemon: RebuildProjectionAsync (JasperFx's `projections rebuild`), for the async ones --async names
            (default audit-trail). --projections a,b runs only those.

            {table}
            {(failures.Count > 0 ? "Failed:\n\n" + string.Join("\n", failures.Select(f => "- " + f)) + "\n" : "")}
            """;
        Console.WriteLine();
        Console.WriteLine(report);
        Directory.CreateDirectory(resultsFolder);
        var file = Path.Combine(resultsFolder, $"rebuild-{DateTime.Now:yyyyMMdd-HHmmss}.md");
        await File.WriteAllTextAsync(file, report);
        Console.WriteLine($"written to {file}");
        return failures.Count == 0 ? 0 : 1;
    }

    private const int EventsPerClaim = 10;
    private const string Replay = "replay";
    private const string MartenDaemon = "Marten's daemon";

    private static async Task<string> CountRowsAsync(TamperEvidentLog store, IProjection projection)
    {
        var parts = new List<string>();
        foreach (var tableName in projection.Tables)
        {
            await using var cmd = store.DataSource.CreateCommand($"select count(*) from {store.Schema}.{tableName}");
            parts.Add($"{tableName} {(long)(await cmd.ExecuteScalarAsync())!:N0}");
        }
        return parts.Count == 0 ? "-" : string.Join(", ", parts);
    }

    /// <summary>
    /// Claims of 10 events: flagged, assigned, seven sources, then dismissed (1 in 10), a verdict proposed (1 in 10) or
    /// an eighth source; in 500 documents, four priorities, most with a due date. Claims are written 1,000 at a time with
    /// their events interleaved (all first events, then all second ones...), as a busy desk's log would hold them.
    /// </summary>
    private static async Task<long> SeedAsync(TamperEvidentLog store, int events)
    {
        var claims = events / EventsPerClaim;
        var json = store.Types.Json;
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        var editor = new Actor("bench", Roles.Editor);
        var headers = JsonSerializer.Serialize(new Dictionary<string, string> { [MetadataHeaders.ActorName] = "bench", [MetadataHeaders.ActorRole] = Roles.Editor });
        var documents = Enumerable.Range(0, 500).Select(_ => Guid.NewGuid()).ToArray();
        long position = 0;
        await using var connection = await store.DataSource.OpenConnectionAsync();
        {
            var streams = await connection.BeginBinaryImportAsync(
                $"copy {store.Schema}.mt_streams (id, type, version, timestamp, created, tenant_id, is_archived) from stdin (format binary)");
            var ids = Enumerable.Range(0, claims).Select(_ => Guid.NewGuid()).ToArray();
            foreach (var id in ids)
            {
                await streams.StartRowAsync();
                await streams.WriteAsync(id, NpgsqlDbType.Uuid);
                await streams.WriteAsync(Claim.StreamType, NpgsqlDbType.Varchar);
                await streams.WriteAsync((long)EventsPerClaim, NpgsqlDbType.Bigint);
                await streams.WriteAsync(start, NpgsqlDbType.TimestampTz);
                await streams.WriteAsync(start, NpgsqlDbType.TimestampTz);
                await streams.WriteAsync("*DEFAULT*", NpgsqlDbType.Varchar);
                await streams.WriteAsync(false, NpgsqlDbType.Boolean);
            }
            await streams.CompleteAsync();
            await streams.DisposeAsync();

            await using var copy = await connection.BeginBinaryImportAsync(
                $"copy {store.Schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, correlation_id, causation_id, headers, is_archived) from stdin (format binary)");
            const int group = 1000;
            for (var first = 0; first < claims; first += group)
            {
                var last = Math.Min(claims, first + group);
                for (var k = 1; k <= EventsPerClaim; k++)
                    for (var c = first; c < last; c++)
                    {
                        var id = ids[c];
                        var at = start.AddSeconds(position);
                        object e = k switch
                        {
                            1 => new ClaimFlagged(id, $"Claim number {c}: rents rose {c % 40}% last year", documents[c % documents.Length], null, null, "a rate",
                                (Priority)(c % 4), c % 3 == 0 ? null : at.AddHours(c % 240), null, new Actor("bench", Roles.Tool), at),
                            2 => new ClaimAssigned(id, $"editor-{c % 20}", editor, at),
                            EventsPerClaim when c % 10 == 0 => new ClaimDismissed(id, "not checkable", editor, at),
                            EventsPerClaim when c % 10 == 1 => new VerdictProposed(id, Rating.False, "wrong figure", null, editor, at),
                            _ => new SourceAttached(id, Guid.NewGuid(), $"https://stats.example/{c}/{k}", null, null, null, null, null,
                                Stance.Supports, SourceKind.Primary, editor, at),
                        };
                        position++;
                        await copy.StartRowAsync();
                        await copy.WriteAsync(position, NpgsqlDbType.Bigint);
                        await copy.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid);
                        await copy.WriteAsync(id, NpgsqlDbType.Uuid);
                        await copy.WriteAsync((long)k, NpgsqlDbType.Bigint);
                        await copy.WriteAsync(JsonSerializer.Serialize(e, e.GetType(), json), NpgsqlDbType.Jsonb);
                        await copy.WriteAsync(store.Types.NameOf(e.GetType()), NpgsqlDbType.Varchar);
                        await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
                        await copy.WriteAsync("*DEFAULT*", NpgsqlDbType.Varchar);
                        await copy.WriteAsync($"{e.GetType().FullName}, {e.GetType().Assembly.GetName().Name}", NpgsqlDbType.Varchar);
                        await copy.WriteAsync("bench", NpgsqlDbType.Varchar);
                        await copy.WriteAsync("bench", NpgsqlDbType.Varchar);
                        await copy.WriteAsync(headers, NpgsqlDbType.Jsonb);
                        await copy.WriteAsync(false, NpgsqlDbType.Boolean);
                    }
            }
            await copy.CompleteAsync();
        }
        // What appends keep beside Marten's rows: each event's hash and each stream's head (here a stand-in hash, as the
        // rebuild only reads them), and Marten's sequence past the last event.
        foreach (var sql in new[]
                 {
                     $"insert into {store.Schema}.event_hashes (position, stream_id, version, event_id, hash) " +
                     $"select seq_id, stream_id, version, id, sha256(convert_to(id::text, 'UTF8')) from {store.Schema}.mt_events",
                     $"insert into {store.Schema}.stream_heads (stream_id, type, version, head_hash) " +
                     $"select id, type, version, sha256(convert_to(id::text, 'UTF8')) from {store.Schema}.mt_streams",
                     $"select setval('{store.Schema}.mt_events_sequence', {position})",
                     $"analyze {store.Schema}.mt_events", $"analyze {store.Schema}.event_hashes", $"analyze {store.Schema}.stream_heads",
                 })
        {
            await using var rest = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            await rest.ExecuteNonQueryAsync();
        }
        return position;
    }
}
