using FactDesk.Api.Http;
using FactDesk.TransparencyLog;
using Npgsql;

namespace FactDesk.Api.Audit.ProvingConsistency;

/// <summary>An RFC 9162 consistency proof between two tree sizes, each hash base64.</summary>
public sealed record ConsistencyProof(long From, long To, IReadOnlyList<string> Hashes);

/// <summary>
/// <c>GET /api/audit/proofs/consistency?from=N&amp;to=M</c>: the hashes that show the tree of the first N leaves is a
/// prefix of the tree of the first M (RFC 9162, 2.1.4), so a pinned checkpoint holds the log to its past.
/// </summary>
public sealed class ProveConsistencyEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit/proofs/consistency", (HttpContext http, NpgsqlDataSource db, MerkleLog log) => Reads.Guard(http, async () =>
            {
                var check = new Validation();
                var from = TransparencyLogQuery.Number(http.Request, check, "from", 1, required: true);
                var to = TransparencyLogQuery.Number(http.Request, check, "to", 1, required: true);
                if (!check.IsValid) throw Problems.Fail(Problems.Validation(check.Errors));
                await using var connection = await db.OpenConnectionAsync(http.RequestAborted);
                var size = await log.SizeAsync(connection, http.RequestAborted);
                if (from > to) check.Add("from", $"from ({from}) must not be greater than to ({to}).");
                if (to > size) check.Add("to", $"The log has never had {to} leaves: it has {size}.");
                if (!check.IsValid) throw Problems.Fail(Problems.Validation(check.Errors));
                var hashes = await log.ConsistencyProofAsync(connection, from!.Value, to!.Value, http.RequestAborted);
                return Reads.Json(new ConsistencyProof(from.Value, to.Value, hashes.Select(TransparencyLogQuery.Base64).ToList()));
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("ProveConsistency").WithTags("Audit")
            .WithDescription("{ from, to, hashes }: the RFC 9162 consistency proof that the tree of the first `from` leaves is a prefix of the tree " +
                             "of the first `to` (base64 hashes; empty when from = to). 400 for from > to, 0, or a size the log never had.")
            .WithQuery(
                new QueryParameter("from", "The older tree size (a pinned checkpoint's), at least 1.") { Type = "integer", Format = "int64", Minimum = 1 },
                new QueryParameter("to", "The newer tree size, at most the log's size.") { Type = "integer", Format = "int64", Minimum = 1 })
            .Produces<ConsistencyProof>().ProducesValidationProblem().ProducesProblem(401);
}
