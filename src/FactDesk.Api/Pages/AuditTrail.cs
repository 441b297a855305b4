using FactDesk.EventStore;

namespace FactDesk.Api.Pages;

/// <summary>One event of the global log as the auditor's page lists it.</summary>
public sealed record AuditEntry(
    long Position, Guid StreamId, string StreamType, long Version, string Type, string Actor, string Role, DateTimeOffset RecordedAt,
    string CorrelationId, string Hash);

/// <summary>The auditor's filters; null means any. <c>After</c> pages on by global position.</summary>
public sealed record AuditFilter(string? Actor, string? Type, DateTimeOffset? From, DateTimeOffset? To, long After, int Limit);

/// <summary>The global audit feed and its verification, as the auditor's page reads them.</summary>
public interface IAuditTrail
{
    Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditFilter filter, CancellationToken ct);
    Task<VerificationResult> VerifyAsync(CancellationToken ct);
}

/// <summary>
/// Reads the log through the event store and verifies with <see cref="LogVerifier"/>. Filters in memory while paging through
/// the log, which suits a desk-sized log; the audit feed's indexed query replaces it once that branch is merged.
/// </summary>
public sealed class EventStoreAuditTrail(PostgresEventStore store, LogVerifier verifier) : IAuditTrail
{
    private const int Page = 500;

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditFilter filter, CancellationToken ct)
    {
        var found = new List<AuditEntry>();
        var after = filter.After;
        while (found.Count < filter.Limit)
        {
            var events = await store.ReadAllAsync(after, long.MaxValue, Page, ct);
            if (events.Count == 0) break;
            foreach (var e in events)
            {
                if (filter.Actor is { } actor && !string.Equals(e.Metadata.ActorName, actor, StringComparison.OrdinalIgnoreCase)) continue;
                if (filter.Type is { } type && !e.Type.StartsWith(type, StringComparison.OrdinalIgnoreCase)) continue;
                if (filter.From is { } from && e.RecordedAt < from) continue;
                if (filter.To is { } to && e.RecordedAt > to) continue;
                found.Add(new AuditEntry(e.Position, e.StreamId, e.StreamType, e.Version, e.Type, e.Metadata.ActorName, e.Metadata.ActorRole,
                    e.RecordedAt, e.Metadata.CorrelationId, Convert.ToHexStringLower(e.Hash)));
                if (found.Count == filter.Limit) break;
            }
            after = events[^1].Position;
        }
        return found;
    }

    public Task<VerificationResult> VerifyAsync(CancellationToken ct) => verifier.VerifyAsync(ct);
}
