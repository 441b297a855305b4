using System.Diagnostics;
using FactDesk.Api.Audit;
using FactDesk.Api.Claims;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.Api.Queue;
using FactDesk.Api.Queue.GettingTheQueue;
using FactDesk.TamperEvidence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

// Read-model benchmarks: the review queue at 100,000 claims, point-in-time reads of a long claim, and rebuild speed.
// usage: read-models queue|asof|rebuild|all [--connection <cs>]   (or FACTDESK_BENCH_DB)
var command = args.FirstOrDefault(a => !a.StartsWith("--")) ?? "all";
var connectionIndex = Array.IndexOf(args, "--connection");
var connectionString = connectionIndex >= 0 && connectionIndex + 1 < args.Length ? args[connectionIndex + 1]
    : Environment.GetEnvironmentVariable("FACTDESK_BENCH_DB")
      ?? throw new InvalidOperationException("Give --connection <cs> or set FACTDESK_BENCH_DB.");

switch (command)
{
    case "queue": await Bench.QueueAsync(connectionString); break;
    case "asof": await Bench.AsOfAsync(connectionString); break;
    case "rebuild": await Bench.RebuildAsync(connectionString); break;
    case "all":
        await Bench.QueueAsync(connectionString);
        await Bench.AsOfAsync(connectionString);
        await Bench.RebuildAsync(connectionString);
        break;
    default:
        Console.Error.WriteLine("usage: read-models queue|asof|rebuild|all [--connection <cs>]");
        return 2;
}
return 0;

internal static class Bench
{
    private static readonly EventMetadata Metadata = new("bench", Roles.Editor, "bench", "bench");

    /// <summary>A fresh schema and the service's own store wiring (every projection of the Api).</summary>
    private static async Task<(ServiceProvider Services, TamperEvidentLog Store, ProjectionControl Runner)> FreshStoreAsync(string connectionString)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:FactDesk", connectionString)]).Build();
        var services = new ServiceCollection().AddLogging().AddFactDeskStore(configuration).BuildServiceProvider();
        var store = services.GetRequiredService<TamperEvidentLog>();
        await using (var drop = store.DataSource.CreateCommand($"drop schema if exists {store.Schema} cascade"))
            await drop.ExecuteNonQueryAsync();
        await store.MigrateAsync();
        return (services, store, new ProjectionControl(store));
    }

    /// <summary>
    /// Writes claims straight through <c>append_events</c> in bulk (hash chains included), 2,000 claims per statement:
    /// each claim is flagged, assigned, gets sources, and one in ten is dismissed, one in ten has a verdict proposed.
    /// </summary>
    private static async Task<long> SeedClaimsAsync(TamperEvidentLog store, int claims, int eventsPerClaim)
    {
        var clock = Stopwatch.StartNew();
        const int chunk = 2000;
        long events = 0;
        for (var from = 1; from <= claims; from += chunk)
        {
            var to = Math.Min(claims, from + chunk - 1);
            await using var cmd = store.DataSource.CreateCommand($$"""
                select count(*) from (
                    select {{store.Schema}}.append_events(c.id, 'claim', 0, e.ids, e.types, e.datas, e.metas)
                    from (select gen_random_uuid() as id, g from generate_series($1, $2) g) c,
                    lateral (
                        select array_agg(gen_random_uuid() order by k) ids, array_agg(t order by k) types, array_agg(d order by k) datas,
                               array_agg('{"actorName":"bench","actorRole":"editor","correlationId":"bench","causationId":"bench"}'::jsonb order by k) metas
                        from (
                            select k,
                                case when k = 1 then 'claim-flagged.v1' when k = 2 then 'claim-assigned.v1'
                                     when k = $3 and c.g % 10 = 0 then 'claim-dismissed.v1'
                                     when k = $3 and c.g % 10 = 1 then 'verdict-proposed.v1'
                                     else 'source-attached.v1' end as t,
                                case when k = 1 then jsonb_build_object('claimId', c.id, 'quote', 'claim number ' || c.g, 'documentId', md5('doc' || (c.g % 500))::uuid,
                                        'prefix', null, 'suffix', null, 'reason', 'bench', 'priority', (array['low','normal','high','urgent'])[1 + c.g % 4],
                                        'dueAt', case when c.g % 3 = 0 then null else to_jsonb(now() + (c.g % 240) * interval '1 hour') end,
                                        'assertion', null, 'by', jsonb_build_object('name', 'bench', 'role', 'tool'), 'at', now() - (c.g % 1000) * interval '1 minute')
                                     when k = 2 then jsonb_build_object('claimId', c.id, 'assignee', 'editor-' || (c.g % 20),
                                        'by', jsonb_build_object('name', 'bench', 'role', 'editor'), 'at', now())
                                     when k = $3 and c.g % 10 = 0 then jsonb_build_object('claimId', c.id, 'reason', 'not checkable',
                                        'by', jsonb_build_object('name', 'bench', 'role', 'editor'), 'at', now())
                                     when k = $3 and c.g % 10 = 1 then jsonb_build_object('claimId', c.id, 'rating', 'false', 'summary', 'wrong figure', 'correction', null,
                                        'by', jsonb_build_object('name', 'bench', 'role', 'editor'), 'at', now())
                                     else jsonb_build_object('claimId', c.id, 'sourceId', gen_random_uuid(), 'url', 'https://stats.example/' || k, 'citation', null,
                                        'title', null, 'publisher', null, 'publishedOn', null, 'quote', null, 'stance', 'supports', 'kind', 'primary',
                                        'by', jsonb_build_object('name', 'bench', 'role', 'editor'), 'at', now()) end as d
                            from generate_series(1, $3) k
                        ) x
                    ) e
                ) appended
                """);
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = from });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = to });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = eventsPerClaim });
            cmd.CommandTimeout = 600;
            events += (long)(await cmd.ExecuteScalarAsync())!;
        }
        Console.WriteLine($"  seeded {claims:N0} claims, {events:N0} events in {clock.Elapsed.TotalSeconds:N1} s ({events / clock.Elapsed.TotalSeconds:N0} events/s, bulk append_events)");
        return events;
    }

    private static string Stats(List<double> ms)
    {
        ms.Sort();
        double At(double q) => ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(q * ms.Count) - 1)];
        return $"median {At(0.5):N2} ms, p99 {At(0.99):N2} ms, max {ms[^1]:N2} ms over {ms.Count} reads";
    }

    public static async Task QueueAsync(string connectionString)
    {
        Console.WriteLine("== queue: GET /api/queue query at 100,000 claims");
        var (services, store, runner) = await FreshStoreAsync(connectionString);
        await using var _ = services;
        await SeedClaimsAsync(store, 100_000, 4);
        var clock = Stopwatch.StartNew();
        await runner.RebuildAsync(ReviewQueueProjection.ProjectionName);
        Console.WriteLine($"  review-queue filled by rebuild in {clock.Elapsed.TotalSeconds:N1} s");
        await using (var analyze = store.DataSource.CreateCommand($"analyze {store.Schema}.review_queue"))
            await analyze.ExecuteNonQueryAsync();

        // Inline cost: claims flagged one per append through the store, queue row and NOTIFY in the same transaction.
        clock.Restart();
        const int flags = 2000;
        await Parallel.ForEachAsync(Enumerable.Range(0, flags), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var id = Guid.NewGuid();
            await store.AppendAsync(id, Claim.StreamType, ExpectedVersion.NoStream, new ClaimFlagged(id, $"fresh claim {i}", null, null, null, "bench",
                (Priority)(i % 4), null, null, new Actor("bench", Roles.Tool), DateTimeOffset.UtcNow), Metadata, ct);
        });
        Console.WriteLine($"  {flags:N0} flags through the store (8 writers, inline queue + NOTIFY): {flags / clock.Elapsed.TotalSeconds:N0} appends/s");

        var random = new Random(42);
        var documents = new List<Guid>();
        await using (var cmd = store.DataSource.CreateCommand($"select distinct document_id from {store.Schema}.review_queue where document_id is not null limit 50"))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) documents.Add(reader.GetGuid(0));

        QueueFilter Pick(int i) => (i % 6) switch
        {
            0 => new QueueFilter(null, null, null, null, 50, null),
            1 => new QueueFilter(ClaimStatus.InReview, null, null, null, 50, null),
            2 => new QueueFilter(null, $"editor-{random.Next(20)}", null, null, 50, null),
            3 => new QueueFilter(null, null, (Priority)random.Next(4), null, 50, null),
            4 => new QueueFilter(null, null, null, documents[random.Next(documents.Count)], 50, null),
            _ => new QueueFilter(ClaimStatus.InReview, $"editor-{random.Next(20)}", Priority.Urgent, null, 200, null),
        };
        for (var i = 0; i < 30; i++) await GetQueueEndpoint.ReadPageAsync(store.DataSource, Pick(i), CancellationToken.None);

        var firstPages = new List<double>();
        var laterPages = new List<double>();
        for (var i = 0; i < 500; i++)
        {
            var filter = Pick(i);
            var watch = Stopwatch.StartNew();
            var page = await GetQueueEndpoint.ReadPageAsync(store.DataSource, filter, CancellationToken.None);
            firstPages.Add(watch.Elapsed.TotalMilliseconds);
            if (page.NextCursor is { } cursor)
            {
                watch.Restart();
                await GetQueueEndpoint.ReadPageAsync(store.DataSource, filter with { After = QueueCursor.TryDecode(cursor) }, CancellationToken.None);
                laterPages.Add(watch.Elapsed.TotalMilliseconds);
            }
        }
        Console.WriteLine($"  first pages (mixed filters): {Stats(firstPages)}");
        Console.WriteLine($"  next pages by cursor:        {Stats(laterPages)}");
    }

    public static async Task AsOfAsync(string connectionString)
    {
        Console.WriteLine("== asof: reading a claim with 1,000 events as it was at a moment");
        var (services, store, _) = await FreshStoreAsync(connectionString);
        await using var __ = services;
        var id = Guid.NewGuid();
        var by = new Actor("bench", Roles.Editor);
        await store.AppendAsync(id, Claim.StreamType, ExpectedVersion.NoStream,
            new ClaimFlagged(id, "a long-running claim", null, null, null, "bench", Priority.High, null, null, by, DateTimeOffset.UtcNow), Metadata);
        var times = new List<DateTimeOffset>();
        for (var v = 2; v <= 1000; v++)
        {
            object e = v % 50 == 0
                ? new ClaimAssigned(id, $"editor-{v % 7}", by, DateTimeOffset.UtcNow)
                : new SourceAttached(id, Guid.NewGuid(), $"https://stats.example/{v}", null, null, null, null, null, Stance.Context, SourceKind.Secondary, by, DateTimeOffset.UtcNow);
            times.Add((await store.AppendAsync(id, Claim.StreamType, ExpectedVersion.Exactly(v - 1), e, Metadata)).Events[0].RecordedAt);
        }
        var random = new Random(7);
        for (var i = 0; i < 20; i++) await store.AggregateStreamAsync(id, StateFolder<Claim>.Instance, asOf: times[random.Next(times.Count)]);
        var asOf = new List<double>();
        var whole = new List<double>();
        for (var i = 0; i < 300; i++)
        {
            var watch = Stopwatch.StartNew();
            var (claim, _) = await store.AggregateStreamAsync(id, StateFolder<Claim>.Instance, asOf: times[random.Next(times.Count)]);
            asOf.Add(watch.Elapsed.TotalMilliseconds);
            if (claim is null) throw new InvalidOperationException("asOf read found nothing");
            watch.Restart();
            await store.AggregateStreamAsync(id, StateFolder<Claim>.Instance);
            whole.Add(watch.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"  asOf (random moment, read + fold): {Stats(asOf)}");
        Console.WriteLine($"  current state (all 1,000 events):  {Stats(whole)}");
    }

    public static async Task RebuildAsync(string connectionString)
    {
        Console.WriteLine("== rebuild: review-queue and audit-trail from 1,000,000 events");
        var (services, store, runner) = await FreshStoreAsync(connectionString);
        await using var _ = services;
        var events = await SeedClaimsAsync(store, 100_000, 10);
        foreach (var name in new[] { ReviewQueueProjection.ProjectionName, AuditTrailProjection.ProjectionName })
        {
            var clock = Stopwatch.StartNew();
            await runner.RebuildAsync(name);
            Console.WriteLine($"  {name}: {events:N0} events in {clock.Elapsed.TotalSeconds:N1} s = {events / clock.Elapsed.TotalSeconds:N0} events/s");
        }
        await using var count = store.DataSource.CreateCommand($"select (select count(*) from {store.Schema}.review_queue), (select count(*) from {store.Schema}.audit_trail)");
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        Console.WriteLine($"  rows: review_queue {reader.GetInt64(0):N0}, audit_trail {reader.GetInt64(1):N0}");
    }
}
