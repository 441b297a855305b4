using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;

namespace FactDesk.Api.Documents;

/// <summary>An article was taken in: its text and where it appeared. <c>DuplicateOf</c> names an earlier copy of the same article.</summary>
[EventType("document-ingested.v1")]
public sealed record DocumentIngested(
    Guid DocumentId, string Title, string Text, string? Outlet, string? Author, string? Url, DateOnly PublishedOn,
    string? Language, Guid? DuplicateOf, Actor By, DateTimeOffset At);

/// <summary>
/// Claim detection read the document and found these candidates. Kept apart from ingestion so detection can be re-run.
/// <c>NotScannedFrom</c>: the code point where detection ran out of its CPU budget (null: it read the whole text).
/// </summary>
[EventType("claim-candidates-detected.v1")]
public sealed record ClaimCandidatesDetected(Guid DocumentId, IReadOnlyList<CandidateClaim> Candidates, DateTimeOffset At, int? NotScannedFrom = null);

/// <summary>A document as ingested. Its text is kept so flagged quotes can be anchored in it.</summary>
public sealed record Document(
    Guid Id, string Title, string Text, string? Outlet, string? Author, string? Url, DateOnly PublishedOn, string? Language,
    Guid? DuplicateOf, Actor IngestedBy, DateTimeOffset IngestedAt)
{
    public const string StreamType = "document";

    /// <summary>The latest detection's candidates; empty until detection finds any.</summary>
    public IReadOnlyList<CandidateClaim> Candidates { get; init; } = [];

    /// <summary>Where the latest detection stopped for lack of time; null when it read the whole text.</summary>
    public int? NotScannedFrom { get; init; }

    /// <summary>The candidates offered for checking: those outside the body or below the check-worthy score are kept but withheld.</summary>
    public IReadOnlyList<CandidateClaim> OfferedCandidates => Candidates.Where(c => !c.Withheld).ToList();

    public static Document Create(DocumentIngested e) =>
        new(e.DocumentId, e.Title, e.Text, e.Outlet, e.Author, e.Url, e.PublishedOn, e.Language, e.DuplicateOf, e.By, e.At);

    public Document Apply(ClaimCandidatesDetected e) => this with { Candidates = e.Candidates, NotScannedFrom = e.NotScannedFrom };
}
