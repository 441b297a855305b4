using System.Globalization;
using System.Text;
using System.Text.Json;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Audit.GettingTheAuditFeed;

/// <summary>One event as auditors see it: where it sits, what it says, who did it, when, why, and its hash.</summary>
public sealed record AuditEntry(
    long Position, Guid StreamId, string StreamType, long Version, string Type, JsonElement Data, Actor Actor,
    DateTimeOffset RecordedAt, string CorrelationId, string CausationId, string Hash);

/// <summary>A page of the feed; pass <c>nextAfter</c> as <c>after</c> for the next page. Null when nothing more is there yet.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, long? NextAfter)
{
    /// <summary>With <c>order=desc</c>: the <c>before</c> that reads the next (older) page; null when none follows.</summary>
    public long? NextBefore { get; init; }
}

/// <summary><c>GET /api/audit</c>: every event in global order, filtered by actor, type and time, paged by position.</summary>
public sealed class GetAuditFeedEndpoint : IEndpoint
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit", (HttpContext http, NpgsqlDataSource db, EventTypeRegistry types) => Reads.Guard(http, async () =>
            {
                var query = http.Request.Query;
                var check = new Validation();
                string? Single(string name)
                {
                    if (!query.TryGetValue(name, out var values)) return null;
                    if (values.Count != 1) { check.Add(name, $"Give {name} once."); return null; }
                    return values[0];
                }
                DateTimeOffset? Time(string name)
                {
                    if (Single(name) is not { } text) return null;
                    if (Timestamps.TryParse(text, out var t)) return t;
                    check.Add(name, Reads.TimestampHint(name, text));
                    return null;
                }

                var actor = Single("actor");
                check.Text("actor", actor, 200, required: false);
                var type = Single("type");
                check.Text("type", type, 200, required: false);
                if (type is not null && !types.TryGetType(type, out _))
                    check.Add("type", $"type '{type}' is no event type of FactDesk; known types: {string.Join(", ", types.Names.Order(StringComparer.Ordinal))}.");
                var order = Single("order") ?? "asc";
                check.OneOf("order", order, ["asc", "desc"]);
                long? before = null;
                if (Single("before") is { } beforeText)
                    if (long.TryParse(beforeText, out var b) && b >= 1) before = b;
                    else check.Add("before", "before must be a position: a whole number of at least 1.");
                var from = Time("from");
                var to = Time("to");
                long after = 0;
                if (Single("after") is { } afterText && !(long.TryParse(afterText, out after) && after >= 0))
                    check.Add("after", "after must be a position: a whole number of at least 0.");
                var limit = DefaultLimit;
                if (Single("limit") is { } limitText && !(int.TryParse(limitText, out limit) && limit is >= 1 and <= MaxLimit))
                    check.Add("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
                if (!check.IsValid) throw Problems.Fail(Problems.Validation(check.Errors));

                var page = await ReadPageAsync(db, actor, type, from, to, after, limit, http.RequestAborted, newestFirst: order == "desc", before);
                return Reads.Json(AuditRedaction.ForRole(page, http.User.Actor().Role));
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("GetAuditFeed").WithTags("Audit")
            .WithDescription("All events in global order, each shown no further than the caller's role may read elsewhere (secret " +
                             "fingerprints to nobody, subscription targets not to tools). Filters: actor, type, from, to (ISO 8601, inclusive). " +
                             "Paging: after=<position> and limit (1-1000, default 100); nextAfter is null when nothing follows yet. " +
                             "order=desc reads newest first, paged with before=<position> from nextBefore. An unknown type is 400 listing the known ones.")
            .WithQuery(
                new QueryParameter("actor", "Only events by this person or tool.") { Example = "Mara Lind" },
                new QueryParameter("type", "Only events of this stored type (unknown types are 400 listing the known ones).") { Example = "claim-flagged.v1" },
                QueryParameter.Timestamp("from", "Only events recorded at or after this moment."),
                QueryParameter.Timestamp("to", "Only events recorded at or before this moment."),
                new QueryParameter("order", "asc: oldest first, paged by after; desc: newest first, paged by before.") { Allowed = ["asc", "desc"], Default = "asc" },
                new QueryParameter("after", "With order=asc: the nextAfter of the page before (a position).") { Type = "integer", Format = "int64", Minimum = 0, Default = "0" },
                new QueryParameter("before", "With order=desc: the nextBefore of the page before (a position).") { Type = "integer", Format = "int64", Minimum = 1 },
                QueryParameter.Limit(DefaultLimit, MaxLimit))
            .Produces<AuditPage>().ProducesValidationProblem().ProducesProblem(401);

    public static async Task<AuditPage> ReadPageAsync(
        NpgsqlDataSource db, string? actor, string? type, DateTimeOffset? from, DateTimeOffset? to, long after, int limit, CancellationToken ct,
        bool newestFirst = false, long? before = null)
    {
        await using var cmd = db.CreateCommand();
        string Next<T>(T value)
        {
            cmd.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
            return "$" + cmd.Parameters.Count;
        }
        var sql = new StringBuilder($"""
            select position, stream_id, stream_type, version, type, data::text, actor, role, recorded_at, correlation_id, causation_id, hash
            from {StoreSetup.Schema}.audit_trail where position > {Next(after)}
            """);
        if (actor is not null) sql.Append($" and actor = {Next(actor)}");
        if (type is not null) sql.Append($" and type = {Next(type)}");
        if (from is { } f) sql.Append($" and recorded_at >= {Next(f)}");
        if (to is { } t) sql.Append($" and recorded_at <= {Next(t)}");
        if (before is { } upTo) sql.Append($" and position < {Next(upTo)}");
        // One row more than asked shows whether another page follows; positions are unique, so either order pages stably.
        sql.Append($" order by position {(newestFirst ? "desc" : "asc")} limit {Next(limit + 1)}");
        cmd.CommandText = sql.ToString();

        var items = new List<AuditEntry>(limit + 1);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                items.Add(new AuditEntry(
                    reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
                    JsonDocument.Parse(reader.GetString(5)).RootElement.Clone(), new Actor(reader.GetString(6), reader.GetString(7)),
                    reader.GetFieldValue<DateTimeOffset>(8), reader.GetString(9), reader.GetString(10),
                    Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(11))));
        if (items.Count <= limit) return new AuditPage(items, null);
        items.RemoveAt(items.Count - 1);
        return newestFirst ? new AuditPage(items, null) { NextBefore = items[^1].Position } : new AuditPage(items, items[^1].Position);
    }
}
