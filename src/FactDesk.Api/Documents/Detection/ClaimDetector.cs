using System.Text.RegularExpressions;

namespace FactDesk.Api.Documents.Detection;

/// <summary>
/// Finds the sentences of an article that assert a checkable number, date or rank. Pure: no I/O, no clock.
/// </summary>
public static partial class ClaimDetector
{
    /// <summary>Characters of context kept either side of a quote, as in a W3C TextQuoteSelector.</summary>
    public const int ContextLength = 32;

    /// <summary>When two readings of the same words compete, the more specific kind wins ("$6 million" is money, not a count).</summary>
    private static readonly Dictionary<string, int> Precedence = new()
    {
        [ClaimKinds.Money] = 6,
        [ClaimKinds.Percentage] = 5,
        [ClaimKinds.Ratio] = 4,
        [ClaimKinds.Date] = 3,
        [ClaimKinds.Count] = 2,
        [ClaimKinds.Ranking] = 1,
    };

    // One candidate per value, not per sentence: each figure is verified, sourced and corrected on its own.
    public static IReadOnlyList<CandidateClaim> Detect(string text, DateOnly publishedOn)
    {
        if (string.IsNullOrWhiteSpace(text))
            return [];

        var furniture = ArticleText.Furniture(text);
        var found = NumericRecognizers.Find(text)
            .Concat(DateRecognizer.Find(text, publishedOn))
            .Concat(RankingRecognizer.Find(text))
            .Where(m => !furniture.Any(f => m.Start < f.End && f.Start < m.End));

        var sentences = ArticleText.Sentences(text);
        // A "sentence" of thousands of characters is a list or a table, not prose, and each value would copy all of it
        // as its quote; and no article needs thousands of candidates. Both bounds keep one request's work linear.
        var prose = found.Where(m => SentenceLength(sentences, m.Start) <= MaxSentenceLength).OrderBy(m => m.Start).Take(MaxCandidates);
        var mentions = ResolveOverlaps(prose);
        var codePoints = new CodePointText(text);

        return mentions
            .OrderBy(m => m.Start).ThenBy(m => m.End)
            .Select(m => ToCandidate(text, codePoints, sentences, m))
            // A question ("What are the biggest challenges?") asks rather than asserts.
            .Where(c => !c.Quote.EndsWith('?'))
            .ToList();
    }

    public const int MaxSentenceLength = 1_500;
    public const int MaxCandidates = 2_000;

    private static int SentenceLength(List<(int Start, int End)> sentences, int position)
    {
        // Sentences are in text order: find the last one starting at or before the position.
        int low = 0, high = sentences.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (sentences[middle].Start <= position) { found = middle; low = middle + 1; }
            else high = middle - 1;
        }
        return found >= 0 && position < sentences[found].End ? sentences[found].End - sentences[found].Start : 0;
    }

    private static List<ValueMention> ResolveOverlaps(IEnumerable<ValueMention> found)
    {
        var kept = new List<ValueMention>();
        var ordered = found
            .OrderByDescending(m => Precedence[m.Kind])
            .ThenByDescending(m => m.Length)
            .ThenBy(m => m.Start);
        foreach (var mention in ordered)
        {
            // A rank may share words with a value ("one of 2024's fastest-selling games"); values may not share with each other.
            var clashes = mention.Kind == ClaimKinds.Ranking
                ? kept.Any(k => k.Kind == ClaimKinds.Ranking && k.Overlaps(mention))
                : kept.Any(k => k.Kind != ClaimKinds.Ranking && k.Overlaps(mention));
            if (!clashes)
                kept.Add(mention);
        }
        // A count inside a rank phrase ("the world's two largest economies") is part of the rank.
        kept.RemoveAll(m => m.Kind == ClaimKinds.Count && kept.Any(r => r.Kind == ClaimKinds.Ranking && r.Overlaps(m)));
        return kept;
    }

    private static CandidateClaim ToCandidate(string text, CodePointText codePoints, List<(int Start, int End)> sentences, ValueMention mention)
    {
        var start = mention.Start;
        var end = mention.End;
        foreach (var sentence in sentences)
        {
            if (sentence.End <= mention.Start || sentence.Start >= mention.End)
                continue;
            start = Math.Min(start, sentence.Start);
            end = Math.Max(end, sentence.End);
        }

        var quote = text[start..end];
        var score = Math.Min(1.0, mention.Score + (Attribution().SafeIsMatch(quote) ? 0.05 : 0));
        return new CandidateClaim(
            quote,
            codePoints.Before(start, ContextLength),
            codePoints.After(end, ContextLength),
            codePoints.ToCodePoint(start),
            codePoints.ToCodePoint(end),
            mention.Kind,
            text[mention.Start..mention.End],
            mention.Value,
            Math.Round(score, 2))
        {
            ExpressionStart = codePoints.ToCodePoint(mention.Start),
            ExpressionEnd = codePoints.ToCodePoint(mention.End),
        };
    }

    // Attributed figures ("according to", "says") are the ones a checker can trace to a source.
    [GeneratedRegex(@"\baccording\s+to\b|\bsaid\b|\bsays\b|\breported(?:ly)?\b|\bestimat|\bdata\s+from\b|\bsurvey\b|\breport\b", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Attribution();
}
