using System.Diagnostics;
using System.Threading.Channels;
using JasperFx.Events.Daemon;
using Npgsql;

namespace FactDesk.TamperEvidence;

/// <summary>Progress of a rebuild: events done so far out of the total, and the time taken.</summary>
public sealed record ProjectionProgress(string Projection, long EventsDone, long EventsTotal, TimeSpan Elapsed)
{
    public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? EventsDone / Elapsed.TotalSeconds : 0;
    public TimeSpan? Remaining => EventsPerSecond > 0 ? TimeSpan.FromSeconds((EventsTotal - EventsDone) / EventsPerSecond) : null;
}

/// <summary>
/// What operators and tests ask of the projections: where each one is, waiting until they have caught up, and
/// rebuilding one. Async projections live on Marten's daemon (its progress, its rebuild); inline ones are FactDesk's
/// group commit's, so their rebuild replays the log into them here, in one transaction.
/// </summary>
public sealed class ProjectionControl(TamperEvidentLog store, Func<ValueTask<IProjectionDaemon>>? daemon = null)
{
    /// <summary>
    /// Set to <c>on</c> (transaction-local) while a rebuild replays, so a projection can tell replayed history from
    /// news, e.g. to stay silent instead of announcing every old change: <c>current_setting('factdesk.replaying', true)</c>.
    /// </summary>
    public const string ReplayingSetting = "factdesk.replaying";

    public IEnumerable<IProjection> AsyncProjections => store.AsyncProjections.Select(p => p.Projection);

    /// <summary>The last position an async projection has committed (Marten's <c>mt_event_progression</c>); 0 before it ran.</summary>
    public async Task<long> GetCheckpointAsync(string projection, CancellationToken ct = default)
    {
        await using var cmd = store.DataSource.CreateCommand($"select last_seq_id from {store.Schema}.mt_event_progression where name = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ShardName(projection) });
        return await cmd.ExecuteScalarAsync(ct) is long position ? position : 0;
    }

    /// <summary>Marten's name for the one shard of a FactDesk projection.</summary>
    public static string ShardName(string projection) => projection + ":All";

    /// <summary>Waits until every async projection has read every event stored when called (the daemon must be running).</summary>
    public async Task CatchUpAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var target = await LastPositionAsync(limit.Token);
        while (true)
        {
            var lagging = false;
            foreach (var projection in AsyncProjections)
                lagging |= await GetCheckpointAsync(projection.Name, limit.Token) < target;
            if (!lagging) return;
            await Task.Delay(20, limit.Token);
        }
    }

    /// <summary>
    /// Empties a projection's tables and replays every event into it. An async one is rebuilt by Marten's daemon
    /// (which stops the projection meanwhile); an inline one in one transaction, so readers keep the old rows until it commits.
    /// </summary>
    public async Task RebuildAsync(string name, IProgress<ProjectionProgress>? progress = null, CancellationToken ct = default)
    {
        var projection = store.Options.Projections.SingleOrDefault(p => p.Name == name)
            ?? throw new ArgumentException($"No projection named '{name}'. Known: {string.Join(", ", store.Options.Projections.Select(p => p.Name))}.");
        if (projection.Lifecycle == ProjectionLifecycle.Async) await RebuildOnDaemonAsync(name, progress, ct);
        else await RebuildInlineAsync(projection, progress, ct);
    }

    private async Task RebuildOnDaemonAsync(string name, IProgress<ProjectionProgress>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var total = await CountAsync(ct);
        await using (var forget = store.DataSource.CreateCommand($"delete from {store.Schema}.daemon_positions where projection = $1"))
        {
            forget.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            await forget.ExecuteNonQueryAsync(ct);
        }
        var running = daemon is null ? await store.Marten.BuildProjectionDaemonAsync() : await daemon();
        using var reporting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reporter = Task.Run(async () =>
        {
            while (!reporting.IsCancellationRequested)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(1), reporting.Token); } catch (OperationCanceledException) { return; }
                progress?.Report(new ProjectionProgress(name, await CountAsync(reporting.Token, await GetCheckpointAsync(name, reporting.Token)), total, clock.Elapsed));
            }
        }, CancellationToken.None);
        // Marten stops the projection's agent for the rebuild and leaves it stopped: start it again where it ran.
        var wasRunning = running.CurrentAgents().Any(agent => agent.Name.Identity == ShardName(name));
        try
        {
            await running.RebuildProjectionAsync(name, TimeSpan.FromHours(1), ct);
            if (wasRunning) await running.StartAgentAsync(ShardName(name), ct);
        }
        finally
        {
            await reporting.CancelAsync();
            try { await reporter; } catch (OperationCanceledException) { }
            if (daemon is null) running.Dispose();
        }
        progress?.Report(new ProjectionProgress(name, total, total, clock.Elapsed));
    }

    private async Task RebuildInlineAsync(IProjection projection, IProgress<ProjectionProgress>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var replaying = new NpgsqlCommand($"select set_config('{ReplayingSetting}', 'on', true)", connection))
            await replaying.ExecuteNonQueryAsync(ct);
        foreach (var table in projection.Tables)
        {
            // Appends write inline projections too: the exclusive lock makes them wait for the rebuild, not interleave.
            await using var clear = new NpgsqlCommand($"lock table {store.Schema}.{table} in exclusive mode; delete from {store.Schema}.{table}", connection);
            await clear.ExecuteNonQueryAsync(ct);
        }
        var total = await CountAsync(ct, connection: connection);
        long done = 0;
        var lastReport = TimeSpan.Zero;
        // The log is read on a second connection while the pages already read are applied on this one: reading (the
        // server's scan, the client's JSON) and applying overlap instead of taking turns. Started after the lock, so it
        // reads what the appends that could write these tables committed before the rebuild, as a read in this
        // transaction would.
        var pages = Channel.CreateBounded<IReadOnlyList<RecordedEvent>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(async () =>
        {
            try
            {
                long position = 0;
                while (true)
                {
                    var page = await store.ReadAllAsync(position, long.MaxValue, RebuildPageSize, stopReading.Token);
                    if (page.Count == 0) break;
                    await pages.Writer.WriteAsync(page, stopReading.Token);
                    position = page[^1].Position;
                }
                pages.Writer.Complete();
            }
            catch (Exception e)
            {
                pages.Writer.Complete(e);
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var events in pages.Reader.ReadAllAsync(ct))
            {
                await projection.ApplyAsync(connection, events, ct);
                done += events.Count;
                if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(1))
                {
                    lastReport = clock.Elapsed;
                    progress?.Report(new ProjectionProgress(projection.Name, done, total, clock.Elapsed));
                }
            }
        }
        finally
        {
            await stopReading.CancelAsync();
            await reading;
        }
        await tx.CommitAsync(ct);
        progress?.Report(new ProjectionProgress(projection.Name, done, total, clock.Elapsed));
    }

    /// <summary>Events per page of an inline rebuild's read.</summary>
    private const int RebuildPageSize = 5000;

    private async Task<long> LastPositionAsync(CancellationToken ct)
    {
        await using var cmd = store.DataSource.CreateCommand($"select coalesce(max(seq_id), 0) from {store.Schema}.mt_events");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task<long> CountAsync(CancellationToken ct, long upTo = long.MaxValue, NpgsqlConnection? connection = null)
    {
        var sql = $"select count(*) from {store.Schema}.mt_events where seq_id <= $1";
        await using var cmd = connection is null ? store.DataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
