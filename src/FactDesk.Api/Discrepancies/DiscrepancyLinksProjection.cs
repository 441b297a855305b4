using System.Text.Json;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Npgsql;
using NpgsqlTypes;

namespace FactDesk.Api.Discrepancies;

/// <summary>
/// Every discrepancy and the claims it shows on. Inline, so a claim read right after opening a discrepancy already shows it,
/// and the list of open discrepancies never lags behind a command's answer.
/// </summary>
public sealed class DiscrepancyLinksProjection : IProjection
{
    public const string ProjectionName = "discrepancy-links";
    private const string Schema = StoreSetup.Schema;

    public string Name => ProjectionName;
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Inline;
    public IReadOnlyList<string> Tables { get; } = ["claim_discrepancies", "discrepancies"];

    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = Declare();

    private static IReadOnlyList<Weasel.Core.ISchemaObject> Declare()
    {
        var discrepancies = SchemaTables.For(Schema, "discrepancies");
        discrepancies.AddColumn("id", "uuid").AsPrimaryKey();
        discrepancies.AddColumn("status", "text").NotNull();
        discrepancies.AddColumn("kind", "text").NotNull();
        discrepancies.AddColumn("description", "text").NotNull();
        discrepancies.AddColumn("values", "jsonb").NotNull();
        discrepancies.AddColumn("claim_ids", "uuid[]").NotNull();
        discrepancies.AddColumn("opened_at", "timestamptz").NotNull();
        discrepancies.AddColumn("resolved_at", "timestamptz");
        discrepancies.AddColumn("outcome", "text");
        discrepancies.AddColumn("resolved_value", "text");
        discrepancies.AddColumn("version", "bigint").NotNull();
        discrepancies.Index("discrepancies_by_status", ["status", "opened_at desc", "id desc"]);

        var links = SchemaTables.For(Schema, "claim_discrepancies");
        links.AddColumn("claim_id", "uuid").NotNull();
        links.AddColumn("discrepancy_id", "uuid").NotNull()
            .ForeignKeyTo(discrepancies, "id", "claim_discrepancies_discrepancy_id_fkey", Weasel.Core.CascadeAction.NoAction, Weasel.Core.CascadeAction.NoAction);
        links.AddColumn("status", "text").NotNull();
        links.PrimaryKey("claim_id", "discrepancy_id");
        return [discrepancies, links];
    }

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case DiscrepancyOpened opened:
                    await RecordAsync(connection, opened.DiscrepancyId, "open", opened.Kind, opened.Description, opened.Values,
                        opened.ClaimIds.ToArray(), opened.At, e.Version, ct);
                    break;
                case DiscrepancyProposed proposed:
                    await RecordAsync(connection, proposed.DiscrepancyId, "proposed", proposed.Kind, proposed.Description, proposed.Values,
                        proposed.ClaimIds.ToArray(), proposed.At, e.Version, ct);
                    break;
                case DiscrepancyConfirmed confirmed:
                    await SetStatusAsync(connection, confirmed.DiscrepancyId, "open", e.Version, ct);
                    break;
                case DiscrepancyDeclined declined:
                    await SetStatusAsync(connection, declined.DiscrepancyId, "declined", e.Version, ct);
                    break;
                case DiscrepancyResolved resolved:
                    await ExecuteAsync(connection, ct,
                        ($"""
                         update {Schema}.discrepancies
                         set status = 'resolved', outcome = $2, resolved_value = $3, resolved_at = $4, version = $5
                         where id = $1
                         """,
                        [
                            Param(resolved.DiscrepancyId), Param(EnumNames<DiscrepancyOutcome>.Name(resolved.Outcome)),
                            new NpgsqlParameter { Value = (object?)resolved.ResolvedValue ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                            Param(resolved.At), Param(e.Version),
                        ]),
                        ($"update {Schema}.claim_discrepancies set status = 'resolved' where discrepancy_id = $1", [Param(resolved.DiscrepancyId)]));
                    break;
            }
        }
    }

    /// <summary>A new discrepancy (opened, or proposed by conflict detection) and its links to each claim, in the given status.</summary>
    private async Task RecordAsync(NpgsqlConnection connection, Guid id, string status, DiscrepancyKind kind, string description,
        object values, Guid[] claimIds, DateTimeOffset at, long version, CancellationToken ct) =>
        await ExecuteAsync(connection, ct,
            ($"""
             insert into {Schema}.discrepancies (id, status, kind, description, "values", claim_ids, opened_at, version)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (id) do nothing
             """,
            [
                Param(id), Param(status), Param(EnumNames<DiscrepancyKind>.Name(kind)), Param(description),
                new NpgsqlParameter { Value = JsonSerializer.Serialize(values, JsonDefaults.Options), NpgsqlDbType = NpgsqlDbType.Jsonb },
                Param(claimIds), Param(at), Param(version),
            ]),
            ($"""
             insert into {Schema}.claim_discrepancies (claim_id, discrepancy_id, status)
             select c, $1, $2 from unnest($3::uuid[]) as c
             on conflict do nothing
             """, [Param(id), Param(status), Param(claimIds)]));

    private static NpgsqlParameter<T> Param<T>(T value) => new() { TypedValue = value };

    private static Task SetStatusAsync(NpgsqlConnection connection, Guid id, string status, long version, CancellationToken ct) =>
        ExecuteAsync(connection, ct,
            ($"update {Schema}.discrepancies set status = $2, version = $3 where id = $1", [Param(id), Param(status), Param(version)]),
            ($"update {Schema}.claim_discrepancies set status = $2 where discrepancy_id = $1", [Param(id), Param(status)]));

    private static async Task ExecuteAsync(NpgsqlConnection connection, CancellationToken ct, params (string Sql, NpgsqlParameter[] Parameters)[] statements)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var (sql, parameters) in statements)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddRange(parameters);
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }
}
