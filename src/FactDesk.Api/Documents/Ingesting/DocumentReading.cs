using FactDesk.Api.Documents.Duplicates;

namespace FactDesk.Api.Documents.Ingesting;

/// <summary>What reading an article's text yields: its fingerprint for finding copies, and the check-worthy claims in it.</summary>
public sealed record DocumentReading(long[] Fingerprint, IReadOnlyList<ClaimCandidate> Candidates)
{
    /// <summary>
    /// The one place ingestion reads text. Claim detection is not wired in yet, so no candidates are proposed;
    /// relative dates in candidates will resolve against <paramref name="publishedOn"/>.
    /// </summary>
    public static DocumentReading Read(string text, DateOnly publishedOn) => new(DuplicateFinder.Fingerprint(text), []);
}
