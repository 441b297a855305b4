using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using FactDesk.TransparencyLog;
using Npgsql;

namespace FactDesk.Api.Audit;

/// <summary>
/// Feeds every event, in global order, into the transparency log's Merkle tree (<see cref="MerkleLog"/>). Async: the
/// runner hands it batches below the high-water mark, so no leaf is ever added before an earlier position commits.
/// Thin on purpose: the tree knows nothing of the runner. It reads the rows back from <c>mt_events</c> rather than
/// using the runner's decoded events, so a leaf is made from exactly what an auditor can read in the table.
/// </summary>
public sealed class TransparencyLogProjection : IProjection
{
    public const string ProjectionName = "transparency-log";
    private readonly MerkleLog _log = new(StoreSetup.Schema);

    public string Name => ProjectionName;
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Async;
    public IReadOnlyList<string> Tables { get; } = MerkleLog.TreeTables;
    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = MerkleLog.SchemaObjects(StoreSetup.Schema);

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        var rows = await LogEntry.ReadAsync(connection, StoreSetup.Schema, events.Select(e => e.Position).ToArray(), ct);
        await _log.AppendLeavesAsync(connection, rows.Select(r => new NewLeaf(r.Position, LogEntry.Encode(r))).ToList(), ct);
    }
}
