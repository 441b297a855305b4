using FactDesk.Api.Audit.GettingTheAuditFeed;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Pages;

/// <summary>One event of the global log as the auditor's page lists it.</summary>
public sealed record AuditEntry(
    long Position, Guid StreamId, string StreamType, long Version, string Type, string Actor, string Role, DateTimeOffset RecordedAt,
    string CorrelationId, string Hash);

/// <summary>
/// The auditor's filters; null means any. Newest first by default, paged by <c>Before</c> (a global position); oldest
/// first pages by <c>After</c>.
/// </summary>
public sealed record AuditFilter(string? Actor, string? Type, DateTimeOffset? From, DateTimeOffset? To, long After, int Limit,
    bool NewestFirst = true, long? Before = null);

/// <summary>The global audit feed and its verification, as the auditor's page reads them.</summary>
public interface IAuditTrail
{
    Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditFilter filter, CancellationToken ct);
    Task<VerificationResult> VerifyAsync(CancellationToken ct);

    /// <summary>What an editor calls each stream: a claim's quote, a document's title, a discrepancy's description.</summary>
    Task<IReadOnlyDictionary<Guid, string>> StreamNamesAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken ct);
}

/// <summary>Reads the audit feed's projection (the same query as <c>GET /api/audit</c>) and verifies with <see cref="LogVerifier"/>.</summary>
public sealed class ProjectedAuditTrail(NpgsqlDataSource db, LogVerifier verifier) : IAuditTrail
{
    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(AuditFilter filter, CancellationToken ct)
    {
        var page = await GetAuditFeedEndpoint.ReadPageAsync(db, filter.Actor, filter.Type, filter.From, filter.To, filter.After, filter.Limit, ct,
            filter.NewestFirst, filter.Before);
        return page.Items.Select(e => new AuditEntry(e.Position, e.StreamId, e.StreamType, e.Version, e.Type, e.Actor.Name, e.Actor.Role,
            e.RecordedAt, e.CorrelationId, e.Hash)).ToList();
    }

    public async Task<IReadOnlyDictionary<Guid, string>> StreamNamesAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken ct)
    {
        var names = new Dictionary<Guid, string>();
        Guid[] Of(string streamType) => entries.Where(e => e.StreamType == streamType).Select(e => e.StreamId).Distinct().ToArray();
        async Task ReadAsync(string sql, Guid[] ids)
        {
            if (ids.Length == 0) return;
            await using var cmd = db.CreateCommand(sql.Replace("{schema}", Hosting.StoreSetup.Schema));
            cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                if (!reader.IsDBNull(1)) names.TryAdd(reader.GetGuid(0), reader.GetString(1));
        }
        var claims = Of(Claims.Claim.StreamType);
        await ReadAsync("select claim_id, quote from {schema}.review_queue where claim_id = any($1)", claims);
        await ReadAsync("select claim_id, quote from {schema}.document_claims where claim_id = any($1)", claims.Where(id => !names.ContainsKey(id)).ToArray());
        // Closed claims outside any document: the quote as flagged, from the log itself (found through its type index).
        await ReadAsync("select stream_id, data->>'quote' from {schema}.audit_trail where type = 'claim-flagged.v1' and stream_id = any($1)",
            claims.Where(id => !names.ContainsKey(id)).ToArray());
        await ReadAsync("select id, title from {schema}.documents where id = any($1)", Of(Documents.Document.StreamType));
        await ReadAsync("select id, description from {schema}.discrepancies where id = any($1)", Of(Discrepancies.Discrepancy.StreamType));
        return names;
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
