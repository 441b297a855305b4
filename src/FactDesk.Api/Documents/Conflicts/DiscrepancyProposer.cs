using System.Text.Json;
using FactDesk.Api.Discrepancies;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Documents.Conflicts;

/// <summary>
/// Appends a <see cref="DiscrepancyProposed"/> for each pending row the <see cref="ConflictFinderProjection"/> queued,
/// then marks the row done. Each proposal's stream is new (<see cref="ExpectedVersion.NoStream"/>) and its event id is
/// derived from the discrepancy id, so a row seen twice (crash before marking, rebuild, a second instance) is proposed once.
/// Woken when the conflict finder advances; polls for the rest.
/// </summary>
public sealed class DiscrepancyProposer : BackgroundService
{
    private const string S = StoreSetup.Schema;
    private const int RoundSize = 100;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly TamperEvidentLog _store;
    private readonly SchemaState _schema;
    private readonly TimeProvider _clock;
    private readonly ILogger<DiscrepancyProposer> _log;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    public DiscrepancyProposer(TamperEvidentLog store, SchemaState schema, TimeProvider clock, ILogger<DiscrepancyProposer> log)
    {
        (_store, _schema, _clock, _log) = (store, schema, clock, log);
        // The conflict finder queues proposals; any daemon commit may be one of its batches.
        store.ProjectionsAdvanced += Wake;
    }

    public void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        try { await _schema.Migrated.WaitAsync(stopping); }
        catch (OperationCanceledException) { return; }
        while (!stopping.IsCancellationRequested)
        {
            var proposed = 0;
            try { proposed = await ProposePendingAsync(stopping); }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            catch (Exception e) { _log.LogWarning("Discrepancy proposer: {Message}", e.Message); }
            if (proposed == RoundSize) continue;
            try { await _wake.WaitAsync(PollInterval, stopping); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One round over the pending proposals; returns how many rows it settled.</summary>
    public async Task<int> ProposePendingAsync(CancellationToken ct = default)
    {
        var pending = new List<ConflictProposal>();
        await using (var cmd = _store.DataSource.CreateCommand(
            $"select proposal::text from {S}.conflict_proposals where status = 'pending' order by found_at, discrepancy_id limit {RoundSize}"))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                if (JsonSerializer.Deserialize<ConflictProposal>(reader.GetString(0), JsonDefaults.Options) is { } proposal)
                    pending.Add(proposal);

        foreach (var proposal in pending)
        {
            var metadata = new EventMetadata(ConflictProposal.System.Name, ConflictProposal.System.Role,
                $"conflict-finder/{proposal.DiscrepancyId}", proposal.DiscrepancyId.ToString());
            try
            {
                await _store.AppendAsync(proposal.DiscrepancyId, Discrepancy.StreamType, ExpectedVersion.NoStream,
                    [new EventToAppend(EventIdFor(proposal.DiscrepancyId), proposal.ToEvent(_clock.GetUtcNow()))], metadata, ct);
            }
            catch (WrongExpectedVersionException)
            {
                // Already proposed (by an earlier round, another instance, or before a rebuild): nothing more to do.
            }
            await using var done = _store.DataSource.CreateCommand(
                $"update {S}.conflict_proposals set status = 'done', proposed_at = clock_timestamp() where discrepancy_id = $1");
            done.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = proposal.DiscrepancyId });
            await done.ExecuteNonQueryAsync(ct);
        }
        return pending.Count;
    }

    private static Guid EventIdFor(Guid discrepancyId) => NameBasedId.From($"{discrepancyId:N}/proposed");
}
