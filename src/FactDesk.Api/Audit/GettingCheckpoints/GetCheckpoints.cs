using FactDesk.Api.Audit.SigningCheckpoints;
using FactDesk.Api.Http;
using FactDesk.TransparencyLog;
using Npgsql;

namespace FactDesk.Api.Audit.GettingCheckpoints;

/// <summary>A signed checkpoint: its tree size, root hash (base64), when it was signed, and the signed note itself.</summary>
public sealed record CheckpointItem(long TreeSize, string RootHash, DateTimeOffset SignedAt, string Checkpoint);

/// <summary>A page of checkpoints, smallest tree first; pass <c>nextFrom</c> as <c>from</c> for the next page (null: none follows).</summary>
public sealed record CheckpointPage(IReadOnlyList<CheckpointItem> Items, long? NextFrom);

/// <summary>
/// The transparency log's signed checkpoints (C2SP tlog-checkpoint notes) and the key that verifies them. The key and
/// the notes are public by nature (auditors and subscribers keep copies); they are served, like every audit route,
/// to any signed-in principal.
/// </summary>
public sealed class GetCheckpointsEndpoint : IEndpoint
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    private const string Text = "text/plain; charset=utf-8";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit/checkpoint", (HttpContext http, NpgsqlDataSource db, MerkleLog log) => Reads.Guard(http, async () =>
            {
                await using var connection = await db.OpenConnectionAsync(http.RequestAborted);
                var latest = await log.LatestCheckpointAsync(connection, http.RequestAborted)
                    ?? throw Problems.Fail(Problems.Make(404, "no-checkpoint", "No checkpoint has been signed yet.",
                        "The first checkpoint is signed as soon as the log holds an event; try again shortly."));
                return Results.Text(latest.Note, Text);
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("GetLatestCheckpoint").WithTags("Audit")
            .WithDescription("The latest signed checkpoint of the transparency log, as text: a C2SP signed note with the origin, tree size and " +
                             "base64 root hash, a blank line, and the signature line (— <key name> <base64 of key hash and Ed25519 signature>). " +
                             "Verify it with GET /api/audit/public-key. 404 before the first one.")
            .Produces<string>(200, "text/plain").ProducesProblem(401).ProducesProblem(404);

        app.MapGet("/api/audit/checkpoints", (HttpContext http, NpgsqlDataSource db, MerkleLog log) => Reads.Guard(http, async () =>
            {
                var check = new Validation();
                var from = TransparencyLogQuery.Number(http.Request, check, "from", 0, required: false) ?? 0;
                var limit = TransparencyLogQuery.Number(http.Request, check, "limit", 1, required: false) ?? DefaultLimit;
                if (limit > MaxLimit) check.Add("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
                if (!check.IsValid) throw Problems.Fail(Problems.Validation(check.Errors));
                await using var connection = await db.OpenConnectionAsync(http.RequestAborted);
                var found = await log.CheckpointsAsync(connection, from, (int)limit + 1, ct: http.RequestAborted);
                var items = found.Take((int)limit)
                    .Select(c => new CheckpointItem(c.TreeSize, Convert.ToBase64String(c.RootHash), c.SignedAt, c.Note)).ToList();
                return Reads.Json(new CheckpointPage(items, found.Count > limit ? items[^1].TreeSize + 1 : null));
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("ListCheckpoints").WithTags("Audit")
            .WithDescription("{ items: [{ treeSize, rootHash, signedAt, checkpoint }], nextFrom }: every signed checkpoint whose tree size is at " +
                             "least `from`, smallest first, `limit` (1-1000, default 100) a page; nextFrom reads the next page and is null at the end.")
            .WithQuery(
                new QueryParameter("from", "Only checkpoints of at least this tree size.") { Type = "integer", Format = "int64", Minimum = 0, Default = "0" },
                QueryParameter.Limit(DefaultLimit, MaxLimit))
            .Produces<CheckpointPage>().ProducesValidationProblem().ProducesProblem(401);

        app.MapGet("/api/audit/public-key", (CheckpointSigner signer) => Results.Text(signer.VerifierKey + "\n", Text))
            .RequireAuthorization(Roles.May.Read)
            .WithName("GetLogPublicKey").WithTags("Audit")
            .WithDescription("The key that verifies checkpoints, in the note verifier format <name>+<8 hex key hash>+<base64 of 0x01 and the " +
                             "Ed25519 public key>, as golang.org/x/mod/sumdb/note reads it. Pin it from a source other than this service too.")
            .Produces<string>(200, "text/plain").ProducesProblem(401);
    }
}
