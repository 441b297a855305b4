using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Audit;

/// <summary>
/// Every event with who, when and why, in global order, for auditors. Async: the runner fills it up to the high-water
/// mark, so an event of a slow transaction is never skipped, and appends do not pay for the copy.
/// </summary>
public sealed class AuditTrailProjection : IRangeProjection
{
    public const string ProjectionName = "audit-trail";

    public string Name => ProjectionName;
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Async;
    public IReadOnlyList<string> Tables { get; } = ["audit_trail"];

    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = Declare();

    private static IReadOnlyList<Weasel.Core.ISchemaObject> Declare()
    {
        var trail = SchemaTables.For(StoreSetup.Schema, "audit_trail");
        trail.AddColumn("position", "bigint").AsPrimaryKey();
        trail.AddColumn("stream_id", "uuid").NotNull();
        trail.AddColumn("stream_type", "text").NotNull();
        trail.AddColumn("version", "bigint").NotNull();
        trail.AddColumn("type", "text").NotNull();
        trail.AddColumn("actor", "text").NotNull();
        trail.AddColumn("role", "text").NotNull();
        trail.AddColumn("recorded_at", "timestamptz").NotNull();
        trail.AddColumn("correlation_id", "text").NotNull();
        trail.AddColumn("causation_id", "text").NotNull();
        trail.AddColumn("data", "jsonb").NotNull();
        trail.AddColumn("hash", "bytea").NotNull();
        trail.Index("audit_trail_by_actor", ["actor", "position"])
            .Index("audit_trail_by_type", ["type", "position"])
            .Index("audit_trail_by_time", ["recorded_at", "position"]);
        return [trail];
    }

    /// <summary>Copies the given events (one or many, in any order) on the server.</summary>
    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        if (events.Count == 0) return;
        await using var cmd = new NpgsqlCommand(CopySql("where e.position = any($3)"), connection);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = events.Min(e => e.Position) - 1 });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = events.Max(e => e.Position) });
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = events.Select(e => e.Position).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Copies every event of the range on the server: the rows never reach the service, and the stored JSON is copied
    /// as it is instead of being parsed again (a rebuild at 21,000-24,000 events/s sending rows back, 44,000 with COPY).
    /// </summary>
    public async Task ApplyRangeAsync(NpgsqlConnection connection, long after, long upTo, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(CopySql(""), connection);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    // A replayed or retried event is already there: the copy is idempotent.
    private static string CopySql(string filter) => $"""
        insert into {StoreSetup.Schema}.audit_trail
            (position, stream_id, stream_type, version, type, actor, role, recorded_at, correlation_id, causation_id, data, hash)
        select e.position, e.stream_id, e.stream_type, e.version, e.type, e.actor_name, e.actor_role, e.recorded_at,
               e.correlation_id, e.causation_id, e.data, e.hash
        from ({TamperEvidentLog.EventRowsInRangeSql(StoreSetup.Schema, "$1", "$2")}) e
        {filter}
        on conflict (position) do nothing
        """;
}
