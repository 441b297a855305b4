using System.Globalization;
using JasperFx.Events;
using Npgsql;

namespace FactDesk.Bench;

/// <summary>
/// Append throughput, one event per append, at several writer counts: FactDesk's append beside a raw INSERT of the
/// same row from .NET and from pgbench, and Marten (plain, and under FactDesk's group commit), in one run on one
/// database, each cell starting from empty tables. A cell that fails prints as failed; the rest of the tables still print.
/// </summary>
public static class AppendBenchmark
{
    public static async Task<int> RunAsync(BenchArguments args)
    {
        args.RejectUnknown("connection", "seconds", "warmup", "writers", "events-per-stream", "pgbench", "results", "emmett-connection", "emmett-script", "lanes", "max-batch", "rounds", "only");
        var connectionString = args.Required("connection", "FACTDESK_BENCH_DB");
        var seconds = args.Int("seconds", 10);
        var warmUpSeconds = args.Int("warmup", 1);
        var writerCounts = args.IntList("writers", [1, 8, 32]);
        // The machines are shared: one cell can lose a third to a neighbour. Rounds repeat the sweep, cells interleaved,
        // and the targets' ratios are taken within each round, then their median.
        var rounds = args.Int("rounds", 1);
        var eventsPerStream = args.Int("events-per-stream", 20);
        var pgbenchPath = args.Text("pgbench") ?? Environment.GetEnvironmentVariable("FACTDESK_BENCH_PGBENCH") ?? PgbenchInsert.Find();
        var resultsFolder = args.Text("results") ?? DefaultResultsFolder();
        // Emmett gets a database of its own on the same server: its schema and FactDesk's must not share tables or statistics.
        var emmettConnection = args.Text("emmett-connection") ?? Environment.GetEnvironmentVariable("FACTDESK_BENCH_EMMETT_DB");
        var emmettScript = args.Text("emmett-script") ?? EmmettAppend.Find();

        // Every writer holds one connection at a time; a pool smaller than the writers would measure waiting for it.
        var connection = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = writerCounts.Max() + 2, MaxAutoPrepare = 50 }; // both sides prepared, as the service runs
        await using var rawSource = NpgsqlDataSource.Create(connection.ConnectionString);
        await using var factDeskSource = NpgsqlDataSource.Create(connection.ConnectionString);
        IAppendWorkload raw = new RawInsertWorkload(rawSource, eventsPerStream);
        IAppendWorkload factDesk = new FactDeskAppendWorkload(factDeskSource, eventsPerStream);
        // Extra FactDesk columns with other group-commit settings, to find the best defaults side by side in one run.
        var variants = new List<IAppendWorkload>();
        foreach (var lanes in args.IntList("lanes", []))
            variants.Add(new FactDeskAppendWorkload(NpgsqlDataSource.Create(connection.ConnectionString), eventsPerStream, $"{lanes} lanes", o => o.CommitLanes = lanes));
        foreach (var maxBatch in args.IntList("max-batch", []))
            variants.Add(new FactDeskAppendWorkload(NpgsqlDataSource.Create(connection.ConnectionString), eventsPerStream, $"batch <= {maxBatch}", o => o.MaxAppendsPerCommit = maxBatch));
        // --only factdesk: FactDesk's cell and its variants alone, for tuning group commit in short alternated runs.
        var factDeskOnly = args.Text("only") switch
        {
            null => false,
            "factdesk" => true,
            var other => throw new BenchUsageException($"--only takes factdesk, not {other}"),
        };
        var pgbench = pgbenchPath is null || factDeskOnly ? null : new PgbenchInsert(pgbenchPath, connection);
        var emmett = emmettConnection is null || emmettScript is null || factDeskOnly ? null : new EmmettAppend(emmettScript, new NpgsqlConnectionStringBuilder(emmettConnection));
        // Marten's event store, schema factdesk (its mt_ tables beside the engine's): default (rich) and Quick append, one
        // session and transaction per append; and FactDesk's group commit on Marten (Quick). They share mt_events.
        var martenDefault = new MartenAppendWorkload(connection.ConnectionString, eventsPerStream, EventAppendMode.Rich);
        var martenQuick = new MartenAppendWorkload(connection.ConnectionString, eventsPerStream, EventAppendMode.Quick);
        var groupCommit = new MartenGroupCommitWorkload(connection.ConnectionString, eventsPerStream);
        IAppendWorkload[] marten = [martenDefault, martenQuick, groupCommit];
        await raw.PrepareAsync();
        await factDesk.PrepareAsync();
        string? martenFailure = null;
        try
        {
            foreach (var workload in marten) await workload.PrepareAsync();
        }
        catch (Exception e)
        {
            martenFailure = $"{e.GetType().Name}: {e.Message}";
            Console.WriteLine($"Marten could not be set up, its columns fail: {martenFailure}");
        }

        // Every cell starts from empty tables with their pages flushed: none inherits size or a pending checkpoint from another.
        async Task ClearAll()
        {
            await raw.ClearAsync();
            await factDesk.ClearAsync();
            if (martenFailure is null) await martenQuick.ClearAsync(); // the three Marten workloads share its tables
            await using var checkpoint = rawSource.CreateCommand("checkpoint");
            await checkpoint.ExecuteNonQueryAsync();
        }

        var server = await DescribeServerAsync(rawSource);
        var serverCpu = await ServerCpu.FindAsync(rawSource);
        var settings = $"{seconds} s per cell after {warmUpSeconds} s warm-up; one event per append; {eventsPerStream} events per stream " +
                       $"(1 in {eventsPerStream} appends creates a stream, the rest expect an exact version); {Environment.ProcessorCount} cores{LoadAverage()}; {server}";
        Console.WriteLine($"append benchmark: {settings}");
        if (factDeskOnly) Console.WriteLine("--only factdesk: the other cells are not run");
        else
        {
            if (pgbench is null) Console.WriteLine("pgbench not found (pass --pgbench PATH): its column stays empty");
            if (emmett is null) Console.WriteLine("Emmett not set up (ops/bench/run installs it; or pass --emmett-connection and --emmett-script): its column stays empty");
        }

        // The first cell would otherwise pay for JIT tiering and Npgsql's type loading in the measured window.
        Console.WriteLine($"  warming up the .NET workloads ({warmUpSeconds} s each, {writerCounts.Max()} writers)");
        foreach (var workload in factDeskOnly ? [factDesk, .. variants] : new[] { raw, factDesk }.Concat(martenFailure is null ? marten : []))
        {
            try
            {
                await ClearAll();
                await ClosedLoop.RunAsync(writerCounts.Max(), workload.CreateWriter, TimeSpan.FromSeconds(warmUpSeconds), TimeSpan.FromSeconds(warmUpSeconds));
            }
            catch (Exception e)
            {
                Console.WriteLine($"  warm-up of {workload.Name} failed: {e.GetType().Name}: {e.Message}");
            }
        }

        var throughput = new MarkdownTable("writers", raw.Name, PgbenchInsert.Name, factDesk.Name, EmmettAppend.Name,
            "FactDesk/raw", "FactDesk/pgbench", "FactDesk/Emmett", "Emmett/pgbench");
        var variantTable = new MarkdownTable(["writers", factDesk.Name, .. variants.Select(v => v.Name), .. variants.Select(v => v.Name + "/pgbench")]);
        var clientCpu = new MarkdownTable("writers", raw.Name, factDesk.Name, "FactDesk - raw", EmmettAppend.Name + " (node)");
        var serverCpuTable = new MarkdownTable("writers", raw.Name, PgbenchInsert.Name, factDesk.Name, EmmettAppend.Name + " (approx.)");
        var martenTable = new MarkdownTable("writers", martenDefault.Name, martenQuick.Name, groupCommit.Name,
            "group commit/Marten Quick", "group commit/Marten", "group commit/FactDesk", "group commit/pgbench");
        var martenCpuTable = new MarkdownTable(["writers", .. marten.Select(m => $"{m.Name}, client"), .. marten.Select(m => $"{m.Name}, server")]);
        var batching = new MarkdownTable("writers", factDesk.Name, groupCommit.Name);
        var ceilings = new MarkdownTable("writers", $"{factDesk.Name}: cores busy", "its ceiling", $"{groupCommit.Name}: cores busy", "its ceiling",
            $"{martenQuick.Name}: cores busy", "its ceiling", "FactDesk's ceiling / Marten Quick measured");
        var failures = new List<string>();
        var targetRatios = writerCounts.Distinct().ToDictionary(w => w, _ => (OfMartenQuick: new List<double>(), OfPgbench: new List<double>()));
        foreach (var (round, writers) in Enumerable.Range(1, rounds).SelectMany(r => writerCounts.Select(w => (r, w))))
        {
            var row = rounds == 1 ? writers.ToString() : $"{writers} (round {round})";
            var rawResult = factDeskOnly ? Throughput.Skipped : await MeasureAsync(raw, writers, warmUpSeconds, seconds, ClearAll, serverCpu, failures);
            Throughput? pgbenchResult = null;
            if (pgbench is not null)
            {
                Console.WriteLine($"  {writers,2} writers, {PgbenchInsert.Name} ...");
                pgbenchResult = await CellAsync(PgbenchInsert.Name, writers, async () => { await ClearAll(); return await pgbench.RunAsync(writers, warmUpSeconds, seconds, serverCpu); }, failures);
            }
            var factDeskResult = await MeasureAsync(factDesk, writers, warmUpSeconds, seconds, ClearAll, serverCpu, failures);
            Throughput? emmettResult = null;
            if (emmett is not null)
            {
                Console.WriteLine($"  {writers,2} writers, {EmmettAppend.Name} ...");
                // its own tables are emptied by the script; ClearAll's checkpoint flushes FactDesk's cell
                emmettResult = await CellAsync(EmmettAppend.Name, writers, async () => { await ClearAll(); return await emmett.RunAsync(writers, warmUpSeconds, seconds, eventsPerStream, serverCpu); }, failures);
            }

            throughput.Add(row, Rate(rawResult), pgbenchResult is null ? "-" : Rate(pgbenchResult), Rate(factDeskResult),
                emmettResult is null ? "-" : Rate(emmettResult),
                Ratio(factDeskResult, rawResult), pgbenchResult is null ? "-" : Ratio(factDeskResult, pgbenchResult),
                emmettResult is null ? "-" : Ratio(factDeskResult, emmettResult),
                emmettResult is null || pgbenchResult is null ? "-" : Ratio(emmettResult, pgbenchResult));
            string Server(Throughput? t) => t?.ServerCpuMicrosecondsPerOperation is { } us ? Micros(us) : "-";
            serverCpuTable.Add(row, Server(rawResult), Server(pgbenchResult), Server(factDeskResult), Server(emmettResult));
            if (variants.Count > 0)
            {
                var measured = new List<Throughput>();
                foreach (var variant in variants) measured.Add(await MeasureAsync(variant, writers, warmUpSeconds, seconds, ClearAll, serverCpu, failures));
                variantTable.Add([row, Rate(factDeskResult), .. measured.Select(Rate), .. measured.Select(m => pgbenchResult is null ? "-" : Ratio(m, pgbenchResult))]);
            }
            string Client(Throughput? t) => t?.ClientCpuMicrosecondsPerOperation is { } us ? Micros(us) : "-";
            clientCpu.Add(row, Client(rawResult), Client(factDeskResult),
                rawResult.ClientCpuMicrosecondsPerOperation is { } rawCpu && factDeskResult.ClientCpuMicrosecondsPerOperation is { } factDeskCpu ? Micros(factDeskCpu - rawCpu) : "-",
                Client(emmettResult));

            var martenResults = new List<Throughput>();
            foreach (var workload in marten)
                martenResults.Add(factDeskOnly ? Throughput.Skipped
                    : martenFailure is null ? await MeasureAsync(workload, writers, warmUpSeconds, seconds, ClearAll, serverCpu, failures)
                    : new Throughput(0, TimeSpan.Zero, null) { Failure = martenFailure });
            var (martenDefaultResult, martenQuickResult, groupCommitResult) = (martenResults[0], martenResults[1], martenResults[2]);
            martenTable.Add(row, Rate(martenDefaultResult), Rate(martenQuickResult), Rate(groupCommitResult),
                Ratio(groupCommitResult, martenQuickResult), Ratio(groupCommitResult, martenDefaultResult), Ratio(groupCommitResult, factDeskResult),
                pgbenchResult is null ? "-" : Ratio(groupCommitResult, pgbenchResult));
            martenCpuTable.Add([row, .. martenResults.Select(Client), .. martenResults.Select(Server)]);
            string PerCommit(Throughput t) => t.AppendsPerCommit is { } n ? n.ToString("N1", System.Globalization.CultureInfo.InvariantCulture) : "-";
            batching.Add(row, PerCommit(factDeskResult), PerCommit(groupCommitResult));
            ceilings.Add(row, CoresBusy(factDeskResult), Ceiling(factDeskResult), CoresBusy(groupCommitResult), Ceiling(groupCommitResult),
                CoresBusy(martenQuickResult), Ceiling(martenQuickResult),
                CeilingPerSecond(factDeskResult) is { } top && martenQuickResult is { Failure: null, PerSecond: > 0 } ? FormatRatio(top / martenQuickResult.PerSecond) : "-");
            if (factDeskResult.Failure is null && martenQuickResult is { Failure: null, PerSecond: > 0 })
                targetRatios[writers].OfMartenQuick.Add(factDeskResult.PerSecond / martenQuickResult.PerSecond);
            if (factDeskResult.Failure is null && pgbenchResult is { Failure: null, PerSecond: > 0 })
                targetRatios[writers].OfPgbench.Add(factDeskResult.PerSecond / pgbenchResult.PerSecond);
        }

        var targets = new MarkdownTable("writers", "FactDesk/Marten Quick, each round", "median", "FactDesk/pgbench, each round", "median");
        foreach (var (writers, ratios) in targetRatios)
            targets.Add(writers.ToString(), Each(ratios.OfMartenQuick), Median(ratios.OfMartenQuick), Each(ratios.OfPgbench), Median(ratios.OfPgbench));

        var report = $"""
            # Append throughput, events/s

            {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}; {settings}{(rounds > 1 ? $"; {rounds} rounds" : "")}.

            The targets (issue 11: at 32 writers FactDesk >= 2.5x plain Marten Quick and >= 0.5x pgbench), each ratio taken within one round:

            {targets}
            {throughput}
            Client CPU per append (µs; .NET: this process, thread-pool spinning while waiting included; Emmett: its node process; pgbench's own CPU is not measured):

            {clientCpu}
            PostgreSQL server CPU per append (µs; all its processes, from /proc; with the clients' figures above, what one append costs the 2 cores):

            {serverCpuTable}
            On Marten {MartenVersion()} (schema factdesk; one event per append, same streams and payload; Marten's rows carry no
            metadata or hash): plain Marten, one session and transaction per append, default (rich) and Quick append mode;
            FactDesk's group commit on Marten (FactDesk.GroupCommit, Quick append, {new FactDesk.GroupCommit.GroupCommitOptions().Lanes} lanes, batch <= {new FactDesk.GroupCommit.GroupCommitOptions().MaxAppendsPerCommit}):

            {martenTable}
            CPU per append on Marten (µs; client: this process; server: PostgreSQL's processes):

            {martenCpuTable}
            How much of the machine each Marten-based append used, and what it would reach with all {Environment.ProcessorCount} cores busy (cores
            divided by client + server CPU per append, the benchmark's own bookkeeping and spinning counted as the append's; the
            machine's other load ignored).
            Once a workload's cores-busy figure is near {Environment.ProcessorCount}, only less CPU per append makes it faster; the last column bounds
            the FactDesk/Marten Quick ratio this run could have shown had FactDesk kept every core busy, Marten Quick as measured:

            {ceilings}
            Appends per commit (group commit's batches; over each cell, its warm-up included):

            {batching}
            {(failures.Count > 0 ? "Failed cells:\n\n" + string.Join("\n", failures.Select(f => "- " + f)) + "\n" : "")}
            {(variants.Count > 0 ? $"Group-commit settings side by side (defaults: {new FactDesk.TamperEvidence.TamperEvidentLogOptions().CommitLanes} lanes, batch <= {new FactDesk.TamperEvidence.TamperEvidentLogOptions().MaxAppendsPerCommit}):\n\n{variantTable}" : "")}
            """;
        Console.WriteLine();
        Console.WriteLine(report);

        Directory.CreateDirectory(resultsFolder);
        var file = Path.Combine(resultsFolder, $"append-{DateTime.Now:yyyyMMdd-HHmmss}.md");
        await File.WriteAllTextAsync(file, report);
        Console.WriteLine($"written to {file}");
        return 0;
    }

    private static async Task<Throughput> MeasureAsync(IAppendWorkload workload, int writers, int warmUpSeconds, int seconds, Func<Task> clearAll, ServerCpu? serverCpu, List<string> failures)
    {
        Console.WriteLine($"  {writers,2} writers, {workload.Name} ...");
        // Emptying the tables belongs to the cell: if it fails, this cell fails, not the run.
        return await CellAsync(workload.Name, writers, async () =>
        {
            await clearAll();
            var before = workload.GroupCommits;
            var result = await ClosedLoop.RunAsync(writers, workload.CreateWriter, TimeSpan.FromSeconds(warmUpSeconds), TimeSpan.FromSeconds(seconds), serverCpu);
            return before is { } b && workload.GroupCommits is { } after && after.Commits > b.Commits
                ? result with { AppendsPerCommit = (double)(after.Appends - b.Appends) / (after.Commits - b.Commits) }
                : result;
        }, failures);
    }

    /// <summary>Runs one cell; an error makes it a failed cell (recorded with its reason) instead of ending the run.</summary>
    private static async Task<Throughput> CellAsync(string name, int writers, Func<Task<Throughput>> run, List<string> failures)
    {
        try
        {
            return await run();
        }
        catch (Exception e)
        {
            var failed = Throughput.Failed(e);
            failures.Add($"{name}, {writers} writers: {failed.Failure}");
            Console.WriteLine($"  {writers,2} writers, {name} failed: {failed.Failure}");
            return failed;
        }
    }

    /// <summary>The cores a cell kept busy: its rate times its client and server CPU per append.</summary>
    private static string CoresBusy(Throughput t) =>
        t is { Failure: null, ClientCpuMicrosecondsPerOperation: { } client, ServerCpuMicrosecondsPerOperation: { } server }
            ? (t.PerSecond * (client + server) / 1e6).ToString("0.00", CultureInfo.InvariantCulture) : "-";

    /// <summary>Appends per second with every core busy at the cell's CPU per append; null when its CPU was not measured.</summary>
    private static double? CeilingPerSecond(Throughput t) =>
        t is { Failure: null, ClientCpuMicrosecondsPerOperation: { } client, ServerCpuMicrosecondsPerOperation: { } server } && client + server > 0
            ? Environment.ProcessorCount * 1e6 / (client + server) : null;

    private static string Ceiling(Throughput t) => CeilingPerSecond(t) is { } top ? top.ToString("N0", CultureInfo.InvariantCulture) : "-";

    private static string MartenVersion() =>
        typeof(Marten.DocumentStore).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "";

    private static async Task<string> DescribeServerAsync(NpgsqlDataSource dataSource)
    {
        await using var cmd = dataSource.CreateCommand(
            "select current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit')");
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return $"PostgreSQL {reader.GetString(0)}, fsync {reader.GetString(1)}, synchronous_commit {reader.GetString(2)}";
    }

    /// <summary>Other work on the machine skews every figure of a run; the load at its start tells how much to trust it.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? $", load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start" : "";

    private static string Rate(Throughput t) =>
        t.Failure is null ? t.PerSecond.ToString("N0", CultureInfo.InvariantCulture) : ReferenceEquals(t, Throughput.Skipped) ? "-" : "failed";
    private static string Ratio(Throughput a, Throughput b) =>
        a.Failure is null && b.Failure is null && b.PerSecond > 0 ? (a.PerSecond / b.PerSecond).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";
    private static string Each(List<double> ratios) => ratios.Count == 0 ? "-" : string.Join(", ", ratios.Select(FormatRatio));
    private static string Median(List<double> ratios) =>
        ratios.Count == 0 ? "-" : FormatRatio(ratios.Order().ToList() is var sorted && sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2);
    private static string FormatRatio(double ratio) => ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x";
    private static string Micros(double value) => value.ToString("0", CultureInfo.InvariantCulture);

    /// <summary>ops/bench/results of the repository around the current folder (git-ignored), else ./results.</summary>
    internal static string DefaultResultsFolder()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FactDesk.sln"))) return Path.Combine(dir.FullName, "ops", "bench", "results");
        return Path.Combine(Directory.GetCurrentDirectory(), "results");
    }
}
