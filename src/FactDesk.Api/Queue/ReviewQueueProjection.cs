using System.Text.Json;
using FactDesk.Api.Claims;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Npgsql;
using NpgsqlTypes;

namespace FactDesk.Api.Queue;

/// <summary>
/// The editors' review queue: one row per claim, kept in the append's own transaction so a claim is in the queue the
/// moment its flag commits. Closed claims keep their row (a reopening needs it) and drop out through <c>is_open</c>.
/// Changes are announced to live pages by <see cref="QueueNoticesProjection"/>, after commit.
/// </summary>
public sealed class ReviewQueueProjection : IProjection
{
    public const string ProjectionName = "review-queue";
    public const string Channel = "factdesk_queue";

    // Discrepancies belong to another slice; the queue reads them by stored name so it does not depend on their classes.
    public const string DiscrepancyOpenedType = "discrepancy-opened.v1";
    public const string DiscrepancyResolvedType = "discrepancy-resolved.v1";
    // A proposal links its claims without counting; confirming opens it like an opened one, declining ends it.
    public const string DiscrepancyProposedType = "discrepancy-proposed.v1";
    public const string DiscrepancyConfirmedType = "discrepancy-confirmed.v1";
    public const string DiscrepancyDeclinedType = "discrepancy-declined.v1";

    public string Name => ProjectionName;
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Inline;
    public IReadOnlyList<string> Tables { get; } = ["review_queue", "queue_discrepancy_links"];

    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = Declare();

    private static IReadOnlyList<Weasel.Core.ISchemaObject> Declare()
    {
        var queue = SchemaTables.For(StoreSetup.Schema, "review_queue");
        queue.AddColumn("claim_id", "uuid").AsPrimaryKey();
        queue.AddColumn("quote", "text").NotNull();
        queue.AddColumn("status", "text").NotNull();
        queue.AddColumn("priority", "text").NotNull();
        // 0 = urgent ... 3 = low, so the queue's first key sorts ascending like the rest.
        queue.AddColumn("priority_rank", "smallint").NotNull();
        queue.AddColumn("assignee", "text");
        queue.AddColumn("due_at", "timestamptz");
        queue.AddColumn("flagged_at", "timestamptz").NotNull();
        queue.AddColumn("document_id", "uuid");
        queue.AddColumn("source_count", "int").NotNull();
        queue.AddColumn("open_discrepancies", "int").NotNull();
        queue.AddColumn("version", "bigint").NotNull();
        queue.AddColumn("updated_at", "timestamptz").NotNull();
        // Generation expressions as PostgreSQL prints them, which is what Weasel compares with.
        queue.AddColumn("is_open", "boolean").GeneratedAs("status <> ALL (ARRAY['published'::text, 'dismissed'::text])");
        // No due date sorts after every due date; a non-null key lets one row comparison page through the queue.
        queue.AddColumn("due_sort", "timestamptz").GeneratedAs("COALESCE(due_at, 'infinity'::timestamp with time zone)");
        string[] order = ["priority_rank", "due_sort", "flagged_at", "claim_id"];
        queue.Index("review_queue_order", order, where: "is_open")
            .Index("review_queue_by_assignee", ["assignee", .. order], where: "is_open")
            .Index("review_queue_by_status", ["status", .. order], where: "is_open")
            .Index("review_queue_by_document", ["document_id", .. order], where: "is_open and document_id is not null");

        var links = SchemaTables.For(StoreSetup.Schema, "queue_discrepancy_links");
        links.AddColumn("discrepancy_id", "uuid").NotNull();
        links.AddColumn("claim_id", "uuid").NotNull();
        links.AddColumn("open", "boolean").NotNull();
        links.PrimaryKey("discrepancy_id", "claim_id");
        return [queue, links];
    }

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        var relevant = events.Where(e => e.Data is ClaimFlagged or ClaimAssigned or SourceAttached or SourceRetracted or VerdictProposed
            or VerdictApproved or VerdictRejected or FactCheckPublished or ClaimDismissed or ClaimReopened
            || e.Type is DiscrepancyOpenedType or DiscrepancyResolvedType or DiscrepancyProposedType or DiscrepancyConfirmedType or DiscrepancyDeclinedType).ToList();
        if (relevant.Count == 0) return;

        // Claims created in this batch need no read; every other touched claim and discrepancy link is read and locked.
        var created = relevant.Where(e => e.Data is ClaimFlagged).Select(e => e.StreamId).ToHashSet();
        var claimIds = new HashSet<Guid>();
        var discrepancyIds = new HashSet<Guid>();
        foreach (var e in relevant)
        {
            if (e.Type is DiscrepancyOpenedType or DiscrepancyProposedType) claimIds.UnionWith(ClaimIdsOf(e.DataJson));
            else if (e.Type is DiscrepancyResolvedType or DiscrepancyConfirmedType or DiscrepancyDeclinedType)
            {
                if (DiscrepancyIdOf(e.DataJson) is { } id) discrepancyIds.Add(id);
            }
            else claimIds.Add(e.StreamId);
        }
        var links = await LoadLinksAsync(connection, discrepancyIds, ct);
        claimIds.UnionWith(links.Values.SelectMany(l => l.Keys));
        claimIds.ExceptWith(created);
        var rows = await LoadRowsAsync(connection, claimIds, ct);

        var changedRows = new HashSet<Guid>();
        var changedLinks = new HashSet<(Guid, Guid)>();
        foreach (var e in relevant)
        {
            switch (e.Type)
            {
                case DiscrepancyOpenedType when DiscrepancyIdOf(e.DataJson) is { } discrepancyId:
                    if (!links.TryGetValue(discrepancyId, out var opened)) links[discrepancyId] = opened = [];
                    foreach (var claimId in ClaimIdsOf(e.DataJson))
                    {
                        if (opened.TryGetValue(claimId, out var isOpen) && isOpen) continue;
                        opened[claimId] = true;
                        changedLinks.Add((discrepancyId, claimId));
                        if (rows.TryGetValue(claimId, out var row)) { row.OpenDiscrepancies++; row.UpdatedAt = e.RecordedAt; changedRows.Add(claimId); }
                    }
                    break;
                case DiscrepancyProposedType when DiscrepancyIdOf(e.DataJson) is { } discrepancyId:
                    // Linked but not counted: nobody has stood behind the conflict yet.
                    if (!links.TryGetValue(discrepancyId, out var proposed)) links[discrepancyId] = proposed = [];
                    foreach (var claimId in ClaimIdsOf(e.DataJson))
                    {
                        if (!proposed.TryAdd(claimId, false)) continue;
                        changedLinks.Add((discrepancyId, claimId));
                    }
                    break;
                case DiscrepancyConfirmedType when DiscrepancyIdOf(e.DataJson) is { } discrepancyId:
                    // Only a proposal is confirmed (the decision refuses the rest), so every closed link here is a
                    // proposed one; an open link was already counted and is left alone.
                    if (!links.TryGetValue(discrepancyId, out var confirmed)) break;
                    foreach (var claimId in confirmed.Where(l => !l.Value).Select(l => l.Key).ToList())
                    {
                        confirmed[claimId] = true;
                        changedLinks.Add((discrepancyId, claimId));
                        if (rows.TryGetValue(claimId, out var row)) { row.OpenDiscrepancies++; row.UpdatedAt = e.RecordedAt; changedRows.Add(claimId); }
                    }
                    break;
                // Declining closes like resolving: only links that were counted open are taken off the count.
                case DiscrepancyResolvedType or DiscrepancyDeclinedType when DiscrepancyIdOf(e.DataJson) is { } discrepancyId:
                    if (!links.TryGetValue(discrepancyId, out var resolved)) break;
                    foreach (var claimId in resolved.Where(l => l.Value).Select(l => l.Key).ToList())
                    {
                        resolved[claimId] = false;
                        changedLinks.Add((discrepancyId, claimId));
                        if (rows.TryGetValue(claimId, out var row))
                        {
                            row.OpenDiscrepancies = Math.Max(0, row.OpenDiscrepancies - 1);
                            row.UpdatedAt = e.RecordedAt;
                            changedRows.Add(claimId);
                        }
                    }
                    break;
                case DiscrepancyOpenedType or DiscrepancyResolvedType or DiscrepancyProposedType or DiscrepancyConfirmedType or DiscrepancyDeclinedType:
                    break;
                default:
                    if (e.Data is ClaimFlagged flagged) rows[e.StreamId] = QueueRow.From(flagged);
                    if (!rows.TryGetValue(e.StreamId, out var claim)) break;
                    claim.Apply(e.Data);
                    (claim.Version, claim.UpdatedAt) = (e.Version, e.RecordedAt);
                    changedRows.Add(e.StreamId);
                    break;
            }
        }

        await using var batch = new NpgsqlBatch(connection);
        if (changedRows.Count > 0) batch.BatchCommands.Add(Upsert(connection, changedRows.Select(id => rows[id]).ToList()));
        if (changedLinks.Count > 0) batch.BatchCommands.Add(UpsertLinks(changedLinks.Select(k => (k.Item1, k.Item2, links[k.Item1][k.Item2])).ToList()));
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(ct);
    }

    internal static IEnumerable<Guid> ClaimIdsOf(JsonElement data) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty("claimIds", out var ids) && ids.ValueKind == JsonValueKind.Array
            ? ids.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String && i.TryGetGuid(out _)).Select(i => i.GetGuid()).Distinct().ToList()
            : [];

    internal static Guid? DiscrepancyIdOf(JsonElement data) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty("discrepancyId", out var id) && id.ValueKind == JsonValueKind.String && id.TryGetGuid(out var g)
            ? g : null;

    private static async Task<Dictionary<Guid, Dictionary<Guid, bool>>> LoadLinksAsync(NpgsqlConnection connection, HashSet<Guid> discrepancyIds, CancellationToken ct)
    {
        var links = new Dictionary<Guid, Dictionary<Guid, bool>>();
        if (discrepancyIds.Count == 0) return links;
        await using var cmd = new NpgsqlCommand($"""
            select discrepancy_id, claim_id, open from {StoreSetup.Schema}.queue_discrepancy_links
            where discrepancy_id = any($1) order by discrepancy_id, claim_id for update
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = discrepancyIds.ToArray() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (!links.TryGetValue(reader.GetGuid(0), out var claims)) links[reader.GetGuid(0)] = claims = [];
            claims[reader.GetGuid(1)] = reader.GetBoolean(2);
        }
        return links;
    }

    /// <summary>
    /// Rows are read FOR UPDATE, in id order: a discrepancy and a claim command touching the same claim at once would
    /// otherwise both count from the same old row, and a rebuild in progress makes this wait for the rebuilt rows.
    /// </summary>
    private static async Task<Dictionary<Guid, QueueRow>> LoadRowsAsync(NpgsqlConnection connection, HashSet<Guid> claimIds, CancellationToken ct)
    {
        var rows = new Dictionary<Guid, QueueRow>();
        if (claimIds.Count == 0) return rows;
        await using var cmd = new NpgsqlCommand($"""
            select claim_id, quote, status, priority, assignee, due_at, flagged_at, document_id, source_count, open_discrepancies, version, updated_at
            from {StoreSetup.Schema}.review_queue where claim_id = any($1) order by claim_id for update
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = claimIds.ToArray() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var row = new QueueRow
            {
                ClaimId = reader.GetGuid(0),
                Quote = reader.GetString(1),
                Status = EnumNames<ClaimStatus>.Parse(reader.GetString(2)),
                Priority = EnumNames<Priority>.Parse(reader.GetString(3)),
                Assignee = reader.IsDBNull(4) ? null : reader.GetString(4),
                DueAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                FlaggedAt = reader.GetFieldValue<DateTimeOffset>(6),
                DocumentId = reader.IsDBNull(7) ? null : reader.GetGuid(7),
                SourceCount = reader.GetInt32(8),
                OpenDiscrepancies = reader.GetInt32(9),
                Version = reader.GetInt64(10),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(11),
            };
            rows[row.ClaimId] = row;
        }
        return rows;
    }

    private static NpgsqlBatchCommand Upsert(NpgsqlConnection connection, List<QueueRow> rows)
    {
        var cmd = new NpgsqlBatchCommand($"""
            insert into {StoreSetup.Schema}.review_queue (claim_id, quote, status, priority, priority_rank, assignee, due_at, flagged_at,
                document_id, source_count, open_discrepancies, version, updated_at)
            select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::text[], $7::timestamptz[], $8::timestamptz[],
                $9::uuid[], $10::int[], $11::int[], $12::bigint[], $13::timestamptz[])
            on conflict (claim_id) do update set quote = excluded.quote, status = excluded.status, priority = excluded.priority,
                priority_rank = excluded.priority_rank, assignee = excluded.assignee, due_at = excluded.due_at, flagged_at = excluded.flagged_at,
                document_id = excluded.document_id, source_count = excluded.source_count, open_discrepancies = excluded.open_discrepancies,
                version = excluded.version, updated_at = excluded.updated_at
            """);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = rows.Select(r => r.ClaimId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.Quote).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => EnumNames<ClaimStatus>.Name(r.Status)).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => EnumNames<Priority>.Name(r.Priority)).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = rows.Select(r => QueueRow.RankOf(r.Priority)).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Assignee).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.DueAt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = rows.Select(r => r.FlaggedAt).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.DocumentId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = rows.Select(r => r.SourceCount).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = rows.Select(r => r.OpenDiscrepancies).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.Version).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = rows.Select(r => r.UpdatedAt).ToArray() });
        return cmd;
    }

    private static NpgsqlBatchCommand UpsertLinks(List<(Guid Discrepancy, Guid Claim, bool Open)> links)
    {
        var cmd = new NpgsqlBatchCommand($"""
            insert into {StoreSetup.Schema}.queue_discrepancy_links (discrepancy_id, claim_id, open)
            select * from unnest($1::uuid[], $2::uuid[], $3::boolean[])
            on conflict (discrepancy_id, claim_id) do update set open = excluded.open
            """);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = links.Select(l => l.Discrepancy).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = links.Select(l => l.Claim).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = links.Select(l => l.Open).ToArray() });
        return cmd;
    }
}

/// <summary>What a queue notice says: which claim changed and the version it is at now.</summary>
public sealed record QueueChange(Guid ClaimId, long Version);

/// <summary>A claim as the queue keeps it; mutable only while one batch of events is folded into it.</summary>
internal sealed class QueueRow
{
    public Guid ClaimId { get; init; }
    public string Quote { get; set; } = "";
    public ClaimStatus Status { get; set; }
    public Priority Priority { get; set; }
    public string? Assignee { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public DateTimeOffset FlaggedAt { get; set; }
    public Guid? DocumentId { get; set; }
    public int SourceCount { get; set; }
    public int OpenDiscrepancies { get; set; }
    public long Version { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public static short RankOf(Priority priority) => (short)(Priority.Urgent - priority);

    public static Priority PriorityOfRank(short rank) => Priority.Urgent - rank;

    public static QueueRow From(ClaimFlagged e) => new()
    {
        ClaimId = e.ClaimId, Quote = e.Quote, Status = ClaimStatus.Flagged, Priority = e.Priority, DueAt = e.DueAt,
        FlaggedAt = e.At, DocumentId = e.DocumentId,
    };

    /// <summary>The same status rules as <see cref="Claim"/>'s Apply methods, reduced to what the queue shows.</summary>
    public void Apply(object e)
    {
        switch (e)
        {
            case ClaimAssigned a:
                Assignee = a.Assignee;
                if (Status == ClaimStatus.Flagged) Status = ClaimStatus.InReview;
                break;
            case SourceAttached: SourceCount++; break;
            case SourceRetracted: SourceCount = Math.Max(0, SourceCount - 1); break;
            case VerdictProposed: Status = ClaimStatus.VerdictProposed; break;
            case VerdictApproved: Status = ClaimStatus.Approved; break;
            case VerdictRejected: Status = ClaimStatus.InReview; break;
            case FactCheckPublished: Status = ClaimStatus.Published; break;
            case ClaimDismissed: Status = ClaimStatus.Dismissed; break;
            case ClaimReopened: Status = Assignee is null ? ClaimStatus.Flagged : ClaimStatus.InReview; break;
        }
    }
}
