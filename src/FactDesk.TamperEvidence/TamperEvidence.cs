using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace FactDesk.TamperEvidence;

/// <summary>
/// The hash of one stored event, chained to the previous event of its stream; the twin of <c>event_hash</c> in SQL,
/// over the <c>mt_events</c> row as stored (jsonb columns as PostgreSQL prints them).
/// </summary>
public static class EventHash
{
    public static byte[] Compute(byte[] previous, Guid streamId, long version, Guid eventId, string type, string dataJson,
        string? correlationId, string? causationId, string? headersJson, DateTimeOffset recordedAt)
    {
        var micros = (recordedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        var text = string.Join('\n', streamId.ToString(), version.ToString(), eventId.ToString(), type, dataJson,
            correlationId ?? "", causationId ?? "", headersJson ?? "", micros.ToString());
        return SHA256.HashData([.. previous, .. Encoding.UTF8.GetBytes(text)]);
    }

    public static byte[] Chain(byte[] previousChain, long position, byte[] eventHash) =>
        SHA256.HashData([.. previousChain, .. BitConverter.GetBytes(position), .. eventHash]);
}

/// <summary>
/// Async projection that chains every event's hash in global order into the ledger. With the per-stream chains it lets
/// verification find an edited, deleted, inserted or reordered event anywhere, the tail of a stream included.
/// Idempotent: positions the ledger has already chained are skipped.
/// </summary>
public sealed class LedgerProjection : IProjection
{
    public const string ProjectionName = "ledger";
    public string Name => ProjectionName;
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Async;
    public IReadOnlyList<string> Tables { get; } = ["ledger"];
    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = [];

    public required string Schema { get; init; }

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        byte[] chain = [];
        long chained = 0;
        await using (var last = new NpgsqlCommand($"select position, chain_hash from {Schema}.ledger order by position desc limit 1", connection))
        await using (var reader = await last.ExecuteReaderAsync(ct))
            if (await reader.ReadAsync(ct)) (chained, chain) = (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
        // Events at or before the ledger's end are chained already: a range handed over again (an operator removed the
        // projection's progress) adds nothing instead of failing on the primary key, event by event.
        var fresh = events.Where(e => e.Position > chained).ToList();
        if (fresh.Count == 0) return;
        var positions = new long[fresh.Count];
        var hashes = new byte[fresh.Count][];
        var chains = new byte[fresh.Count][];
        for (var i = 0; i < fresh.Count; i++)
        {
            chain = EventHash.Chain(chain, fresh[i].Position, fresh[i].Hash);
            (positions[i], hashes[i], chains[i]) = (fresh[i].Position, fresh[i].Hash, chain);
        }
        await using var insert = new NpgsqlCommand($"insert into {Schema}.ledger (position, event_hash, chain_hash) select * from unnest($1, $2, $3)", connection);
        insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = positions });
        insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = hashes });
        insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = chains });
        await insert.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>The answer of a verification: whether the log is intact, how many events were checked, and the first position found broken.</summary>
public sealed record VerificationResult(bool Ok, long EventsChecked, long? FirstBrokenPosition, string? Problem, string? LedgerHead);

/// <summary>
/// Verifies the whole log: every event the ledger has chained, recomputed over its stream's previous hash, the ledger's
/// chain from its first position, and the heads of the streams. It walks the log with <see cref="ChainRangeCheck"/> a
/// range at a time (memory stays bounded), carrying the ledger's chain from each range into the next, and stops at the
/// first break. Events appended after the ledger's end (it follows appends within moments) wait for the next check.
/// </summary>
public sealed class LogVerifier(TamperEvidentLog store, int eventsPerRange = 50_000)
{
    private readonly ChainRangeCheck _check = new(store);

    public async Task<VerificationResult> VerifyAsync(CancellationToken ct = default)
    {
        long after = 0, checkedCount = 0;
        byte[] chain = [];
        // The ledger's end when the walk starts: appends during a long walk are left to the next one.
        await using (var end = store.DataSource.CreateCommand($"select coalesce(max(position), 0) from {store.Schema}.ledger"))
        {
            var upTo = (long)(await end.ExecuteScalarAsync(ct))!;
            while (true)
            {
                var range = await _check.CheckAsync(after, chain, eventsPerRange, ct, notBeyond: upTo);
                checkedCount += range.EventsChecked;
                if (!range.Ok) return new VerificationResult(false, checkedCount, range.FirstBrokenPosition, range.Problem, null);
                if (range.UpTo <= after) break;
                (after, chain) = (range.UpTo, range.Chain);
            }
        }
        return new VerificationResult(true, checkedCount, null, null, chain.Length == 0 ? null : Convert.ToHexStringLower(chain));
    }
}
