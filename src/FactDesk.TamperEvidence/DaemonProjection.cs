using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Npgsql;

namespace FactDesk.TamperEvidence;

/// <summary>
/// Runs one of FactDesk's SQL projections as a Marten async projection: Marten's daemon decides which events are safe
/// to read (its high-water mark), hands them over in global order and keeps the projection's progress in
/// <c>mt_event_progression</c>. The projection's SQL joins the daemon's own transaction (a Marten
/// <see cref="ITransactionParticipant"/>), so its writes and the daemon's progress commit together or not at all.
/// </summary>
public sealed class DaemonProjection(TamperEvidentLog store, IProjection projection) : Marten.Events.Projections.IProjection
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<IDocumentOperations, Batch> _batches = new();

    public IProjection Projection { get; } = projection;

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        if (events.Count == 0) return Task.CompletedTask;
        if (operations is not ITransactionParticipantRegistrar registrar)
            throw new InvalidOperationException($"Projection {Projection.Name} runs only on Marten's async daemon.");
        // One participant per daemon transaction, however many pages the daemon puts into it.
        var batch = _batches.GetValue(operations, _ =>
        {
            var created = new Batch(this, IsRebuild(operations));
            registrar.AddTransactionParticipant(created);
            return created;
        });
        batch.Handed(events);
        return Task.CompletedTask;
    }

    // Marten's projection session carries the shard's mode on an internal type; a rebuild replays history nobody is
    // waiting for, which projections that announce changes need to know. The property is looked up once per session
    // type: looked up each time, it brought a new emitted invoker whenever the runtime's reflection cache had been
    // collected, and finalizing those took a quarter of a rebuild's CPU (dotnet-trace).
    private static bool IsRebuild(IDocumentOperations operations) =>
        ModeProperties.GetOrAdd(operations.GetType(), type => type.GetProperty("Mode"))?.GetValue(operations) is ShardExecutionMode.Rebuild;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, System.Reflection.PropertyInfo?> ModeProperties = new();

    /// <summary>
    /// Applies, inside the daemon's transaction, every event between this projection's last position and the
    /// daemon's new progress. It reads the range rather than only the events handed over, because the daemon leaves
    /// out events whose type this service does not know, and the audit trail and ledger must still record them.
    /// </summary>
    private sealed class Batch(DaemonProjection owner, bool rebuilding) : ITransactionParticipant
    {
        private long _first = long.MaxValue, _last;

        public void Handed(IReadOnlyList<IEvent> events)
        {
            _first = Math.Min(_first, events[0].Sequence);
            _last = Math.Max(_last, events[^1].Sequence);
        }

        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            try { await ApplyRangeAsync(connection, transaction, token); }
            catch (Exception e)
            {
                owner._store.OnProjectionFailed(owner.Projection.Name, e);
                throw;
            }
        }

        private async Task ApplyRangeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            var (floor, progress) = await owner.LockPositionAsync(connection, transaction, rebuilding, token);
            var ceiling = Math.Max(progress, _last);
            // Marten's teardown removes the position before its own rebuild; should one be left behind, the events handed
            // over are still applied.
            if (floor >= _first) floor = _first - 1;
            // A rebuild reads history no other projection is reading at the same time: nothing to share, but the next
            // pages can be read while this one is applied.
            await owner.ApplyInSlicesAsync(connection, floor, ceiling, (from, upTo, ct) => rebuilding
                ? owner._rebuildReads.ReadAsync(from, upTo, (a, u, c) => owner._store.ReadRangeAsync(connection, a, u, c), ct)
                : owner._store.SettledEvents.ReadAsync(from, upTo, (a, u, c) => owner._store.ReadRangeAsync(connection, a, u, c), ct),
                token);
            await owner.SavePositionAsync(connection, transaction, ceiling, token);
        }
    }

    /// <summary>
    /// Locks the projection's row of <c>daemon_positions</c> (creating it), so daemon batches, catch-ups of skipped
    /// events and replays take turns, and reads where its last range ended and Marten's progress of its shard.
    /// </summary>
    internal async Task<(long Floor, long Progress)> LockPositionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        bool replaying, CancellationToken ct)
    {
        var schema = _store.Schema;
        await using var positions = new NpgsqlBatch(connection, transaction);
        positions.BatchCommands.Add(new NpgsqlBatchCommand(
            $"insert into {schema}.daemon_positions (projection, position) values ($1, 0) on conflict (projection) do nothing")
            { Parameters = { new NpgsqlParameter<string> { TypedValue = Projection.Name } } });
        positions.BatchCommands.Add(new NpgsqlBatchCommand(
            $"select position from {schema}.daemon_positions where projection = $1 for update")
            { Parameters = { new NpgsqlParameter<string> { TypedValue = Projection.Name } } });
        positions.BatchCommands.Add(new NpgsqlBatchCommand(
            $"select coalesce((select last_seq_id from {schema}.mt_event_progression where name = $1), 0)")
            { Parameters = { new NpgsqlParameter<string> { TypedValue = ProjectionControl.ShardName(Projection.Name) } } });
        if (replaying) positions.BatchCommands.Add(new NpgsqlBatchCommand($"select set_config('{ProjectionControl.ReplayingSetting}', 'on', true)"));
        // The reader skips the insert, which returns no rows, and starts at the position.
        await using var reader = await positions.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var floor = reader.GetInt64(0);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return (floor, reader.GetInt64(0));
    }

    /// <summary>Records where the projection's last range ended (its row locked by <see cref="LockPositionAsync"/>).</summary>
    internal async Task SavePositionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long position, CancellationToken ct)
    {
        await using var save = new NpgsqlCommand($"update {_store.Schema}.daemon_positions set position = $2 where projection = $1", connection, transaction);
        save.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Projection.Name });
        save.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        await save.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Applies what Marten's daemon moved this projection's progress past without calling it: a page of nothing but
    /// events of types this build does not know (a newer version's), which the daemon skips. A batch that follows
    /// applies them too (it reads from where the last range ended), but at the end of the log none may follow. Locks
    /// the projection's <c>daemon_positions</c> row as a batch does, so the two take turns. Returns whether it applied any.
    /// </summary>
    public async Task<bool> ApplySkippedTailAsync(CancellationToken ct)
    {
        await using var connection = await _store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var (floor, progress) = await LockPositionAsync(connection, tx, replaying: false, ct);
        if (progress <= floor) return false;
        await ApplyInSlicesAsync(connection, floor, progress, (from, upTo, read) => _store.ReadRangeAsync(connection, from, upTo, read), ct);
        await SavePositionAsync(connection, tx, progress, ct);
        await tx.CommitAsync(ct);
        _store.OnProjectionsAdvanced();
        return true;
    }

    /// <summary>
    /// Applies the range <see cref="SkippedTailSlice"/> positions at a time: a long run of events the daemon skipped (a
    /// newer version's backfill) may lie in it, and is never read into memory at once.
    /// </summary>
    internal async Task ApplyInSlicesAsync(NpgsqlConnection connection, long after, long upTo,
        Func<long, long, CancellationToken, Task<IReadOnlyList<RecordedEvent>>> read, CancellationToken token)
    {
        for (var from = after; from < upTo; from += SkippedTailSlice)
        {
            var (sliceAfter, sliceUpTo) = (from, Math.Min(from + SkippedTailSlice, upTo));
            await ApplyRangeIsolatingFailuresAsync(connection, sliceAfter, sliceUpTo, ct => read(sliceAfter, sliceUpTo, ct), token);
        }
    }

    /// <summary>
    /// Applies every event after <paramref name="after"/> up to <paramref name="upTo"/>: on the server in one statement
    /// when the projection is an <see cref="IRangeProjection"/>; otherwise, or when that fails, from the events
    /// <paramref name="read"/> returns, setting aside each one that cannot be applied.
    /// </summary>
    internal async Task ApplyRangeIsolatingFailuresAsync(NpgsqlConnection connection, long after, long upTo,
        Func<CancellationToken, Task<IReadOnlyList<RecordedEvent>>> read, CancellationToken token)
    {
        if (upTo <= after) return;
        if (Projection is IRangeProjection range
            && await TryUnderSavepointAsync(connection, () => range.ApplyRangeAsync(connection, after, upTo, token), token) is null) return;
        var events = await read(token);
        if (events.Count > 0) await ApplyIsolatingFailuresAsync(connection, events, token);
    }

    /// <summary>
    /// Applies the events as one batch; when the projection throws (not because the database is away), applies them
    /// one by one instead, each under its own savepoint, and sets aside each event it cannot apply as a dead letter
    /// (logged, counted and listed by <c>projections dead-letters</c>), so one bad event does not stop its projection.
    /// </summary>
    internal async Task ApplyIsolatingFailuresAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken token)
    {
        if (await TryUnderSavepointAsync(connection, () => Projection.ApplyAsync(connection, events, token), token) is null) return;
        foreach (var e in events)
        {
            if (await TryUnderSavepointAsync(connection, () => Projection.ApplyAsync(connection, [e], token), token) is not { } error) continue;
            await using var dead = new NpgsqlCommand($"""
                insert into {_store.Schema}.projection_dead_letters (projection, position, event_type, error)
                values ($1, $2, $3, $4) on conflict (projection, position) do update set error = excluded.error, recorded_at = clock_timestamp()
                """, connection);
            dead.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Projection.Name });
            dead.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Position });
            dead.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Type });
            dead.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{error.GetType().Name}: {error.Message}" });
            await dead.ExecuteNonQueryAsync(token);
            _store.OnEventDeadLettered(Projection.Name, e, error);
        }
    }

    private static async Task<Exception?> TryUnderSavepointAsync(NpgsqlConnection connection, Func<Task> apply, CancellationToken token)
    {
        await using (var savepoint = new NpgsqlCommand("savepoint factdesk_projection", connection)) await savepoint.ExecuteNonQueryAsync(token);
        try
        {
            await apply();
        }
        catch (Exception e) when (!IsTransient(e) && !token.IsCancellationRequested)
        {
            await using var rollback = new NpgsqlCommand("rollback to savepoint factdesk_projection", connection);
            await rollback.ExecuteNonQueryAsync(token);
            return e;
        }
        await using (var release = new NpgsqlCommand("release savepoint factdesk_projection", connection)) await release.ExecuteNonQueryAsync(token);
        return null;
    }

    // Only a fault in the event's data (a data exception, a broken constraint, a raised error, or the projection's
    // own code throwing) sets the event aside. A lost connection, a server going down or a schema not yet migrated
    // is no fault of the event: the daemon retries the batch.
    internal static bool IsTransient(Exception e) => e switch
    {
        PostgresException p => !(p.SqlState.StartsWith("22", StringComparison.Ordinal) || p.SqlState.StartsWith("23", StringComparison.Ordinal)
                                 || p.SqlState.StartsWith("P0", StringComparison.Ordinal)),
        NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException => true,
        _ => e.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>Positions read at a time when a range includes events the daemon skipped.</summary>
    public const long SkippedTailSlice = 5_000;

    private readonly TamperEvidentLog _store = store;
    private readonly RebuildReadAhead _rebuildReads = new(store, chunk: 2 * TamperEvidentLog.DaemonPageSize);
}
