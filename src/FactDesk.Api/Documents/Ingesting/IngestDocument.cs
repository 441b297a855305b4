using FactDesk.Api.Documents.Conflicts;
using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Documents.Duplicates;
using FactDesk.Api.Http;

namespace FactDesk.Api.Documents.Ingesting;

/// <summary>The body of <c>POST /api/documents</c>.</summary>
public sealed record IngestDocumentRequest(
    string? Title, string? Text, string? Outlet, string? Author, string? Url, DateOnly? PublishedOn, string? Language) : IValidatable
{
    public static readonly DateOnly EarliestPublication = new(1800, 1, 1);
    public static readonly DateOnly LatestPublication = new(2100, 12, 31);

    public void Validate(Validation check)
    {
        check.Text("title", Title, 500);
        check.Text("text", Text, RequestBody.MaxBytes);
        check.Text("outlet", Outlet, 200, required: false);
        check.Text("author", Author, 300, required: false);
        check.Url("url", Url);
        check.Required("publishedOn", PublishedOn);
        // Relative dates in the copy ("last month", "two decades ago") resolve against this; news has no date outside
        // these bounds, and near the calendar's ends those resolutions would fall off it.
        if (PublishedOn is { } published && (published < EarliestPublication || published > LatestPublication))
            check.Add("publishedOn", "publishedOn must be between 1800-01-01 and 2100-12-31.");
        // A language tag such as "en" or "pt-BR": letters, digits and hyphens, as BCP 47 spells them.
        check.Matches("language", Language, "^[A-Za-z0-9-]+$", 2, 35, "language must be a language tag such as \"en\" or \"pt-BR\".");
    }
}

/// <summary>Take an article in, noting an earlier copy of it and the claims detection proposes.</summary>
public sealed record IngestDocument(
    Guid DocumentId, string Title, string Text, string? Outlet, string? Author, string? Url, DateOnly PublishedOn, string? Language,
    Guid? DuplicateOf, IReadOnlyList<CandidateClaim> Candidates, Actor By, DateTimeOffset At, int? NotScannedFrom = null);

public static class IngestDocumentDecision
{
    public static Decision Decide(Document? existing, IngestDocument command)
    {
        if (existing is not null) return new RuleViolation("document-already-ingested", $"Document {command.DocumentId} already exists.");
        var events = new List<object>
        {
            new DocumentIngested(command.DocumentId, command.Title.Trim(), command.Text, command.Outlet?.Trim(), command.Author?.Trim(),
                command.Url, command.PublishedOn, command.Language, command.DuplicateOf, command.By, command.At),
        };
        // Nothing found in the whole text is not worth an event: the document's candidates start empty. A text detection
        // could not finish is, so the log says which part was never looked at.
        if (command.Candidates.Count > 0 || command.NotScannedFrom is not null)
            events.Add(new ClaimCandidatesDetected(command.DocumentId, command.Candidates, command.At, command.NotScannedFrom));
        return events;
    }
}

/// <summary>
/// The answer to IngestDocument: the document, its version, the earlier copy it duplicates, the candidate claims detection
/// offers, and where detection ran out of time (null: the whole text was read).
/// </summary>
public sealed record IngestedDocument(Guid Id, long Version, Guid? DuplicateOf, IReadOnlyList<CandidateClaim> Candidates, int? NotScannedFrom);

public sealed class IngestDocumentEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/documents", (HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<IngestDocumentRequest>(http, async (body, context) =>
            {
                var publishedOn = body.PublishedOn!.Value;
                var reading = DocumentReading.Read(body.Text!, publishedOn, http.RequestServices.GetRequiredService<IConfiguration>()
                    .GetValue<TimeSpan?>("Documents:DetectionBudget"));
                var duplicateOf = await DuplicateFinder.FindEarlierCopyAsync(pipeline.Store.DataSource, reading.Fingerprint, http.RequestAborted);
                var documentId = context.NewId("document");
                // A value that contradicts what the desk already holds is marked now, where the checker first sees it.
                var candidates = await Plausibility.MarkAsync(pipeline.Store.DataSource, documentId, duplicateOf ?? documentId, publishedOn,
                    reading.Candidates, http.RequestAborted);
                var command = new IngestDocument(documentId, body.Title!, body.Text!, body.Outlet, body.Author, body.Url,
                    publishedOn, body.Language, duplicateOf, candidates, context.Actor, context.Now, reading.NotScannedFrom);
                return await pipeline.Decide<Document>(context, Document.StreamType, command.DocumentId, creates: true,
                    state => IngestDocumentDecision.Decide(state, command),
                    version => new CommandAnswer(201, new IngestedDocument(
                            command.DocumentId, version, duplicateOf, command.Candidates.Where(c => !c.Withheld).ToList(), command.NotScannedFrom),
                        version, $"/api/documents/{command.DocumentId}"),
                    "document");
            }))
            .RequireAuthorization(Roles.May.Flag)
            .WithName("IngestDocument").WithTags("Documents")
            .Accepts<IngestDocumentRequest>("application/json")
            .CreatesStream<IngestedDocument>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413);
}
