using FactDesk.Api.Claims;
using FactDesk.Api.Queue.GettingTheQueue;
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

/// <summary>Reads the <c>review_queue</c> projection with the same query as <c>GET /api/queue</c>.</summary>
public sealed class ProjectedQueueReader(NpgsqlDataSource db) : IReviewQueueReader
{
    public async Task<IReadOnlyList<QueueRow>> ReadAsync(QueueFilter filter, CancellationToken ct)
    {
        var page = await GetQueueEndpoint.ReadPageAsync(db,
            new Queue.GettingTheQueue.QueueFilter(filter.Status, filter.Assignee, filter.Priority, filter.DocumentId, GetQueueEndpoint.MaxLimit, null), ct);
        return page.Items.Select(i => new QueueRow(i.Id, i.Quote, i.Status, i.Priority, i.Assignee, i.DueAt, i.FlaggedAt,
            i.SourceCount, i.OpenDiscrepancies, i.Version, i.DocumentId)).ToList();
    }
}
