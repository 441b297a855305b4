using System.Buffers.Binary;
using System.Text;
using FactDesk.Api.Claims;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;
using NpgsqlTypes;

namespace FactDesk.Api.Queue.GettingTheQueue;

/// <summary>One claim waiting for review, as the queue lists it.</summary>
public sealed record QueueItem(
    Guid Id, string Quote, ClaimStatus Status, Priority Priority, string? Assignee, DateTimeOffset? DueAt, DateTimeOffset FlaggedAt,
    int SourceCount, int OpenDiscrepancies, long Version, Guid? DocumentId);

/// <summary>A page of the queue; <c>nextCursor</c> is null on the last page.</summary>
public sealed record QueuePage(IReadOnlyList<QueueItem> Items, string? NextCursor);

/// <summary>What narrows the queue: each filter is optional.</summary>
public sealed record QueueFilter(ClaimStatus? Status, string? Assignee, Priority? Priority, Guid? DocumentId, int Limit, QueueCursor? After);

/// <summary>
/// Where a page ended, in the queue's own order (priority rank, due date with none last, flagging time, id).
/// Opaque to clients: base64url of a small binary record, so it cannot be mistaken for anything they should build.
/// </summary>
public sealed record QueueCursor(short PriorityRank, DateTimeOffset? DueAt, DateTimeOffset FlaggedAt, Guid ClaimId)
{
    private const byte Format = 1;

    public string Encode()
    {
        var bytes = new byte[1 + 2 + 1 + 8 + 8 + 16];
        bytes[0] = Format;
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(1), PriorityRank);
        bytes[3] = DueAt is null ? (byte)0 : (byte)1;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(4), DueAt?.UtcTicks ?? 0);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(12), FlaggedAt.UtcTicks);
        ClaimId.TryWriteBytes(bytes.AsSpan(20), bigEndian: true, out _);
        return WebEncoders.Base64UrlEncode(bytes);
    }

    public static QueueCursor? TryDecode(string text)
    {
        byte[] bytes;
        try { bytes = WebEncoders.Base64UrlDecode(text); }
        catch (FormatException) { return null; }
        if (bytes.Length != 36 || bytes[0] != Format || bytes[3] > 1) return null;
        var rank = BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(1));
        var due = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(4));
        var flagged = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(12));
        if (rank is < 0 or > 3 || !IsTicks(due) || !IsTicks(flagged)) return null;
        return new QueueCursor(rank, bytes[3] == 1 ? new DateTimeOffset(due, TimeSpan.Zero) : null,
            new DateTimeOffset(flagged, TimeSpan.Zero), new Guid(bytes.AsSpan(20), bigEndian: true));
    }

    private static bool IsTicks(long ticks) => ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks;
}

/// <summary><c>GET /api/queue</c>: open claims, most urgent first, filtered and paged by keyset cursor.</summary>
public sealed class GetQueueEndpoint : IEndpoint
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    private static readonly IReadOnlyCollection<string> OpenStatuses =
        Enum.GetValues<ClaimStatus>().Where(s => s is not (ClaimStatus.Published or ClaimStatus.Dismissed)).Select(EnumNames<ClaimStatus>.Name).ToArray();

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/queue", (HttpContext http, NpgsqlDataSource db) => Reads.Guard(http, async () =>
            {
                var filter = ParseFilter(http.Request.Query);
                return Reads.Json(await ReadPageAsync(db, filter, http.RequestAborted));
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("GetQueue").WithTags("Queue")
            .WithDescription("Open claims, most urgent first: priority, then due date (none last), then age, then id. " +
                             "Filters: status, assignee, priority, documentId. Paging: limit (1-500, default 50) and the cursor from nextCursor.")
            .WithQuery(
                new QueryParameter("status", "Only claims in this open status.") { Allowed = OpenStatuses, Example = "in-review" },
                new QueryParameter("assignee", "Only claims assigned to this person (as GET /api/people names them).") { Example = "Mara Lind" },
                new QueryParameter("priority", "Only claims of this priority.") { Allowed = EnumNames<Priority>.All, Example = "high" },
                new QueryParameter("documentId", "Only claims flagged in this document.") { Format = "uuid" },
                QueryParameter.Limit(DefaultLimit, MaxLimit),
                new QueryParameter("cursor", "The nextCursor of the page before; opaque."))
            .Produces<QueuePage>().ProducesValidationProblem().ProducesProblem(401);

    public static QueueFilter ParseFilter(IQueryCollection query)
    {
        var check = new Validation();
        string? Single(string name)
        {
            if (!query.TryGetValue(name, out var values)) return null;
            if (values.Count != 1) { check.Add(name, $"Give {name} once."); return null; }
            return values[0];
        }

        var status = Single("status");
        check.OneOf("status", status, OpenStatuses);
        var priority = Single("priority");
        check.OneOf("priority", priority, EnumNames<Priority>.All);
        var assignee = Single("assignee");
        check.Text("assignee", assignee, 200, required: false);
        Guid? documentId = null;
        if (Single("documentId") is { } document)
            if (Guid.TryParse(document, out var id)) documentId = id;
            else check.Add("documentId", "documentId must be a UUID.");
        var limit = DefaultLimit;
        if (Single("limit") is { } limitText && !(int.TryParse(limitText, out limit) && limit is >= 1 and <= MaxLimit))
            check.Add("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
        QueueCursor? cursor = null;
        if (Single("cursor") is { } cursorText && (cursor = QueueCursor.TryDecode(cursorText)) is null)
            check.Add("cursor", "cursor is not one this queue handed out; start again without it.");
        if (!check.IsValid) throw Problems.Fail(Problems.Validation(check.Errors));

        return new QueueFilter(
            status is null || !OpenStatuses.Contains(status) ? null : EnumNames<ClaimStatus>.Parse(status),
            string.IsNullOrWhiteSpace(assignee) ? null : assignee,
            priority is null ? null : EnumNames<Priority>.Parse(priority),
            documentId, limit, cursor);
    }

    /// <summary>Builds only the conditions asked for, so the planner sees plain equalities and picks the matching index.</summary>
    public static async Task<QueuePage> ReadPageAsync(NpgsqlDataSource db, QueueFilter filter, CancellationToken ct)
    {
        var sql = new StringBuilder($"""
            select claim_id, quote, status, priority, assignee, due_at, flagged_at, source_count, open_discrepancies, version, document_id, priority_rank
            from {StoreSetup.Schema}.review_queue where is_open
            """);
        await using var cmd = db.CreateCommand();
        string Next(NpgsqlParameter parameter)
        {
            cmd.Parameters.Add(parameter);
            return "$" + cmd.Parameters.Count;
        }

        if (filter.Status is { } status) sql.Append($" and status = {Next(new NpgsqlParameter<string> { TypedValue = EnumNames<ClaimStatus>.Name(status) })}");
        if (filter.Assignee is { } assignee) sql.Append($" and assignee = {Next(new NpgsqlParameter<string> { TypedValue = assignee })}");
        if (filter.Priority is { } priority) sql.Append($" and priority_rank = {Next(new NpgsqlParameter<short> { TypedValue = QueueRow.RankOf(priority) })}");
        if (filter.DocumentId is { } documentId) sql.Append($" and document_id = {Next(new NpgsqlParameter<Guid> { TypedValue = documentId })}");
        if (filter.After is { } after)
        {
            var due = after.DueAt is { } d
                ? Next(new NpgsqlParameter<DateTimeOffset> { TypedValue = d })
                : "'infinity'::timestamptz";
            sql.Append($" and (priority_rank, due_sort, flagged_at, claim_id) > ({Next(new NpgsqlParameter<short> { TypedValue = after.PriorityRank })}, {due}, " +
                       $"{Next(new NpgsqlParameter<DateTimeOffset> { TypedValue = after.FlaggedAt })}, {Next(new NpgsqlParameter<Guid> { TypedValue = after.ClaimId })})");
        }
        // One row more than asked shows whether another page follows.
        sql.Append($" order by priority_rank, due_sort, flagged_at, claim_id limit {Next(new NpgsqlParameter<int> { TypedValue = filter.Limit + 1 })}");
        cmd.CommandText = sql.ToString();

        var items = new List<QueueItem>(filter.Limit + 1);
        var ranks = new List<short>(filter.Limit + 1);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                items.Add(new QueueItem(
                    reader.GetGuid(0), reader.GetString(1), EnumNames<ClaimStatus>.Parse(reader.GetString(2)), EnumNames<Priority>.Parse(reader.GetString(3)),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                    reader.GetFieldValue<DateTimeOffset>(6), reader.GetInt32(7), reader.GetInt32(8), reader.GetInt64(9),
                    reader.IsDBNull(10) ? null : reader.GetGuid(10)));
                ranks.Add(reader.GetInt16(11));
            }

        if (items.Count <= filter.Limit) return new QueuePage(items, null);
        items.RemoveAt(items.Count - 1);
        var last = items[^1];
        return new QueuePage(items, new QueueCursor(ranks[items.Count - 1], last.DueAt, last.FlaggedAt, last.Id).Encode());
    }
}
