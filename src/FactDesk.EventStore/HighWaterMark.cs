using Npgsql;

namespace FactDesk.EventStore;

/// <summary>
/// The highest position below which no event can still appear. Positions (Marten's <c>mt_events_sequence</c>) are
/// drawn by transactions that already hold a transaction id (the group commit takes one before Marten writes), so: read the position sequence, then take a fresh transaction id (a barrier: every writer
/// that drew a position up to the value read got its id earlier). Once the oldest running transaction is newer than
/// the barrier, every position up to the value read is committed and visible or rolled back for good. A slow
/// transaction therefore holds the mark back instead of being skipped.
/// A snapshot's xmax cannot serve as the barrier: it is one past the latest *completed* id, so a writer holding the
/// newest id is above it and left out of xmin, and its position would be passed over.
/// </summary>
public sealed class HighWaterMark(NpgsqlDataSource dataSource, string schema)
{
    private readonly Queue<(long Position, ulong Barrier)> _pending = new();
    private readonly Lock _gate = new();
    private long _safe;
    private long _lastQueued;

    public long Current { get { lock (_gate) return _safe; } }

    public async Task<long> RefreshAsync(CancellationToken ct = default)
    {
        // Two statements in order: the id is drawn after the sequence is read. The id costs one tiny commit.
        long lastPosition;
        ulong barrier;
        await using (var batch = dataSource.CreateBatch())
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"select case when is_called then last_value else 0 end from {schema}.mt_events_sequence"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("select pg_current_xact_id()::text"));
            await using var reader = await batch.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            lastPosition = reader.GetInt64(0);
            await reader.NextResultAsync(ct);
            await reader.ReadAsync(ct);
            barrier = ulong.Parse(reader.GetString(0));
        }
        // The barrier's own transaction has ended now, so a fresh snapshot counts every older writer still running.
        ulong xmin;
        await using (var cmd = dataSource.CreateCommand("select pg_snapshot_xmin(pg_current_snapshot())::text"))
            xmin = ulong.Parse((string)(await cmd.ExecuteScalarAsync(ct))!);

        lock (_gate)
        {
            // While a long transaction holds xmin back, keep one entry per new position rather than one per refresh,
            // and at most a bounded number: any entry is a sound mark on its own, so skipping one only delays.
            if (_pending.Count == 0 || lastPosition > _lastQueued && _pending.Count < 1024)
            {
                _pending.Enqueue((lastPosition, barrier));
                _lastQueued = lastPosition;
            }
            while (_pending.Count > 0 && _pending.Peek().Barrier < xmin)
                _safe = Math.Max(_safe, _pending.Dequeue().Position);
            return _safe;
        }
    }
}
