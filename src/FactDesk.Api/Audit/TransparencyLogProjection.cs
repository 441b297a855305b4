using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using FactDesk.TransparencyLog;
using Npgsql;

namespace FactDesk.Api.Audit;

/// <summary>
/// Feeds every event, in global order, into the transparency log's Merkle tree (<see cref="MerkleLog"/>). Async: the
/// runner hands it batches below the high-water mark, so no leaf is ever added before an earlier position commits.
/// Thin on purpose: the tree knows nothing of the runner. It reads the rows back from <c>mt_events</c> rather than
/// using the runner's decoded events, so a leaf is made from exactly what an auditor can read in the table; being
/// handed ranges (<see cref="IRangeProjection"/>), it is spared the runner's reading and decoding of them altogether.
/// </summary>
public sealed class TransparencyLogProjection : IRangeProjection
{
    public const string ProjectionName = "transparency-log";
    private readonly MerkleLog _log = new(StoreSetup.Schema);

    [ActivatorUtilitiesConstructor]
    public TransparencyLogProjection(NpgsqlDataSource dataSource) : this(dataSource, chunk: 10_000) { }

    /// <param name="dataSource">Where a range's next chunk is read ahead, on a connection of its own.</param>
    /// <param name="chunk">Positions read and added at a time: a rebuild's range is far more than is worth holding in memory.</param>
    public TransparencyLogProjection(NpgsqlDataSource dataSource, long chunk)
    {
        _dataSource = dataSource;
        Chunk = chunk > 0 ? chunk : throw new ArgumentOutOfRangeException(nameof(chunk), chunk, "At least one position.");
    }

    private readonly NpgsqlDataSource _dataSource;
    private long Chunk { get; }

    public string Name => ProjectionName;
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Async;
    public IReadOnlyList<string> Tables { get; } = MerkleLog.TreeTables;
    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = MerkleLog.SchemaObjects(StoreSetup.Schema);

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct) =>
        await AddLeavesAsync(connection, await LogEntry.ReadAsync(connection, StoreSetup.Schema, events.Select(e => e.Position).ToArray(), ct), ct);

    /// <summary>
    /// Idempotent: the tree skips positions it already has. A range of more than one chunk reads and encodes the next
    /// chunk, on a second connection, while this one's leaves are inserted: ranges are handed over only below the
    /// high-water mark (committed, and no transaction can still add to them), so both connections read the same rows,
    /// and the server's scan and the client's encoding overlap the inserts instead of taking turns with them.
    /// </summary>
    public async Task ApplyRangeAsync(NpgsqlConnection connection, long after, long upTo, CancellationToken ct)
    {
        if (upTo - after <= Chunk)
        {
            await AddLeavesAsync(connection, await LogEntry.ReadRangeAsync(connection, StoreSetup.Schema, after, upTo, ct), ct);
            return;
        }
        await using var ahead = await _dataSource.OpenConnectionAsync(ct);
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        async Task<NewLeaf[]> ReadAndEncode(long from)
        {
            var rows = await LogEntry.ReadRangeAsync(ahead, StoreSetup.Schema, from, Math.Min(from + Chunk, upTo), stopReading.Token);
            return Encode(rows);
        }
        // The next chunk is read and encoded while the last one's leaves and nodes are inserted.
        var next = Task.Run(() => ReadAndEncode(after), CancellationToken.None);
        try
        {
            for (var from = after; from < upTo; from += Chunk)
            {
                var leaves = await next;
                var following = from + Chunk;
                if (following < upTo) next = Task.Run(() => ReadAndEncode(following), CancellationToken.None);
                await _log.AppendLeavesAsync(connection, leaves, ct);
            }
        }
        finally
        {
            // Adding a chunk failed (or was cancelled) while the next was being read: that read ends before its
            // connection goes back to the pool, and its own outcome no longer matters.
            if (!next.IsCompleted)
            {
                await stopReading.CancelAsync();
                try { await next; } catch { /* the failure that brought us here is the one to report */ }
            }
        }
    }

    private static NewLeaf[] Encode(List<StoredEvent> rows)
    {
        var leaves = new NewLeaf[rows.Count];
        // Encoding (canonical JSON) is most of a rebuild's own CPU and each entry stands alone: a range uses every core.
        MerkleLog.ForEachIndex(rows.Count, i => leaves[i] = new NewLeaf(rows[i].Position, LogEntry.Encode(rows[i])));
        return leaves;
    }

    private Task AddLeavesAsync(NpgsqlConnection connection, List<StoredEvent> rows, CancellationToken ct) =>
        _log.AppendLeavesAsync(connection, Encode(rows), ct);
}
