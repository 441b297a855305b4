using FactDesk.Api.Http;
using FactDesk.TransparencyLog;
using Npgsql;

namespace FactDesk.Api.Audit.ProvingInclusion;

/// <summary>An RFC 9162 inclusion proof (audit path), leaf side first, each hash base64.</summary>
public sealed record InclusionProof(long LeafIndex, long TreeSize, IReadOnlyList<string> Hashes);

/// <summary>
/// <c>GET /api/audit/proofs/inclusion?leafIndex=I&amp;treeSize=N</c>: the hashes that lead from leaf I to the root of
/// the tree of the first N leaves (RFC 9162, 2.1.3), so a checkpoint of size N vouches for the leaf.
/// </summary>
public sealed class ProveInclusionEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit/proofs/inclusion", (HttpContext http, NpgsqlDataSource db, MerkleLog log) => Reads.Guard(http, async () =>
            {
                var check = new Validation();
                var leafIndex = TransparencyLogQuery.Number(http.Request, check, "leafIndex", 0, required: true);
                var treeSize = TransparencyLogQuery.Number(http.Request, check, "treeSize", 1, required: true);
                if (!check.IsValid) throw Problems.Fail(Problems.Validation(check.Errors));
                await using var connection = await db.OpenConnectionAsync(http.RequestAborted);
                var size = await log.SizeAsync(connection, http.RequestAborted);
                if (treeSize > size)
                    check.Add("treeSize", $"The log has never had {treeSize} leaves: it has {size}.");
                else if (leafIndex >= treeSize)
                    check.Add("leafIndex", $"Leaf {leafIndex} is not in a tree of {treeSize} leaves (indexes start at 0).");
                if (!check.IsValid) throw Problems.Fail(Problems.Validation(check.Errors));
                var hashes = await log.InclusionProofAsync(connection, leafIndex!.Value, treeSize!.Value, http.RequestAborted);
                return Reads.Json(new InclusionProof(leafIndex.Value, treeSize.Value, hashes.Select(TransparencyLogQuery.Base64).ToList()));
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("ProveInclusion").WithTags("Audit")
            .WithDescription("{ leafIndex, treeSize, hashes }: the RFC 9162 inclusion proof of leaf leafIndex in the tree of the first treeSize leaves " +
                             "(base64 hashes, leaf side first). 400 for a tree size the log never had or a leaf outside it.")
            .WithQuery(
                new QueryParameter("leafIndex", "The leaf, from 0.") { Type = "integer", Format = "int64", Minimum = 0 },
                new QueryParameter("treeSize", "The size of the tree to prove it in: a checkpoint's, at most the log's size.") { Type = "integer", Format = "int64", Minimum = 1 })
            .Produces<InclusionProof>().ProducesValidationProblem().ProducesProblem(401);
}
