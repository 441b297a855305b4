using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Queue;

/// <summary>
/// Announces changed queue rows with <c>pg_notify</c> for the live queue pages. It runs as an async projection, after
/// the appends have committed: a NOTIFY inside every append would take PostgreSQL's global notification lock until
/// that append's commit, and concurrent appends could no longer share commits. Here one batch sends its notices in
/// one transaction. A rebuild replays history nobody is waiting for, so it stays silent.
/// </summary>
public sealed class QueueNoticesProjection : IProjection
{
    public string Name => "queue-notices";
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Async;
    public IReadOnlyList<string> Tables { get; } = [];
    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = [];

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        var claimIds = new HashSet<Guid>();
        var discrepancyIds = new HashSet<Guid>();
        foreach (var e in events)
        {
            if (e.StreamType == global::FactDesk.Api.Claims.Claim.StreamType) claimIds.Add(e.StreamId);
            else if (e.Type == ReviewQueueProjection.DiscrepancyOpenedType) claimIds.UnionWith(ReviewQueueProjection.ClaimIdsOf(e.DataJson));
            // A proposal changes no count, so it is not announced; confirming and declining are, through its links.
            else if (e.Type is ReviewQueueProjection.DiscrepancyResolvedType or ReviewQueueProjection.DiscrepancyConfirmedType or ReviewQueueProjection.DiscrepancyDeclinedType
                     && ReviewQueueProjection.DiscrepancyIdOf(e.DataJson) is { } id) discrepancyIds.Add(id);
        }
        if (claimIds.Count == 0 && discrepancyIds.Count == 0) return;

        // The queue rows are kept inline, so they already hold these changes (or later ones): announce their versions.
        await using var cmd = new NpgsqlCommand($"""
            with changed as (
                select q.claim_id, q.version from {StoreSetup.Schema}.review_queue q
                where q.claim_id = any($1)
                   or q.claim_id in (select l.claim_id from {StoreSetup.Schema}.queue_discrepancy_links l where l.discrepancy_id = any($2)))
            select pg_notify('{ReviewQueueProjection.Channel}', json_build_object('claimId', claim_id, 'version', version)::text)
            from changed
            where coalesce(current_setting('{ProjectionControl.ReplayingSetting}', true), '') <> 'on'
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = claimIds.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = discrepancyIds.ToArray() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) { }
    }
}
