using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Documents.Duplicates;

namespace FactDesk.Api.Documents.Ingesting;

/// <summary>What reading an article's text yields: its fingerprint for finding copies, and the check-worthy claims in it.</summary>
public sealed record DocumentReading(long[] Fingerprint, IReadOnlyList<CandidateClaim> Candidates)
{
    /// <summary>The one place ingestion reads text; relative dates in candidates resolve against <paramref name="publishedOn"/>.</summary>
    public static DocumentReading Read(string text, DateOnly publishedOn) =>
        new(DuplicateFinder.Fingerprint(text), ClaimDetector.Detect(text, publishedOn, includeAll: true));
}
