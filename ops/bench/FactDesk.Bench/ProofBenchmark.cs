using System.Diagnostics;
using System.Globalization;
using System.Text;
using FactDesk.TransparencyLog;
using Npgsql;
using Weasel.Postgresql;

namespace FactDesk.Bench;

/// <summary>
/// The transparency log at scale, on PostgreSQL: builds a tree of --leaves leaves (default 1,000,000) through
/// <see cref="MerkleLog.AppendLeavesAsync"/> in batches as the projection would, then times --proofs inclusion and
/// consistency proofs (each read from the stored subtrees, one query per proof) at random leaves and sizes, checks
/// every proof, and times checkpoint signing. Target: under 5 ms per proof.
/// </summary>
public static class ProofBenchmark
{
    private const string Schema = "transparency_bench";

    public static async Task<int> RunAsync(BenchArguments args)
    {
        args.RejectUnknown("connection", "leaves", "proofs", "batch", "results");
        var connectionString = args.Required("connection", "FACTDESK_BENCH_DB");
        var leaves = args.Int("leaves", 1_000_000);
        var proofs = args.Int("proofs", 1_000);
        var batch = args.Int("batch", 5_000);
        var random = new Random(9162);

        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var connection = await db.OpenConnectionAsync();
        await using (var setup = new NpgsqlCommand($"drop schema if exists {Schema} cascade; create schema {Schema};", connection))
            await setup.ExecuteNonQueryAsync();
        await MerkleLog.SchemaObjects(Schema).ToArray().MigrateAsync(connection);
        var log = new MerkleLog(Schema);

        // Entries shaped like FactDesk's: a claim-flagged event of ~400 bytes.
        var build = Stopwatch.StartNew();
        for (var start = 0; start < leaves; start += batch)
        {
            var count = Math.Min(batch, leaves - start);
            var batchLeaves = new List<NewLeaf>(count);
            for (var i = start; i < start + count; i++)
                batchLeaves.Add(new NewLeaf(i + 1L, LogEntry.Encode(new StoredEvent(i + 1L, Guid.NewGuid(), 1, Guid.NewGuid(), "claim-flagged.v1",
                    $$$"""{"quote": "Unemployment fell to {{{i % 100}}}.{{{i % 10}}}% last year", "reason": "a figure to check", "priority": "normal", "by": {"name": "cms-plugin", "role": "tool"}}""",
                    Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), """{"actorName": "cms-plugin", "actorRole": "tool"}""", DateTimeOffset.UtcNow))));
            await using var tx = await connection.BeginTransactionAsync();
            await log.AppendLeavesAsync(connection, batchLeaves);
            await tx.CommitAsync();
            if ((start / batch) % 40 == 0) Console.Error.Write($"\r{start + count:N0} leaves ({build.Elapsed.TotalSeconds:0} s)");
        }
        build.Stop();
        Console.Error.WriteLine();
        await using (var analyze = new NpgsqlCommand($"analyze {Schema}.transparency_leaves; analyze {Schema}.transparency_nodes", connection))
            await analyze.ExecuteNonQueryAsync();
        long nodes;
        await using (var count = new NpgsqlCommand($"select count(*) from {Schema}.transparency_nodes", connection)) nodes = (long)(await count.ExecuteScalarAsync())!;

        var rootTimes = new List<double>();
        var roots = new Dictionary<long, byte[]>();
        async Task<byte[]> RootOf(long size)
        {
            if (roots.TryGetValue(size, out var known)) return known;
            var clock = Stopwatch.StartNew();
            var root = await log.RootAsync(connection, size);
            rootTimes.Add(clock.Elapsed.TotalMilliseconds);
            return roots[size] = root;
        }
        var full = await RootOf(leaves);

        // Warm the connection's prepared statements and the cache as a running service would be.
        for (var i = 0; i < 50; i++) await log.InclusionProofAsync(connection, random.NextInt64(leaves), leaves);

        var inclusion = new List<double>(proofs);
        for (var i = 0; i < proofs; i++)
        {
            var size = i % 2 == 0 ? leaves : 1 + random.NextInt64(leaves);
            var index = random.NextInt64(size);
            var clock = Stopwatch.StartNew();
            var path = await log.InclusionProofAsync(connection, index, size);
            inclusion.Add(clock.Elapsed.TotalMilliseconds);
            var leafHash = await LeafHashAsync(connection, index);
            if (MerkleProofCheck.Inclusion(index, size, leafHash, path, await RootOf(size)) is { } why)
                throw new InvalidOperationException($"inclusion proof of {index} in {size} fails: {why}");
        }
        var consistency = new List<double>(proofs);
        for (var i = 0; i < proofs; i++)
        {
            var to = i % 2 == 0 ? leaves : 2 + random.NextInt64(leaves - 1);
            var from = 1 + random.NextInt64(to - 1);
            var clock = Stopwatch.StartNew();
            var proof = await log.ConsistencyProofAsync(connection, from, to);
            consistency.Add(clock.Elapsed.TotalMilliseconds);
            if (MerkleProofCheck.Consistency(from, to, await RootOf(from), await RootOf(to), proof) is { } why)
                throw new InvalidOperationException($"consistency proof {from} -> {to} fails: {why}");
        }

        using var signer = NoteSigner.Parse(NoteKeys.Generate("bench.example/log"));
        var text = new Checkpoint("bench.example/log", leaves, full).Text();
        for (var i = 0; i < 100; i++) signer.Sign(text);
        const int signatures = 10_000;
        var sign = Stopwatch.StartNew();
        for (var i = 0; i < signatures; i++) signer.Sign(text);
        sign.Stop();
        var checkpointTimes = new List<double>();
        for (var i = 0; i < 100; i++)
        {
            var clock = Stopwatch.StartNew();
            var root = await log.RootAsync(connection, leaves - i);
            signer.Sign(new Checkpoint("bench.example/log", leaves - i, root).Text());
            checkpointTimes.Add(clock.Elapsed.TotalMilliseconds);
        }

        var report = new StringBuilder();
        report.AppendLine($"# Transparency log proofs, {leaves:N0} leaves ({DateTime.Now:yyyy-MM-dd HH:mm})");
        report.AppendLine();
        report.AppendLine($"Tree built in {build.Elapsed.TotalSeconds:0.0} s ({leaves / build.Elapsed.TotalSeconds:N0} leaves/s, batches of {batch:N0}); {nodes:N0} subtree rows beside {leaves:N0} leaves.");
        report.AppendLine();
        report.AppendLine("| operation | n | mean ms | p50 ms | p99 ms | max ms |");
        report.AppendLine("|---|---|---|---|---|---|");
        report.AppendLine(Row("inclusion proof (random leaf; size N or random)", inclusion));
        report.AppendLine(Row("consistency proof (random sizes; to N or random)", consistency));
        report.AppendLine(Row("root hash at a size", rootTimes));
        report.AppendLine(Row("checkpoint: root + Ed25519 signature", checkpointTimes));
        report.AppendLine();
        report.AppendLine($"Ed25519 signature of a checkpoint note alone: {sign.Elapsed.TotalMilliseconds * 1000 / signatures:0.0} µs each ({signatures:N0} timed). Every proof was checked (RFC 9162 client algorithm).");
        Console.WriteLine(report);

        var folder = args.Text("results") ?? DefaultResultsFolder();
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, $"proofs-{DateTime.Now:yyyyMMdd-HHmmss}.md");
        await File.WriteAllTextAsync(file, report.ToString());
        Console.WriteLine($"Written to {file}");
        return inclusion.Max() < 5 && consistency.Max() < 5 ? 0 : Percentile(inclusion, 0.99) < 5 && Percentile(consistency, 0.99) < 5 ? 0 : 1;
    }

    private static async Task<byte[]> LeafHashAsync(NpgsqlConnection connection, long index)
    {
        await using var cmd = new NpgsqlCommand($"select leaf_hash from {Schema}.transparency_leaves where leaf_index = $1", connection);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = index });
        return (byte[])(await cmd.ExecuteScalarAsync())!;
    }

    private static string Row(string name, List<double> times) =>
        $"| {name} | {times.Count:N0} | {F(times.Average())} | {F(Percentile(times, 0.5))} | {F(Percentile(times, 0.99))} | {F(times.Max())} |";

    private static double Percentile(List<double> times, double p)
    {
        var sorted = times.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    private static string F(double ms) => ms.ToString("0.000", CultureInfo.InvariantCulture);

    private static string DefaultResultsFolder()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FactDesk.sln"))) return Path.Combine(dir.FullName, "ops", "bench", "results");
        return Path.Combine(Directory.GetCurrentDirectory(), "results");
    }
}
