using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Documents.Duplicates;

namespace FactDesk.Api.Documents.Ingesting;

/// <summary>What reading an article's text yields: its fingerprint for finding copies, and the check-worthy claims in it.</summary>
public sealed record DocumentReading(long[] Fingerprint, IReadOnlyList<CandidateClaim> Candidates, int? NotScannedFrom = null)
{
    /// <summary>
    /// The one place ingestion reads text; relative dates in candidates resolve against <paramref name="publishedOn"/>.
    /// Detection stops when it has spent <paramref name="budget"/> of CPU time (default half a second).
    /// </summary>
    public static DocumentReading Read(string text, DateOnly publishedOn, TimeSpan? budget = null)
    {
        var detection = BudgetedDetection.Detect(text, publishedOn, budget ?? BudgetedDetection.DefaultBudget);
        return new(DuplicateFinder.Fingerprint(text), detection.Candidates, detection.NotScannedFrom);
    }
}
