using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Documents.GettingDetails;

/// <summary>
/// <c>GET /api/documents/{id}</c>: metadata, the copy it duplicates (and later copies of it), the claims flagged on it and the
/// detected candidates. The text can be long, so it is sent only with <c>?include=text</c>. Candidates outside the body
/// (reviews, bios, captions, related links) or below the check-worthy score are withheld unless <c>?includeAll=true</c>.
/// </summary>
public sealed class GetDocumentEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/documents/{id}", (string id, HttpContext http, CommandPipeline pipeline) => Reads.Guard(http, async () =>
            {
                var documentId = EndpointDiscovery.ParseId(id);
                var include = (string?)http.Request.Query["include"];
                if (include is not (null or "text")) throw Problems.Fail(Problems.Validation("include", "include may only be \"text\"."));
                var includeAll = (string?)http.Request.Query["includeAll"];
                if (includeAll is not (null or "true" or "false")) throw Problems.Fail(Problems.Validation("includeAll", "includeAll may only be \"true\" or \"false\"."));
                var (document, version, _) = await Reads.LoadAsync<Document>(pipeline.Store, documentId, "document", null, null, http.RequestAborted);
                var (claims, copies) = await ReadLinksAsync(pipeline.Store.DataSource, documentId, http.RequestAborted);
                var candidates = includeAll == "true" ? document.Candidates : document.OfferedCandidates;
                return Reads.Json(new DocumentView(
                    document.Id, version, document.Title, document.Outlet, document.Author, document.Url, document.PublishedOn,
                    document.Language, document.DuplicateOf, copies, document.IngestedBy, document.IngestedAt, document.Text.Length,
                    include == "text" ? document.Text : null, claims, candidates, document.NotScannedFrom)
                {
                    Cards = SentenceCard.FromCandidates(candidates),
                }, version);
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("GetDocument").WithTags("Documents")
            .WithQuery(
                new QueryParameter("include", "text: also send the article's text (up to 1 MiB; left out by default).") { Allowed = ["text"] },
                new QueryParameter("includeAll", "true: also the candidates outside the article's body or below the check-worthy score.") { Type = "boolean", Default = "false" })
            .AnswersWithVersion()
            .Produces<DocumentView>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(404);

    private static async Task<(IReadOnlyList<DocumentClaim>, IReadOnlyList<Guid>)> ReadLinksAsync(NpgsqlDataSource db, Guid documentId, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        var claimsCommand = new NpgsqlBatchCommand(
            $"select claim_id, quote, flagged_at from {StoreSetup.Schema}.document_claims where document_id = $1 order by flagged_at, claim_id");
        claimsCommand.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = documentId });
        var copiesCommand = new NpgsqlBatchCommand(
            $"select id from {StoreSetup.Schema}.documents where duplicate_of = $1 order by ingested_at, id");
        copiesCommand.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = documentId });
        batch.BatchCommands.Add(claimsCommand);
        batch.BatchCommands.Add(copiesCommand);
        var claims = new List<DocumentClaim>();
        var copies = new List<Guid>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            claims.Add(new DocumentClaim(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) copies.Add(reader.GetGuid(0));
        return (claims, copies);
    }
}

/// <summary>A claim flagged on the document.</summary>
public sealed record DocumentClaim(Guid Id, string Quote, DateTimeOffset FlaggedAt);

/// <summary>A document as tools and pages see it. <c>NotScannedFrom</c>: where detection ran out of time (code points; null: read whole).</summary>
public sealed record DocumentView(
    Guid Id, long Version, string Title, string? Outlet, string? Author, string? Url, DateOnly PublishedOn, string? Language,
    Guid? DuplicateOf, IReadOnlyList<Guid> Copies, Actor IngestedBy, DateTimeOffset IngestedAt, int TextLength, string? Text,
    IReadOnlyList<DocumentClaim> Claims, IReadOnlyList<CandidateClaim> Candidates, int? NotScannedFrom)
{
    /// <summary>The candidates as one card per sentence, each carrying all of its sentence's values.</summary>
    public IReadOnlyList<SentenceCard> Cards { get; init; } = [];
}
