using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using Npgsql;
using NpgsqlTypes;

namespace FactDesk.Api.Audit;

/// <summary>
/// Every event with who, when and why, in global order, for auditors. Async: the runner fills it up to the high-water
/// mark, so an event of a slow transaction is never skipped, and appends do not pay for the copy.
/// </summary>
public sealed class AuditTrailProjection : IProjection
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

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            insert into {StoreSetup.Schema}.audit_trail
                (position, stream_id, stream_type, version, type, actor, role, recorded_at, correlation_id, causation_id, data, hash)
            select * from unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::timestamptz[],
                $9::text[], $10::text[], $11::jsonb[], $12::bytea[])
            on conflict (position) do nothing
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = events.Select(e => e.Position).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = events.Select(e => e.StreamId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = events.Select(e => e.StreamType).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = events.Select(e => e.Version).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = events.Select(e => e.Type).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = events.Select(e => e.Metadata.ActorName).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = events.Select(e => e.Metadata.ActorRole).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = events.Select(e => e.RecordedAt).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = events.Select(e => e.Metadata.CorrelationId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = events.Select(e => e.Metadata.CausationId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]>
        {
            TypedValue = events.Select(e => e.DataJson.GetRawText()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
        });
        cmd.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = events.Select(e => e.Hash).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
