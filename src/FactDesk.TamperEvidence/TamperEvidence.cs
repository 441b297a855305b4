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
        await using (var last = new NpgsqlCommand($"select chain_hash from {Schema}.ledger order by position desc limit 1", connection))
            if (await last.ExecuteScalarAsync(ct) is byte[] previous) chain = previous;
        var positions = new long[events.Count];
        var hashes = new byte[events.Count][];
        var chains = new byte[events.Count][];
        for (var i = 0; i < events.Count; i++)
        {
            chain = EventHash.Chain(chain, events[i].Position, events[i].Hash);
            (positions[i], hashes[i], chains[i]) = (events[i].Position, events[i].Hash, chain);
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

/// <summary>Recomputes the stream hash chains and the global ledger from the stored events.</summary>
public sealed class LogVerifier(TamperEvidentLog store)
{
    public async Task<VerificationResult> VerifyAsync(CancellationToken ct = default)
    {
        var schema = store.Schema;
        long checkedCount = 0;
        long? firstBroken = null;
        string? problem = null;
        void Broken(long position, string why)
        {
            if (firstBroken is null || position < firstBroken) (firstBroken, problem) = (position, why);
        }

        var storedHashes = new Dictionary<long, byte[]>();
        await using (var connection = await store.DataSource.OpenConnectionAsync(ct))
        {
            // One snapshot for every read below: events committed meanwhile must not look missing from one of them.
            await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            await using (var readOnly = new NpgsqlCommand("set transaction read only", connection)) await readOnly.ExecuteNonQueryAsync(ct);
            // Left join: an event whose hash row was deleted still gets checked (and fails), it does not vanish.
            await using (var cmd = new NpgsqlCommand($"""
                select e.seq_id, e.stream_id, e.version, e.id, e.type, e.data::text, e.correlation_id, e.causation_id, e.headers::text,
                       e.timestamp, coalesce(h.hash, '\x'::bytea)
                from {schema}.mt_events e left join {schema}.event_hashes h on h.position = e.seq_id
                order by e.stream_id, e.version
                """, connection))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                Guid stream = Guid.Empty;
                long expectedVersion = 0;
                byte[] previous = [];
                while (await reader.ReadAsync(ct))
                {
                    var position = reader.GetInt64(0);
                    var streamId = reader.GetGuid(1);
                    var version = reader.GetInt64(2);
                    if (streamId != stream) (stream, expectedVersion, previous) = (streamId, 1, []);
                    var stored = reader.GetFieldValue<byte[]>(10);
                    string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
                    var computed = EventHash.Compute(previous, streamId, version, reader.GetGuid(3), reader.GetString(4),
                        reader.GetString(5), Text(6), Text(7), Text(8), reader.GetFieldValue<DateTimeOffset>(9));
                    if (version != expectedVersion) Broken(position, $"stream {streamId} jumps from version {expectedVersion - 1} to {version}");
                    else if (!computed.AsSpan().SequenceEqual(stored)) Broken(position, $"event at position {position} does not match its hash");
                    storedHashes[position] = stored;
                    previous = stored;
                    expectedVersion = version + 1;
                    checkedCount++;
                }
            }

            var missing = new List<long>();
            // The ledger: every chained position must still hold the same event, and the chain must recompute.
            byte[] chain = [];
            string? head = null;
            long ledgerEnd = 0;
            await using (var cmd = new NpgsqlCommand($"select position, event_hash, chain_hash from {schema}.ledger order by position", connection))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                {
                    var position = reader.GetInt64(0);
                    var eventHash = reader.GetFieldValue<byte[]>(1);
                    chain = EventHash.Chain(chain, position, eventHash);
                    if (!chain.AsSpan().SequenceEqual(reader.GetFieldValue<byte[]>(2))) Broken(position, $"ledger chain breaks at position {position}");
                    if (!storedHashes.TryGetValue(position, out var stored))
                    {
                        missing.Add(position);
                        Broken(position, $"event at position {position} is missing");
                    }
                    else if (!stored.AsSpan().SequenceEqual(eventHash)) Broken(position, $"event at position {position} differs from the ledger");
                    ledgerEnd = position;
                    head = Convert.ToHexStringLower(chain);
                }
            var ledgerPositions = new HashSet<long>();
            await using (var cmd = new NpgsqlCommand($"select position from {schema}.ledger", connection))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) ledgerPositions.Add(reader.GetInt64(0));
            foreach (var position in storedHashes.Keys.Where(p => p <= ledgerEnd && !ledgerPositions.Contains(p)))
                Broken(position, $"event at position {position} is not in the ledger");

            // Stream heads: a deleted tail event leaves the stream row ahead of its last event.
            await using (var cmd = new NpgsqlCommand($"""
                select s.stream_id, s.version, s.head_hash, (select max(e.seq_id) from {schema}.mt_events e where e.stream_id = s.stream_id),
                       (select h.hash from {schema}.mt_events e join {schema}.event_hashes h on h.position = e.seq_id
                        where e.stream_id = s.stream_id order by e.version desc limit 1),
                       (select max(e.version) from {schema}.mt_events e where e.stream_id = s.stream_id)
                from {schema}.stream_heads s
                """, connection))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                {
                    var lastPosition = reader.IsDBNull(3) ? 0 : reader.GetInt64(3);
                    var lastVersion = reader.IsDBNull(5) ? 0 : reader.GetInt64(5);
                    var headMatches = !reader.IsDBNull(4) && reader.GetFieldValue<byte[]>(4).AsSpan().SequenceEqual(reader.GetFieldValue<byte[]>(2));
                    // The ledger names a deleted tail event's exact position; without it, the next position is the best guess.
                    if ((lastVersion != reader.GetInt64(1) || !headMatches) && !missing.Any(m => m > lastPosition))
                        Broken(lastPosition + 1, $"stream {reader.GetGuid(0)} ends before its recorded head (version {reader.GetInt64(1)})");
                }

            return new VerificationResult(firstBroken is null, checkedCount, firstBroken, problem, head);
        }
    }
}
