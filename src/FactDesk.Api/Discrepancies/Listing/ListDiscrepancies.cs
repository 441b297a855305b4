using System.Globalization;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using Npgsql;
using NpgsqlTypes;

namespace FactDesk.Api.Discrepancies.Listing;

/// <summary>One row of the discrepancy list.</summary>
public sealed record DiscrepancyRow(
    Guid Id, DiscrepancyKind Kind, string Description, DiscrepancyStatus Status, DiscrepancyOutcome? Outcome, string? ResolvedValue,
    IReadOnlyList<Guid> ClaimIds, DateTimeOffset OpenedAt, DateTimeOffset? ResolvedAt, long Version);

public sealed record DiscrepancyList(IReadOnlyList<DiscrepancyRow> Items, string? NextCursor);

/// <summary>
/// <c>GET /api/discrepancies?status=open|resolved|proposed|declined&amp;claimId=&amp;limit=&amp;cursor=</c>: newest first, from the links projection.
/// The cursor is the last row's opening time and id, so pages stay stable while new discrepancies are opened.
/// </summary>
public sealed class ListDiscrepanciesEndpoint : IEndpoint
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/discrepancies", (HttpContext http, CommandPipeline pipeline) => Reads.Guard(http, async () =>
            {
                var query = http.Request.Query;
                var check = new Validation();
                string? status = query["status"];
                check.OneOf("status", status, EnumNames<DiscrepancyStatus>.All);
                Guid? claimId = null;
                if (query.TryGetValue("claimId", out var c))
                {
                    if (Guid.TryParse(c, out var id)) claimId = id;
                    else check.Add("claimId", "claimId must be a UUID.");
                }
                var limit = DefaultLimit;
                if (query.TryGetValue("limit", out var l) && (!int.TryParse(l, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
                    check.Add("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
                (long Ticks, Guid Id)? after = null;
                if (query.TryGetValue("cursor", out var cursor))
                {
                    after = ParseCursor(cursor);
                    if (after is null) check.Add("cursor", "cursor must be a nextCursor value from an earlier page.");
                }
                if (!check.IsValid) throw Problems.Fail(Problems.Validation(check.Errors));

                var rows = await ReadAsync(pipeline.Store.DataSource, status, claimId, after, limit + 1, http.RequestAborted);
                var page = rows.Take(limit).ToArray();
                var next = rows.Count > limit ? $"{page[^1].OpenedAt.UtcTicks}.{page[^1].Id:N}" : null;
                return Reads.Json(new DiscrepancyList(page, next));
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("ListDiscrepancies").WithTags("Discrepancies")
            .WithQuery(
                new QueryParameter("status", "Only discrepancies in this status.") { Allowed = EnumNames<DiscrepancyStatus>.All, Example = "open" },
                new QueryParameter("claimId", "Only discrepancies that link this claim.") { Format = "uuid" },
                QueryParameter.Limit(DefaultLimit, MaxLimit),
                new QueryParameter("cursor", "The nextCursor of the page before; opaque."))
            .Produces<DiscrepancyList>().ProducesValidationProblem().ProducesProblem(401);

    private static (long, Guid)? ParseCursor(string? cursor) =>
        cursor?.Split('.') is [var ticks, var id]
        && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t <= DateTimeOffset.MaxValue.UtcTicks
        && Guid.TryParseExact(id, "N", out var g)
            ? (t, g) : null;

    private static async Task<List<DiscrepancyRow>> ReadAsync(
        NpgsqlDataSource db, string? status, Guid? claimId, (long Ticks, Guid Id)? after, int take, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            select d.id, d.kind, d.description, d.status, d.outcome, d.resolved_value, d.claim_ids, d.opened_at, d.resolved_at, d.version
            from {StoreSetup.Schema}.discrepancies d
            where ($1::text is null or d.status = $1)
              and ($2::uuid is null or $2 = any(d.claim_ids))
              and ($3::timestamptz is null or (d.opened_at, d.id) < ($3, $4::uuid))
            order by d.opened_at desc, d.id desc
            limit $5
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)claimId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter
        {
            Value = after is { } a ? new DateTimeOffset(a.Ticks, TimeSpan.Zero) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz,
        });
        cmd.Parameters.Add(new NpgsqlParameter { Value = after is { } b ? b.Id : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take });
        var rows = new List<DiscrepancyRow>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new DiscrepancyRow(
                reader.GetGuid(0), EnumNames<DiscrepancyKind>.Parse(reader.GetString(1)), reader.GetString(2),
                EnumNames<DiscrepancyStatus>.Parse(reader.GetString(3)),
                reader.IsDBNull(4) ? null : EnumNames<DiscrepancyOutcome>.Parse(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<Guid[]>(6), reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8), reader.GetInt64(9)));
        return rows;
    }
}
