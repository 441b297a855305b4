namespace FactDesk.Api.Documents.Detection;

/// <summary>
/// One card per checkable sentence, carrying every value the sentence states; a set-up sentence merged into the
/// sentence with its event is one card. Offsets are code points, as in <see cref="CandidateClaim"/>.
/// </summary>
public sealed record SentenceCard(
    string Quote, string Prefix, string Suffix, int Start, int End, double Score, string Section, bool Withheld,
    IReadOnlyList<CandidateClaim> Values)
{
    /// <summary>Groups per-value candidates (in text order) by the sentence their quote ends in.</summary>
    public static IReadOnlyList<SentenceCard> FromCandidates(IEnumerable<CandidateClaim> candidates) =>
        candidates
            .GroupBy(c => c.End)
            .Select(sentence =>
            {
                var values = sentence.OrderBy(c => c.ExpressionStart).ToList();
                // The value whose quote starts earliest covers the whole card (a set-up sentence included).
                var widest = values.MinBy(c => c.Start)!;
                return new SentenceCard(widest.Quote, widest.Prefix, widest.Suffix, widest.Start, widest.End,
                    values.Max(c => c.Score), widest.Section, values.All(c => c.Withheld), values);
            })
            .OrderBy(card => card.Start)
            .ToList();
}
