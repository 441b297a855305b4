using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Audit.Verifying;

/// <summary>How far the log has been verified: the last position, the ledger's chain hash there, and when.</summary>
public sealed record VerificationCheckpoint(long Position, string LedgerHead, DateTimeOffset VerifiedAt);

/// <summary>
/// The answer of <c>GET /api/audit/verification</c>: the contract's <c>{ ok, eventsChecked, firstBrokenPosition }</c>
/// (and <c>problem</c>, <c>ledgerHead</c>) over the events after the stored checkpoint, plus where this call started
/// (<c>verifiedFrom</c>, exclusive), where it stopped (<c>verifiedTo</c>), how many stored events are still to be
/// verified (<c>remaining</c>), and the checkpoint after the call.
/// </summary>
public sealed record IncrementalVerification(bool Ok, long EventsChecked, long? FirstBrokenPosition, string? Problem, string? LedgerHead,
    long VerifiedFrom, long VerifiedTo, long Remaining, VerificationCheckpoint? Checkpoint);

/// <summary>Settings under <c>Audit:</c>.</summary>
public sealed class AuditVerificationOptions
{
    /// <summary>Events one <c>GET /api/audit/verification</c> verifies at most (each further call goes on from its checkpoint).</summary>
    public int MaxEventsPerCall { get; set; } = 50_000;
    /// <summary>Events a full re-verification checks per step (its progress is recorded after each).</summary>
    public int FullVerificationBatch { get; set; } = 10_000;
    /// <summary>At most one full re-verification may be started within this time (and only one runs at a time).</summary>
    public TimeSpan FullVerificationInterval { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Verifies only what came after the stored checkpoint, at most <see cref="AuditVerificationOptions.MaxEventsPerCall"/>
/// events a call, and moves the checkpoint on when the range is intact. A broken range leaves it where it was, so every
/// call reports the break until the log is repaired.
/// </summary>
public sealed class IncrementalVerifier(TamperEvidentLog store, ChainRangeCheck check, AuditVerificationOptions options)
{
    private const string S = StoreSetup.Schema;

    /// <summary>How far the log was last verified: one row at most.</summary>
    public static Weasel.Core.ISchemaObject Table()
    {
        var checkpoint = SchemaTables.For(S, "verification_checkpoint");
        checkpoint.AddColumn("id", "int").AsPrimaryKey().DefaultValueByExpression("1");
        checkpoint.AddColumn("position", "bigint").NotNull();
        checkpoint.AddColumn("ledger_head", "bytea").NotNull();
        checkpoint.AddColumn("verified_at", "timestamptz").NotNull();
        return checkpoint.Check("id", "id = 1");
    }

    public async Task<VerificationCheckpoint?> ReadCheckpointAsync(CancellationToken ct)
    {
        await using var cmd = store.DataSource.CreateCommand($"select position, ledger_head, verified_at from {S}.verification_checkpoint");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new VerificationCheckpoint(reader.GetInt64(0), Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(1)), reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    }

    /// <summary>Moves the checkpoint forward (never back: two instances verifying at once both land on the furthest).</summary>
    public async Task<VerificationCheckpoint?> AdvanceAsync(long position, byte[] ledgerHead, CancellationToken ct)
    {
        await using var cmd = store.DataSource.CreateCommand($"""
            insert into {S}.verification_checkpoint (id, position, ledger_head, verified_at) values (1, $1, $2, clock_timestamp())
            on conflict (id) do update set position = excluded.position, ledger_head = excluded.ledger_head, verified_at = excluded.verified_at
            where verification_checkpoint.position < excluded.position
            """);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = ledgerHead });
        await cmd.ExecuteNonQueryAsync(ct);
        return await ReadCheckpointAsync(ct);
    }

    public async Task<IncrementalVerification> VerifyAsync(CancellationToken ct)
    {
        var checkpoint = await ReadCheckpointAsync(ct);
        var after = checkpoint?.Position ?? 0;
        var chain = checkpoint is null ? [] : Convert.FromHexString(checkpoint.LedgerHead);
        var range = await check.CheckAsync(after, chain, Math.Max(1, options.MaxEventsPerCall), ct);
        if (range.Ok && range.UpTo > after) checkpoint = await AdvanceAsync(range.UpTo, range.Chain, ct);
        await using var remaining = store.DataSource.CreateCommand($"select count(*) from {S}.event_hashes where position > $1");
        remaining.Parameters.Add(new NpgsqlParameter<long> { TypedValue = range.UpTo });
        var left = (long)(await remaining.ExecuteScalarAsync(ct))!;
        return new IncrementalVerification(range.Ok, range.EventsChecked, range.FirstBrokenPosition, range.Problem,
            range.Chain.Length == 0 ? null : Convert.ToHexStringLower(range.Chain), after, range.UpTo, left, checkpoint);
    }
}
