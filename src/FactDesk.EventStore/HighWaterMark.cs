using Npgsql;

namespace FactDesk.EventStore;

/// <summary>
/// The highest position below which no event can still appear. Positions are drawn by transactions that already
/// hold a transaction id, so: read the position sequence, then take a snapshot; once every transaction older than
/// that snapshot's xmax has ended (the current xmin has reached it), every position up to the sequence value read
/// is either committed and visible or rolled back for good. A slow transaction therefore holds the mark back
/// instead of being skipped.
/// </summary>
public sealed class HighWaterMark(NpgsqlDataSource dataSource, string schema)
{
    private readonly Queue<(long Position, ulong SnapshotXmax)> _pending = new();
    private readonly Lock _gate = new();
    private long _safe;

    public long Current { get { lock (_gate) return _safe; } }

    public async Task<long> RefreshAsync(CancellationToken ct = default)
    {
        // Two statements: each takes its own snapshot, so the second snapshot is later than the sequence read.
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select case when is_called then last_value else 0 end from {schema}.event_positions"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("select pg_snapshot_xmin(pg_current_snapshot())::text, pg_snapshot_xmax(pg_current_snapshot())::text"));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var lastPosition = reader.GetInt64(0);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var xmin = ulong.Parse(reader.GetString(0));
        var xmax = ulong.Parse(reader.GetString(1));

        lock (_gate)
        {
            _pending.Enqueue((lastPosition, xmax));
            while (_pending.Count > 0 && _pending.Peek().SnapshotXmax <= xmin)
                _safe = Math.Max(_safe, _pending.Dequeue().Position);
            return _safe;
        }
    }
}
