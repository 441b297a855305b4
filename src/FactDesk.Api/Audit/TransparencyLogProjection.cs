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
    public TransparencyLogProjection() : this(chunk: 10_000) { }

    /// <param name="chunk">Positions read and added at a time: a rebuild's range is far more than is worth holding in memory.</param>
    public TransparencyLogProjection(long chunk) => Chunk = chunk > 0 ? chunk : throw new ArgumentOutOfRangeException(nameof(chunk), chunk, "At least one position.");

    private long Chunk { get; }

    public string Name => ProjectionName;
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Async;
    public IReadOnlyList<string> Tables { get; } = MerkleLog.TreeTables;
    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = MerkleLog.SchemaObjects(StoreSetup.Schema);

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct) =>
        await AddLeavesAsync(connection, await LogEntry.ReadAsync(connection, StoreSetup.Schema, events.Select(e => e.Position).ToArray(), ct), ct);

    /// <summary>Idempotent: the tree skips positions it already has.</summary>
    public async Task ApplyRangeAsync(NpgsqlConnection connection, long after, long upTo, CancellationToken ct)
    {
        for (var from = after; from < upTo; from += Chunk)
            await AddLeavesAsync(connection, await LogEntry.ReadRangeAsync(connection, StoreSetup.Schema, from, Math.Min(from + Chunk, upTo), ct), ct);
    }

    private Task AddLeavesAsync(NpgsqlConnection connection, List<StoredEvent> rows, CancellationToken ct) =>
        _log.AppendLeavesAsync(connection, rows.Select(r => new NewLeaf(r.Position, LogEntry.Encode(r))).ToList(), ct);
}
