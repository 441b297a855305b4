using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace FactDesk.TransparencyLog;

/// <summary>One row of Marten's <c>mt_events</c> as stored: what a leaf of the tree is made from.</summary>
public sealed record StoredEvent(
    long Position, Guid StreamId, long Version, Guid EventId, string Type, string DataJson,
    string? CorrelationId, string? CausationId, string? HeadersJson, DateTimeOffset Timestamp);

/// <summary>An entry decoded back into its fields: what <c>GET /api/audit/entries/{leafIndex}</c> shows beside the bytes.</summary>
public sealed record DecodedEntry(Guid StreamId, long Version, Guid EventId, string Type, JsonNode? Data, JsonNode? Metadata, DateTimeOffset RecordedAt);

/// <summary>
/// The bytes of a leaf (docs/transparency-log.md): eight fields, each a 4-byte big-endian length and that many bytes
/// of UTF-8, in this order: the format tag <c>factdesk-event/v1</c>, the stream id, the version (decimal), the event
/// id, the type, the data as canonical JSON, the metadata as canonical JSON (<c>{"causationId","correlationId","headers"}</c>)
/// and the time as decimal microseconds since 1970-01-01T00:00:00Z. Lengths make the split unambiguous; ids are
/// lowercase with hyphens; canonical JSON makes the bytes independent of how a client orders or spaces its JSON.
/// </summary>
public static class LogEntry
{
    public const string Format = "factdesk-event/v1";

    public static byte[] Encode(StoredEvent e)
    {
        // {"causationId","correlationId","headers"}, written canonical as it is built (its keys are in canonical order)
        // rather than built as a JSON object, printed and parsed again: every event of a rebuild is encoded.
        var metadata = new StringBuilder("{\"causationId\":");
        CanonicalJson.WriteStringOrNull(e.CausationId, metadata);
        metadata.Append(",\"correlationId\":");
        CanonicalJson.WriteStringOrNull(e.CorrelationId, metadata);
        metadata.Append(",\"headers\":");
        if (e.HeadersJson is null) metadata.Append("null");
        else CanonicalJson.Write(e.HeadersJson, metadata);
        metadata.Append('}');
        var fields = new[]
        {
            Encoding.UTF8.GetBytes(Format),
            Encoding.UTF8.GetBytes(e.StreamId.ToString("D")),
            Encoding.UTF8.GetBytes(e.Version.ToString(CultureInfo.InvariantCulture)),
            Encoding.UTF8.GetBytes(e.EventId.ToString("D")),
            Encoding.UTF8.GetBytes(e.Type),
            CanonicalJson.Encode(e.DataJson),
            Encoding.UTF8.GetBytes(metadata.ToString()),
            Encoding.UTF8.GetBytes(MicrosecondsSinceEpoch(e.Timestamp).ToString(CultureInfo.InvariantCulture)),
        };
        var bytes = new byte[fields.Sum(f => 4 + f.Length)];
        var at = 0;
        foreach (var field in fields)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), (uint)field.Length);
            field.CopyTo(bytes, at + 4);
            at += 4 + field.Length;
        }
        return bytes;
    }

    public static DecodedEntry Decode(ReadOnlySpan<byte> entry)
    {
        var fields = new List<string>(8);
        while (entry.Length > 0)
        {
            if (entry.Length < 4) throw new FormatException("An entry field is cut short.");
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(entry);
            if (length < 0 || entry.Length < 4 + length) throw new FormatException("An entry field is longer than the entry.");
            fields.Add(Encoding.UTF8.GetString(entry.Slice(4, length)));
            entry = entry[(4 + length)..];
        }
        if (fields.Count != 8 || fields[0] != Format) throw new FormatException($"Not a {Format} entry.");
        return new DecodedEntry(Guid.Parse(fields[1]), long.Parse(fields[2], CultureInfo.InvariantCulture), Guid.Parse(fields[3]), fields[4],
            JsonNode.Parse(fields[5]), JsonNode.Parse(fields[6]),
            DateTimeOffset.UnixEpoch.AddTicks(long.Parse(fields[7], CultureInfo.InvariantCulture) * 10));
    }

    public static long MicrosecondsSinceEpoch(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>The rows at these positions, in global order, read as PostgreSQL returns them (jsonb as text).</summary>
    public static async Task<List<StoredEvent>> ReadAsync(NpgsqlConnection connection, string schema, long[] positions, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"{RowsSql(schema)} where seq_id = any($1) order by seq_id", connection);
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = positions });
        return await ReadRowsAsync(cmd, positions.Length, ct);
    }

    /// <summary>The rows after one position up to another (inclusive), in global order, as <see cref="ReadAsync"/> reads them.</summary>
    public static async Task<List<StoredEvent>> ReadRangeAsync(NpgsqlConnection connection, string schema, long after, long upTo, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"{RowsSql(schema)} where seq_id > $1 and seq_id <= $2 order by seq_id", connection);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        return await ReadRowsAsync(cmd, (int)Math.Clamp(upTo - after, 0, 10_000), ct);
    }

    private static string RowsSql(string schema) =>
        $"select seq_id, stream_id, version, id, type, data::text, correlation_id, causation_id, headers::text, timestamp from {schema}.mt_events";

    private static async Task<List<StoredEvent>> ReadRowsAsync(NpgsqlCommand cmd, int expected, CancellationToken ct)
    {
        var rows = new List<StoredEvent>(expected);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        while (await reader.ReadAsync(ct))
            rows.Add(new StoredEvent(reader.GetInt64(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetGuid(3), reader.GetString(4),
                reader.GetString(5), Text(6), Text(7), Text(8), reader.GetFieldValue<DateTimeOffset>(9)));
        return rows;
    }
}
