using FactDesk.Api.Audit.GettingTheAuditFeed;
using FactDesk.EventStore;
using Npgsql;

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

/// <summary>Reads the audit feed's projection (the same query as <c>GET /api/audit</c>) and verifies with <see cref="LogVerifier"/>.</summary>
public sealed class ProjectedAuditTrail(NpgsqlDataSource db, LogVerifier verifier) : IAuditTrail
{
    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditFilter filter, CancellationToken ct)
    {
        var page = await GetAuditFeedEndpoint.ReadPageAsync(db, filter.Actor, filter.Type, filter.From, filter.To, filter.After, filter.Limit, ct);
        return page.Items.Select(e => new AuditEntry(e.Position, e.StreamId, e.StreamType, e.Version, e.Type, e.Actor.Name, e.Actor.Role,
            e.RecordedAt, e.CorrelationId, e.Hash)).ToList();
    }

    /// <summary>Verification reads the whole log: a result younger than this is shown again instead of rereading it per view.</summary>
    public static readonly TimeSpan VerificationReuse = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _verifying = new(1, 1);
    private (VerificationResult Result, DateTimeOffset At)? _lastVerification;

    public async Task<VerificationResult> VerifyAsync(CancellationToken ct)
    {
        await _verifying.WaitAsync(ct);
        try
        {
            if (_lastVerification is { } last && DateTimeOffset.UtcNow - last.At < VerificationReuse) return last.Result;
            var result = await verifier.VerifyAsync(ct);
            _lastVerification = (result, DateTimeOffset.UtcNow);
            return result;
        }
        finally { _verifying.Release(); }
    }
}
