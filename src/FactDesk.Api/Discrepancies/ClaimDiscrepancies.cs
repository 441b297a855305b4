using System.Text.Json;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Discrepancies;

/// <summary>A discrepancy as it shows on each claim it links.</summary>
public sealed record ClaimDiscrepancy(
    Guid Id, DiscrepancyKind Kind, string Description, DiscrepancyStatus Status, DiscrepancyOutcome? Outcome, string? ResolvedValue,
    IReadOnlyList<DiscrepancyValue> Values);

/// <summary>The discrepancies that show on a claim: now from the links projection, or as they were at a moment from their own streams.</summary>
public static class ClaimDiscrepancies
{
    public static async Task<IReadOnlyList<ClaimDiscrepancy>> CurrentAsync(TamperEvidentLog store, Guid claimId, CancellationToken ct)
    {
        await using var cmd = store.DataSource.CreateCommand($"""
            select d.id, d.kind, d.description, d.status, d.outcome, d.resolved_value, d."values"::text
            from {StoreSetup.Schema}.claim_discrepancies c join {StoreSetup.Schema}.discrepancies d on d.id = c.discrepancy_id
            where c.claim_id = $1
            order by d.opened_at, d.id
            """);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claimId });
        var found = new List<ClaimDiscrepancy>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            found.Add(new ClaimDiscrepancy(
                reader.GetGuid(0), EnumNames<DiscrepancyKind>.Parse(reader.GetString(1)), reader.GetString(2),
                EnumNames<DiscrepancyStatus>.Parse(reader.GetString(3)),
                reader.IsDBNull(4) ? null : EnumNames<DiscrepancyOutcome>.Parse(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                JsonSerializer.Deserialize<DiscrepancyValue[]>(reader.GetString(6), JsonDefaults.Options) ?? []));
        return found;
    }

    /// <summary>
    /// As they were at <paramref name="asOf"/>: which discrepancies ever linked the claim comes from the projection (links never
    /// change once opened), but their state comes from each stream read up to that moment, so a later resolution does not leak in.
    /// </summary>
    public static async Task<IReadOnlyList<ClaimDiscrepancy>> AsOfAsync(TamperEvidentLog store, Guid claimId, DateTimeOffset asOf, CancellationToken ct)
    {
        var ids = new List<Guid>();
        await using (var cmd = store.DataSource.CreateCommand(
            $"select discrepancy_id from {StoreSetup.Schema}.claim_discrepancies where claim_id = $1"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = claimId });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        }
        var found = new List<Discrepancy>();
        foreach (var id in ids)
            if (StateFolder<Discrepancy>.Instance.Fold(await store.ReadStreamAsync(id, asOf: asOf, ct: ct)) is { } discrepancy)
                found.Add(discrepancy);
        return found.OrderBy(d => d.OpenedAt).ThenBy(d => d.Id).Select(From).ToArray();
    }

    public static ClaimDiscrepancy From(Discrepancy d) =>
        new(d.Id, d.Kind, d.Description, d.Status, d.Resolution?.Outcome, d.Resolution?.ResolvedValue, d.Values);
}
