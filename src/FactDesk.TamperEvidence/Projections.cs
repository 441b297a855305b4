using Npgsql;
using Weasel.Core;

namespace FactDesk.TamperEvidence;

/// <summary>When a projection runs: inside the append's transaction, or after commit by the projection runner.</summary>
public enum ProjectionLifecycle { Inline, Async }

/// <summary>
/// Turns events into read tables. <see cref="ApplyAsync"/> runs inside an open transaction on the given connection:
/// for inline projections the append's own, for async ones the runner's (which also moves the checkpoint).
/// </summary>
public interface IProjection
{
    /// <summary>Stable name: the checkpoint key and the name given to <c>projections rebuild</c>.</summary>
    string Name { get; }
    ProjectionLifecycle Lifecycle { get; }
    /// <summary>The tables this projection owns; a rebuild empties them before replaying.</summary>
    IReadOnlyList<string> Tables { get; }
    /// <summary>Its tables (with their indexes) in their final shape: Weasel creates or migrates them with Marten's schema.</summary>
    IReadOnlyList<ISchemaObject> SchemaObjects { get; }
    Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct);
}

/// <summary>
/// A projection that reads the log itself: rebuilds and Marten's daemon hand it a range of positions instead of
/// decoded events, and use <see cref="IProjection.ApplyAsync"/> only to apply events one by one when a range fails (to
/// set one aside). One that computes its rows in SQL (<see cref="TamperEvidentLog.EventRowsSql"/>) keeps the events on
/// the server; one that needs the stored rows as they are (the transparency log) reads just those columns.
/// </summary>
public interface IRangeProjection : IProjection
{
    /// <summary>
    /// Applies every event after <paramref name="after"/> up to <paramref name="upTo"/>, in the caller's transaction.
    /// Must be idempotent: a daemon batch retried after a failure hands over a range again.
    /// </summary>
    Task ApplyRangeAsync(NpgsqlConnection connection, long after, long upTo, CancellationToken ct);
}
