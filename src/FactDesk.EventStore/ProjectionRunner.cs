using System.Diagnostics;
using Npgsql;

namespace FactDesk.EventStore;

/// <summary>Progress of a rebuild or catch-up: events done so far out of the total, and the time taken.</summary>
public sealed record ProjectionProgress(string Projection, long EventsDone, long EventsTotal, TimeSpan Elapsed)
{
    public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? EventsDone / Elapsed.TotalSeconds : 0;
    public TimeSpan? Remaining => EventsPerSecond > 0 ? TimeSpan.FromSeconds((EventsTotal - EventsDone) / EventsPerSecond) : null;
}

/// <summary>
/// Runs the async projections: reads events in global order from each projection's checkpoint up to the
/// high-water mark, and commits the projection's writes with the new checkpoint in one transaction.
/// A transaction-scoped advisory lock per projection keeps two service instances from running the same one at once.
/// Inline projections are rebuilt here too.
/// </summary>
public sealed class ProjectionRunner
{
    private readonly PostgresEventStore _store;
    private readonly HighWaterMark _highWaterMark;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly int _batchSize;

    /// <summary>
    /// Set to <c>on</c> (transaction-local) while a rebuild replays, so a projection can tell replayed history from
    /// news, e.g. to stay silent instead of announcing every old change: <c>current_setting('factdesk.replaying', true)</c>.
    /// </summary>
    public const string ReplayingSetting = "factdesk.replaying";

    public ProjectionRunner(PostgresEventStore store, int batchSize = 500)
    {
        _store = store;
        _batchSize = batchSize;
        _highWaterMark = new HighWaterMark(store.DataSource, store.Schema);
        store.Appended += _ => Wake();
    }

    public IEnumerable<IProjection> AsyncProjections => _store.Options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Async);

    /// <summary>Raised after a batch of a projection commits: the projection and its new checkpoint.</summary>
    public event Action<IProjection, long>? Advanced;

    public void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    /// <summary>Runs until cancelled: catches up whenever woken by an append in this process, or every poll interval.</summary>
    public async Task RunAsync(TimeSpan pollInterval, Action<Exception>? onError = null, CancellationToken ct = default)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var busy = await RunOnceAsync(ct);
                if (!busy) await _wake.WaitAsync(pollInterval, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                onError?.Invoke(e);
                try { await Task.Delay(pollInterval, ct); } catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>One pass over every async projection; true when some projection still has events to read.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken ct = default)
    {
        var mark = await _highWaterMark.RefreshAsync(ct);
        var more = false;
        foreach (var projection in AsyncProjections)
            more |= await ProcessBatchAsync(projection, mark, ct) == _batchSize;
        return more;
    }

    /// <summary>Processes every projection until it has read all events below the high-water mark as of now.</summary>
    public async Task CatchUpAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        long target;
        await using (var cmd = _store.DataSource.CreateCommand($"select coalesce(max(seq_id), 0) from {_store.Schema}.mt_events"))
            target = (long)(await cmd.ExecuteScalarAsync(limit.Token))!;
        while (true)
        {
            var mark = await _highWaterMark.RefreshAsync(limit.Token);
            var lagging = false;
            foreach (var projection in AsyncProjections)
            {
                await ProcessBatchAsync(projection, mark, limit.Token);
                lagging |= await GetCheckpointAsync(projection.Name, limit.Token) < target;
            }
            if (!lagging && mark >= target) return;
            await Task.Delay(20, limit.Token);
        }
    }

    public async Task<long> GetCheckpointAsync(string projection, CancellationToken ct = default)
    {
        await using var cmd = _store.DataSource.CreateCommand($"select position from {_store.Schema}.projection_checkpoints where name = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        return await cmd.ExecuteScalarAsync(ct) is long position ? position : 0;
    }

    /// <summary>Reads one batch for one projection; returns how many events it applied (0 when another instance holds it).</summary>
    private async Task<int> ProcessBatchAsync(IProjection projection, long highWaterMark, CancellationToken ct)
    {
        await using var connection = await _store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!await TryLockAsync(connection, projection.Name, ct)) return 0;
        var checkpoint = await ReadCheckpointForUpdateAsync(connection, projection.Name, ct);
        if (checkpoint >= highWaterMark) return 0;
        var events = await _store.ReadAllAsync(connection, checkpoint, highWaterMark, _batchSize, ct);
        if (events.Count > 0) await projection.ApplyAsync(connection, events, ct);
        var next = events.Count == _batchSize ? events[^1].Position : highWaterMark;
        await SaveCheckpointAsync(connection, projection.Name, next, ct);
        await tx.CommitAsync(ct);
        Advanced?.Invoke(projection, next);
        return events.Count;
    }

    /// <summary>
    /// Empties a projection's tables and replays every event into them in one transaction. Readers keep seeing the
    /// old rows until it commits; writers to those tables wait. Async projections end at the high-water mark.
    /// </summary>
    public async Task RebuildAsync(string name, IProgress<ProjectionProgress>? progress = null, CancellationToken ct = default)
    {
        var projection = _store.Options.Projections.SingleOrDefault(p => p.Name == name)
            ?? throw new ArgumentException($"No projection named '{name}'. Known: {string.Join(", ", _store.Options.Projections.Select(p => p.Name))}.");
        var clock = Stopwatch.StartNew();
        var mark = projection.Lifecycle == ProjectionLifecycle.Async ? await WaitForHighWaterMarkAsync(ct) : long.MaxValue;

        await using var connection = await _store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand(
            $"select pg_advisory_xact_lock({AdvisoryKeys.For("projection:" + name)}); select set_config('{ReplayingSetting}', 'on', true)", connection))
            await lockCmd.ExecuteNonQueryAsync(ct);
        foreach (var table in projection.Tables)
        {
            await using var clear = new NpgsqlCommand($"lock table {_store.Schema}.{table} in exclusive mode; delete from {_store.Schema}.{table}", connection);
            await clear.ExecuteNonQueryAsync(ct);
        }
        long total;
        await using (var count = new NpgsqlCommand($"select count(*) from {_store.Schema}.mt_events where seq_id <= $1", connection))
        {
            count.Parameters.Add(new NpgsqlParameter<long> { TypedValue = mark });
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }
        long position = 0, done = 0;
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var events = await _store.ReadAllAsync(connection, position, mark, 5000, ct);
            if (events.Count == 0) break;
            await projection.ApplyAsync(connection, events, ct);
            position = events[^1].Position;
            done += events.Count;
            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(1))
            {
                lastReport = clock.Elapsed;
                progress?.Report(new ProjectionProgress(name, done, total, clock.Elapsed));
            }
        }
        if (projection.Lifecycle == ProjectionLifecycle.Async)
            await SaveCheckpointAsync(connection, name, Math.Max(position, mark), ct);
        await tx.CommitAsync(ct);
        progress?.Report(new ProjectionProgress(name, done, total, clock.Elapsed));
    }

    private async Task<long> WaitForHighWaterMarkAsync(CancellationToken ct)
    {
        long target;
        await using (var cmd = _store.DataSource.CreateCommand($"select coalesce(max(seq_id), 0) from {_store.Schema}.mt_events"))
            target = (long)(await cmd.ExecuteScalarAsync(ct))!;
        while (true)
        {
            var mark = await _highWaterMark.RefreshAsync(ct);
            if (mark >= target) return mark;
            await Task.Delay(20, ct);
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select pg_try_advisory_xact_lock({AdvisoryKeys.For("projection:" + name)})", connection);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task<long> ReadCheckpointForUpdateAsync(NpgsqlConnection connection, string name, CancellationToken ct)
    {
        await using (var insert = new NpgsqlCommand($"insert into {_store.Schema}.projection_checkpoints (name) values ($1) on conflict (name) do nothing", connection))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            await insert.ExecuteNonQueryAsync(ct);
        }
        await using var cmd = new NpgsqlCommand($"select position from {_store.Schema}.projection_checkpoints where name = $1 for update", connection);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task SaveCheckpointAsync(NpgsqlConnection connection, string name, long position, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            insert into {_store.Schema}.projection_checkpoints (name, position) values ($1, $2)
            on conflict (name) do update set position = excluded.position, updated_at = clock_timestamp()
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
