using FactDesk.Api.Claims;
using FactDesk.Api.Hosting;
using FactDesk.EventStore;
using Npgsql;

namespace FactDesk.Api.Pages;

/// <summary>One row of the review queue, with the fields of <c>GET /api/queue</c> (plus the claim's document).</summary>
public sealed record QueueRow(
    Guid Id, string Quote, ClaimStatus Status, Priority Priority, string? Assignee, DateTimeOffset? DueAt, DateTimeOffset FlaggedAt,
    int SourceCount, int OpenDiscrepancies, long Version, Guid? DocumentId);

/// <summary>The queue page's filters; null means any.</summary>
public sealed record QueueFilter(ClaimStatus? Status, string? Assignee, Priority? Priority, Guid? DocumentId);

/// <summary>Open claims, most urgent first (priority, then due date, then age). What the queue page reads.</summary>
public interface IReviewQueueReader
{
    Task<IReadOnlyList<QueueRow>> ReadAsync(QueueFilter filter, CancellationToken ct);
}

/// <summary>
/// Folds every claim stream on each read. Fine for a desk's worth of claims and needs no table of its own; when the
/// <c>review_queue</c> projection is merged, the page switches to a reader over it without changing.
/// </summary>
public sealed class ClaimStreamsQueueReader(PostgresEventStore store) : IReviewQueueReader
{
    public const int MaxRows = 500;

    public async Task<IReadOnlyList<QueueRow>> ReadAsync(QueueFilter filter, CancellationToken ct)
    {
        var ids = new List<Guid>();
        await using (var cmd = store.DataSource.CreateCommand($"select id from {StoreSetup.Schema}.streams where type = $1"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Claim.StreamType });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        }
        var open = new Dictionary<Guid, int>();
        await using (var cmd = store.DataSource.CreateCommand(
            $"select claim_id, count(*)::int from {StoreSetup.Schema}.claim_discrepancies where status = 'open' group by claim_id"))
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) open[reader.GetGuid(0)] = reader.GetInt32(1);
        }

        var rows = new List<QueueRow>();
        foreach (var id in ids)
        {
            var events = await store.ReadStreamAsync(id, ct: ct);
            if (StateFolder<Claim>.Instance.Fold(events) is not { IsClosed: false } claim) continue;
            if (filter.Status is { } status && claim.Status != status) continue;
            if (filter.Priority is { } priority && claim.Priority != priority) continue;
            if (filter.DocumentId is { } document && claim.DocumentId != document) continue;
            if (filter.Assignee is { Length: > 0 } assignee && !string.Equals(claim.Assignee, assignee, StringComparison.OrdinalIgnoreCase)) continue;
            rows.Add(new QueueRow(claim.Id, claim.Quote, claim.Status, claim.Priority, claim.Assignee, claim.DueAt, claim.FlaggedAt,
                claim.ActiveSources.Count(), open.GetValueOrDefault(claim.Id), events[^1].Version, claim.DocumentId));
        }
        return rows
            .OrderByDescending(r => r.Priority)
            .ThenBy(r => r.DueAt ?? DateTimeOffset.MaxValue)
            .ThenBy(r => r.FlaggedAt)
            .ThenBy(r => r.Id)
            .Take(MaxRows)
            .ToArray();
    }
}
