using System.Text.Json;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TransparencyLog;
using Npgsql;

namespace FactDesk.Api.Audit.GettingEntries;

/// <summary>A leaf's event as decoded from its entry bytes: exactly what the leaf hash covers.</summary>
public sealed record EntryEvent(Guid StreamId, long Version, Guid EventId, string Type, JsonElement Data, JsonElement Metadata, DateTimeOffset RecordedAt);

/// <summary>One leaf of the transparency log: its entry bytes (base64; the leaf hash is SHA-256(0x00 || entry)) and the event they encode.</summary>
public sealed record LogEntryAnswer(long LeafIndex, long Position, string Entry, EntryEvent Event);

/// <summary>Where a stream's events sit in the transparency log.</summary>
public sealed record StreamLeaf(long LeafIndex, long Position, long Version);

public sealed record StreamLeaves(Guid StreamId, IReadOnlyList<StreamLeaf> Items);

/// <summary>
/// <c>GET /api/audit/entries/{leafIndex}</c>: the entry of a leaf, made afresh from the event's row as stored now, so
/// an auditor who hashes it and checks its inclusion proof against a signed checkpoint checks the row itself.
/// <c>GET /api/audit/entries?stream=</c>: the leaves of one stream's events (a claim's, say), to check them all.
/// </summary>
public sealed class GetLogEntryEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit/entries/{leafIndex}", (string leafIndex, HttpContext http, NpgsqlDataSource db, MerkleLog log) => Reads.Guard(http, async () =>
            {
                if (!long.TryParse(leafIndex, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
                    throw Problems.Fail(Problems.Validation("leafIndex", "leafIndex must be a whole number of at least 0."));
                await using var connection = await db.OpenConnectionAsync(http.RequestAborted);
                var leaf = await log.LeafAsync(connection, index, http.RequestAborted)
                    ?? throw Problems.Fail(Problems.Make(404, "not-found", "No such leaf.",
                        $"The transparency log has {await log.SizeAsync(connection, http.RequestAborted)} leaves; leaf indexes start at 0."));
                var rows = await LogEntry.ReadAsync(connection, StoreSetup.Schema, [leaf.Position], http.RequestAborted);
                if (rows.Count == 0)
                    throw Problems.Fail(Problems.Make(404, "entry-missing", "The leaf's event is gone.",
                        $"Leaf {index} was made from the event at position {leaf.Position}, which is no longer in the log."));
                var entry = LogEntry.Encode(rows[0]);
                var decoded = LogEntry.Decode(entry);
                return Reads.Json(new LogEntryAnswer(index, leaf.Position, Convert.ToBase64String(entry), new EntryEvent(
                    decoded.StreamId, decoded.Version, decoded.EventId, decoded.Type,
                    JsonSerializer.SerializeToElement(decoded.Data), JsonSerializer.SerializeToElement(decoded.Metadata), decoded.RecordedAt)));
            }))
            // Editors, senior editors and auditors: an entry is whole (its hash must check), so a subscription's event shows
            // its target URL, which tools may not read elsewhere, and its secret's HMAC fingerprint (useless without the database's key).
            .RequireAuthorization(Roles.May.Oversee)
            .WithName("GetLogEntry").WithTags("Audit")
            .WithDescription("{ leafIndex, position, entry, event }: leaf leafIndex (from 0, dense, in global order) of the transparency log. " +
                             "entry is the base64 of the bytes the leaf hash covers (SHA-256(0x00 || entry); format in docs/transparency-log.md), " +
                             "made from the event's row as stored now; event is those bytes decoded. 404 past the end of the tree. " +
                             "Not for tools: entries are never redacted.")
            .Produces<LogEntryAnswer>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(404);

        app.MapGet("/api/audit/entries", (HttpContext http, NpgsqlDataSource db) => Reads.Guard(http, async () =>
            {
                if (!http.Request.Query.TryGetValue("stream", out var given) || given.Count != 1 || !Guid.TryParse(given[0], out var streamId))
                    throw Problems.Fail(Problems.Validation("stream", "stream is required: the UUID of a claim, discrepancy or other stream."));
                await using var cmd = db.CreateCommand($"""
                    select l.leaf_index, l.position, e.version from {StoreSetup.Schema}.transparency_leaves l
                    join {StoreSetup.Schema}.mt_events e on e.seq_id = l.position
                    where e.stream_id = $1 order by l.leaf_index
                    """);
                cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId });
                var items = new List<StreamLeaf>();
                await using (var reader = await cmd.ExecuteReaderAsync(http.RequestAborted))
                    while (await reader.ReadAsync(http.RequestAborted))
                        items.Add(new StreamLeaf(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
                return Reads.Json(new StreamLeaves(streamId, items));
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("ListStreamLeaves").WithTags("Audit")
            .WithDescription("{ streamId, items: [{ leafIndex, position, version }] }: the transparency log's leaves made from one stream's " +
                             "events (e.g. a claim's), oldest first, as far as the tree has grown. An auditor checks each one's inclusion.")
            .WithQuery(new QueryParameter("stream", "The stream's id: a claim, discrepancy, document or subscription.") { Format = "uuid" })
            .Produces<StreamLeaves>().ProducesValidationProblem().ProducesProblem(401);
    }
}
