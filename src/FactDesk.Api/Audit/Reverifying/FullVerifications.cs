using FactDesk.Api.Audit.Verifying;
using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Audit.Reverifying;

/// <summary>A full re-verification as an auditor reads it: who asked, how far it got, and what it found.</summary>
public sealed record FullVerificationRun(Guid Id, string Status, string RequestedBy, DateTimeOffset RequestedAt, DateTimeOffset? FinishedAt,
    long EventsTotal, long EventsChecked, double Progress, FullVerificationResult? Result);

/// <summary>What a finished run found: the contract's verification answer over the whole log up to <c>verifiedTo</c>.</summary>
public sealed record FullVerificationResult(bool Ok, long EventsChecked, long? FirstBrokenPosition, string? Problem, string? LedgerHead, long VerifiedTo);

/// <summary>The answer to a request for a full re-verification: the run and where to follow it.</summary>
public sealed record FullVerificationAccepted(Guid Id, string RequestedBy, DateTimeOffset RequestedAt, string StatusUrl);

/// <summary>
/// Full re-verifications, recorded in <c>verification_runs</c> so every instance sees them and the rate limit holds
/// across instances: one running at a time, at most one started per <see cref="AuditVerificationOptions.FullVerificationInterval"/>.
/// A run checks the whole log from the first position in bounded steps (recording its progress after each) and, when
/// intact, moves the incremental checkpoint to where it ended. A run whose instance died stops counting as running
/// once its progress is two minutes old.
/// </summary>
public sealed class FullVerifications(TamperEvidentLog store, ChainRangeCheck check, IncrementalVerifier incremental,
    AuditVerificationOptions options, IHostApplicationLifetime lifetime, ILogger<FullVerifications> log)
{
    private const string S = StoreSetup.Schema;
    private static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(2);

    public static Weasel.Core.ISchemaObject Table()
    {
        var runs = SchemaTables.For(S, "verification_runs");
        runs.AddColumn("id", "uuid").AsPrimaryKey();
        runs.AddColumn("requested_by", "text").NotNull();
        runs.AddColumn("idempotency_key", "text");
        runs.AddColumn("requested_at", "timestamptz").NotNull();
        runs.AddColumn("status", "text").NotNull();
        runs.AddColumn("up_to", "bigint").NotNull();
        runs.AddColumn("events_total", "bigint").NotNull();
        runs.AddColumn("events_checked", "bigint").NotNull().DefaultValueByExpression("0");
        runs.AddColumn("updated_at", "timestamptz").NotNull();
        runs.AddColumn("finished_at", "timestamptz");
        runs.AddColumn("ok", "boolean");
        runs.AddColumn("first_broken_position", "bigint");
        runs.AddColumn("problem", "text");
        runs.AddColumn("ledger_head", "text");
        return runs.Check("status", "status = ANY (ARRAY['running'::text, 'done'::text, 'failed'::text, 'abandoned'::text])")
            .Unique("requested_by", "idempotency_key");
    }

    /// <summary>The outcome of a request: a new run (started), the run an Idempotency-Key already started, or a wait.</summary>
    public sealed record Request(FullVerificationAccepted? Accepted, bool Replayed, TimeSpan? RetryAfter);

    public async Task<Request> RequestAsync(string requestedBy, string? idempotencyKey, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // One decision at a time over all instances.
        await using (var cmd = new NpgsqlCommand("select pg_advisory_xact_lock(hashtext('factdesk.full-verification'))", connection))
            await cmd.ExecuteNonQueryAsync(ct);
        if (idempotencyKey is not null)
            await using (var cmd = new NpgsqlCommand($"select id, requested_at from {S}.verification_runs where requested_by = $1 and idempotency_key = $2", connection))
            {
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = requestedBy });
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = idempotencyKey });
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                if (await reader.ReadAsync(ct))
                    return new Request(Accepted(reader.GetGuid(0), requestedBy, reader.GetFieldValue<DateTimeOffset>(1)), Replayed: true, null);
            }
        await using (var cmd = new NpgsqlCommand($"update {S}.verification_runs set status = 'abandoned', finished_at = clock_timestamp() where status = 'running' and updated_at < clock_timestamp() - $1", connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = Abandoned });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await using (var cmd = new NpgsqlCommand($"""
            select greatest(
                       extract(epoch from max(requested_at) + $1 - clock_timestamp()),
                       case when bool_or(status = 'running') then 30 else 0 end)
            from {S}.verification_runs
            where status = 'running' or requested_at > clock_timestamp() - $1
            having count(*) > 0
            """, connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = options.FullVerificationInterval });
            if (await cmd.ExecuteScalarAsync(ct) is decimal seconds)
                return new Request(null, false, TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((double)seconds))));
        }

        var id = Guid.CreateVersion7();
        long upTo, total;
        await using (var cmd = new NpgsqlCommand($"select coalesce(max(position), 0), count(*) from {S}.ledger", connection))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            (upTo, total) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        DateTimeOffset requestedAt;
        await using (var cmd = new NpgsqlCommand($"""
            insert into {S}.verification_runs (id, requested_by, idempotency_key, requested_at, status, up_to, events_total, updated_at)
            values ($1, $2, $3, clock_timestamp(), 'running', $4, $5, clock_timestamp()) returning requested_at
            """, connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = requestedBy });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)idempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = total });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            requestedAt = reader.GetFieldValue<DateTimeOffset>(0);
        }
        await tx.CommitAsync(ct);
        _ = Task.Run(() => RunAsync(id, upTo, lifetime.ApplicationStopping));
        return new Request(Accepted(id, requestedBy, requestedAt), Replayed: false, null);
    }

    public TimeSpan Interval => options.FullVerificationInterval;

    public static string StatusUrl(Guid id) => $"/api/audit/verification/full/{id}";

    private static FullVerificationAccepted Accepted(Guid id, string requestedBy, DateTimeOffset requestedAt) =>
        new(id, requestedBy, requestedAt.ToUniversalTime(), StatusUrl(id));

    private async Task RunAsync(Guid id, long upTo, CancellationToken stopping)
    {
        try
        {
            var after = 0L;
            byte[] chain = [];
            long checkedCount = 0;
            RangeCheck? range = null;
            while (after < upTo && !stopping.IsCancellationRequested)
            {
                range = await check.CheckAsync(after, chain, Math.Max(1, options.FullVerificationBatch), stopping, notBeyond: upTo);
                checkedCount += range.EventsChecked;
                if (!range.Ok || range.UpTo <= after) break;
                (after, chain) = (range.UpTo, range.Chain);
                await UpdateAsync(id, "running", checkedCount, null, stopping);
            }
            if (stopping.IsCancellationRequested) return; // left 'running': it is abandoned after two minutes
            var ok = range?.Ok ?? true;
            var head = chain.Length == 0 ? null : Convert.ToHexStringLower(chain);
            await UpdateAsync(id, "done", checkedCount, new FullVerificationResult(ok, checkedCount, range?.FirstBrokenPosition, range?.Problem,
                ok ? head : null, ok ? after : range!.After), stopping);
            if (ok && after > 0) await incremental.AdvanceAsync(after, chain, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
        catch (Exception e)
        {
            log.LogWarning("Full re-verification {Run} failed: {Message}", id, e.Message);
            try { await UpdateAsync(id, "failed", null, new FullVerificationResult(false, 0, null, "The verification could not finish: " + e.Message, null, 0), CancellationToken.None); }
            catch (Exception again) { log.LogWarning("Could not record the failure of {Run}: {Message}", id, again.Message); }
        }
    }

    private async Task UpdateAsync(Guid id, string status, long? checkedCount, FullVerificationResult? result, CancellationToken ct)
    {
        await using var cmd = store.DataSource.CreateCommand($"""
            update {S}.verification_runs
            set status = $2, events_checked = coalesce($3, events_checked), updated_at = clock_timestamp(),
                finished_at = case when $2 = 'running' then null else clock_timestamp() end,
                ok = $4, first_broken_position = $5, problem = $6, ledger_head = $7
            where id = $1
            """);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)checkedCount ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)result?.Ok ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)result?.FirstBrokenPosition ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)result?.Problem ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)result?.LedgerHead ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<FullVerificationRun?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var cmd = store.DataSource.CreateCommand($"""
            select id, status, requested_by, requested_at, finished_at, events_total, events_checked, ok, first_broken_position, problem, ledger_head, up_to
            from {S}.verification_runs where id = $1
            """);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var total = reader.GetInt64(5);
        var done = reader.GetInt64(6);
        var status = reader.GetString(1);
        var result = reader.IsDBNull(7) ? null : new FullVerificationResult(reader.GetBoolean(7), done,
            reader.IsDBNull(8) ? null : reader.GetInt64(8), reader.IsDBNull(9) ? null : reader.GetString(9),
            reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetInt64(11));
        return new FullVerificationRun(reader.GetGuid(0), status, reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3).ToUniversalTime(),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4).ToUniversalTime(), total, done,
            status == "done" ? 1 : total == 0 ? 0 : Math.Min(1, (double)done / total), result);
    }
}
