using Npgsql;

namespace FactDesk.TamperEvidence;

/// <summary>What one bounded check of the log found: the positions it covered, the ledger's chain at its end, the first break.</summary>
public sealed record RangeCheck(long After, long UpTo, long EventsChecked, byte[] Chain, long? FirstBrokenPosition, string? Problem)
{
    public bool Ok => FirstBrokenPosition is null;
}

/// <summary>
/// Checks the hash chains over one range of the log, (after, upTo], trusting what was verified before it: each event
/// is recomputed over its stream's previous stored hash, the ledger chain is carried on from the hash it had at
/// <c>after</c>, and the stream heads of streams that end inside the range must match their last event. An edit,
/// deletion, insertion or reordering inside the range is found; one before it is left to a full re-verification.
/// Reads one snapshot, only up to the ledger's end (every position there is committed for good).
/// </summary>
public sealed class ChainRangeCheck(TamperEvidentLog store)
{
    /// <summary>Checks at most <paramref name="maxEvents"/> ledger positions after <paramref name="after"/>, whose chain hash was <paramref name="chainAtAfter"/>.</summary>
    public async Task<RangeCheck> CheckAsync(long after, byte[] chainAtAfter, int maxEvents, CancellationToken ct, long? notBeyond = null)
    {
        var s = store.Schema;
        long? firstBroken = null;
        string? problem = null;
        void Broken(long position, string why)
        {
            if (firstBroken is null || position < firstBroken) (firstBroken, problem) = (position, why);
        }

        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var readOnly = new NpgsqlCommand("set transaction read only", connection)) await readOnly.ExecuteNonQueryAsync(ct);

        // The range ends at the maxEvents-th ledger position after the start (never past the ledger's end, or the bound).
        long upTo;
        await using (var cmd = new NpgsqlCommand($"""
            select coalesce(max(position), $1) from (
                select position from {s}.ledger where position > $1 and ($3::bigint is null or position <= $3) order by position limit $2) x
            """, connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxEvents });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)notBeyond ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
            upTo = (long)(await cmd.ExecuteScalarAsync(ct))!;
        }

        // The ledger row the range starts from must still hold the chain hash verified before.
        if (after > 0)
            await using (var cmd = new NpgsqlCommand($"select chain_hash from {s}.ledger where position = $1", connection))
            {
                cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
                if (await cmd.ExecuteScalarAsync(ct) is not byte[] stored || !stored.AsSpan().SequenceEqual(chainAtAfter))
                    Broken(after, $"the ledger at position {after} no longer holds the chain hash verified there");
            }
        if (upTo <= after) return new RangeCheck(after, after, 0, chainAtAfter, firstBroken, problem);

        // Every event in the range, recomputed over the stored hash of its stream's previous event (verified earlier or here).
        var storedHashes = new Dictionary<long, byte[]>();
        var streams = new HashSet<Guid>();
        await using (var cmd = new NpgsqlCommand($"""
            select e.seq_id, e.stream_id, e.version, e.id, e.type, e.data::text, e.correlation_id, e.causation_id, e.headers::text,
                   e.timestamp, coalesce(h.hash, '\x'::bytea),
                   (select ph.hash from {s}.mt_events pe join {s}.event_hashes ph on ph.position = pe.seq_id
                    where pe.stream_id = e.stream_id and pe.version = e.version - 1)
            from {s}.mt_events e left join {s}.event_hashes h on h.position = e.seq_id
            where e.seq_id > $1 and e.seq_id <= $2
            order by e.seq_id
            """, connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var position = reader.GetInt64(0);
                var streamId = reader.GetGuid(1);
                var version = reader.GetInt64(2);
                var stored = reader.GetFieldValue<byte[]>(10);
                byte[]? previous = version == 1 ? [] : reader.IsDBNull(11) ? null : reader.GetFieldValue<byte[]>(11);
                string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
                if (previous is null) Broken(position, $"stream {streamId} has no event before version {version}");
                else
                {
                    var computed = EventHash.Compute(previous, streamId, version, reader.GetGuid(3), reader.GetString(4),
                        reader.GetString(5), Text(6), Text(7), Text(8), reader.GetFieldValue<DateTimeOffset>(9));
                    if (!computed.AsSpan().SequenceEqual(stored)) Broken(position, $"event at position {position} does not match its hash");
                }
                storedHashes[position] = stored;
                streams.Add(streamId);
            }
        }

        // The ledger over the range: the chain recomputes, and each chained position still holds the same event.
        var chain = chainAtAfter;
        var ledgerPositions = new HashSet<long>();
        var missing = new List<long>();
        await using (var cmd = new NpgsqlCommand($"select position, event_hash, chain_hash from {s}.ledger where position > $1 and position <= $2 order by position", connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
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
                ledgerPositions.Add(position);
            }
        }
        foreach (var position in storedHashes.Keys.Where(p => !ledgerPositions.Contains(p)))
            Broken(position, $"event at position {position} is not in the ledger");

        // Heads of the streams whose last event lies in the range: a deleted tail leaves the head ahead of it.
        await using (var cmd = new NpgsqlCommand($"""
            select s.stream_id, s.version, s.head_hash, last.seq_id, last.version, lh.hash
            from {s}.stream_heads s
            left join lateral (select e.seq_id, e.version from {s}.mt_events e where e.stream_id = s.stream_id order by e.version desc limit 1) last on true
            left join {s}.event_hashes lh on lh.position = last.seq_id
            where s.stream_id = any($1) and coalesce(last.seq_id, 0) <= $2
            """, connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = streams.ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var lastPosition = reader.IsDBNull(3) ? 0 : reader.GetInt64(3);
                var lastVersion = reader.IsDBNull(4) ? 0 : reader.GetInt64(4);
                var headMatches = !reader.IsDBNull(5) && reader.GetFieldValue<byte[]>(5).AsSpan().SequenceEqual(reader.GetFieldValue<byte[]>(2));
                // The ledger names a deleted tail event's exact position; without it, the next position is the best guess.
                if ((lastVersion != reader.GetInt64(1) || !headMatches) && !missing.Any(m => m > lastPosition))
                    Broken(lastPosition + 1, $"stream {reader.GetGuid(0)} ends before its recorded head (version {reader.GetInt64(1)})");
            }
        }
        return new RangeCheck(after, upTo, storedHashes.Count, chain, firstBroken, problem);
    }
}
