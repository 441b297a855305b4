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
        [ClaimKinds.Duration] = 1,
        [ClaimKinds.Ranking] = 1,
        [ClaimKinds.Comparison] = 0,
    };

    // One candidate per value, not per sentence: each figure is verified, sourced and corrected on its own.
    // Values outside the body (a review, a bio, a caption) are withheld unless includeAll asks for them.
    public static IReadOnlyList<CandidateClaim> Detect(string text, DateOnly publishedOn, bool includeAll = false, double minimumScore = CheckWorthyScore)
    {
        if (string.IsNullOrWhiteSpace(text))
            return [];

        var layout = ArticleLayout.Read(text);
        var furniture = ArticleText.Furniture(text).Concat(layout.Furniture).OrderBy(f => f.Start).ToList();
        var found = NumericRecognizers.Find(text)
            .Concat(DateRecognizer.Find(text, publishedOn))
            .Concat(RankingRecognizer.Find(text))
            .Concat(ComparisonRecognizer.Find(text))
            .Where(m => !Overlaps(furniture, m.Start, m.End));

        // Running heads and folios are blanked so that a sentence cut by one is read whole.
        var sentences = ArticleText.Sentences(layout.WithoutFurniture(text));
        // A "sentence" of thousands of characters is a list or a table, not prose, and each value would copy all of it
        // as its quote; and no article needs thousands of candidates. Both bounds keep one request's work linear.
        var prose = found.Where(m => SentenceLength(sentences, m.Start) <= MaxSentenceLength).OrderBy(m => m.Start).Take(MaxCandidates);
        var mentions = ResolveOverlaps(prose);
        var codePoints = new CodePointText(text);

        return mentions
            .OrderBy(m => m.Start).ThenBy(m => m.End)
            .Select(m => ToCandidate(text, codePoints, sentences, m, layout.SectionAt(m.Start), publishedOn, minimumScore))
            // A question ("What are the biggest challenges?") asks rather than asserts.
            .Where(c => !c.Quote.EndsWith('?'))
            .Where(c => includeAll || !c.Withheld)
            .ToList();
    }

    /// <summary>True when [start, end) overlaps one of the spans, which are in text order and do not overlap each other.</summary>
    private static bool Overlaps(List<(int Start, int End)> spans, int start, int end)
    {
        int low = 0, high = spans.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (spans[middle].Start < end) { found = middle; low = middle + 1; }
            else high = middle - 1;
        }
        // The span starting last before the end is the only candidate, unless an earlier, longer one reaches over it.
        for (var i = found; i >= 0 && i > found - 4; i--)
            if (spans[i].End > start)
                return true;
        return false;
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
            // A comparison is kept only where no value already speaks ("more than any other European company").
            var clashes = mention.Kind switch
            {
                ClaimKinds.Ranking => kept.Any(k => k.Kind == ClaimKinds.Ranking && k.Overlaps(mention)),
                ClaimKinds.Comparison => kept.Any(k => k.Overlaps(mention)),
                _ => kept.Any(k => k.Kind != ClaimKinds.Ranking && k.Overlaps(mention)),
            };
            if (!clashes)
                kept.Add(mention);
        }
        // A count inside a rank phrase ("the world's two largest economies") is part of the rank.
        kept.RemoveAll(m => m.Kind == ClaimKinds.Count && kept.Any(r => r.Kind == ClaimKinds.Ranking && r.Overlaps(m)));
        return kept;
    }

    private static CandidateClaim ToCandidate(
        string text, CodePointText codePoints, List<(int Start, int End)> sentences, ValueMention mention, string section,
        DateOnly publishedOn, double minimumScore)
    {
        var start = mention.Start;
        var end = mention.End;
        var last = -1;
        for (var i = SentenceIndex(sentences, mention.Start); i >= 0 && i < sentences.Count && sentences[i].Start < mention.End; i++)
        {
            if (sentences[i].End <= mention.Start)
                continue;
            start = Math.Min(start, sentences[i].Start);
            end = Math.Max(end, sentences[i].End);
            last = i;
        }

        // "Then came January." only sets the scene: the event it dates is in the next sentence of the paragraph,
        // and one card for both is what a checker works on.
        if (last >= 0 && last + 1 < sentences.Count && IsSetUp(text, sentences[last]) &&
            !text.AsSpan(sentences[last].End, sentences[last + 1].Start - sentences[last].End).Contains("\n\n", StringComparison.Ordinal))
            end = sentences[last + 1].End;

        var quote = text[start..end];
        var score = Math.Min(1.0, mention.Score + (Attribution().SafeIsMatch(quote) ? 0.05 : 0));
        // "Even an average summer would leave them lower than last year": a relative time in a hypothetical dates nothing.
        if (mention.Value.Note?.StartsWith("resolved against", StringComparison.Ordinal) == true && Hypothetical().SafeIsMatch(quote))
            score *= 0.5;
        // A year long before publication is background ("since Sputnik went up in 1957"), not the news being reported.
        if (mention.Kind == ClaimKinds.Date && mention.Value.Date is { Length: 4 } year && mention.Value.Note is null &&
            int.TryParse(year, out var y) && publishedOn.Year - y > BackgroundYears)
            score *= 0.5;
        if (section != ArticleSections.Body)
            score *= OutsideBodyWeight;
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
            Section = section,
            Withheld = section != ArticleSections.Body || score < minimumScore,
        };
    }

    /// <summary>
    /// The score below which a candidate is withheld unless asked for: calibrated on the sentence-labelled articles
    /// (CheckWorthySentencesTests reports F1 against it), between citation years (0.15) and passing mentions (0.4).
    /// </summary>
    public const double CheckWorthyScore = 0.35;

    private const int BackgroundYears = 50;

    /// <summary>How much less a value outside the body is worth checking than the same value in the article's copy.</summary>
    public const double OutsideBodyWeight = 0.3;

    private const int MaxSetUpWords = 4;

    private static bool IsSetUp(string text, (int Start, int End) sentence)
    {
        var words = 1;
        for (var i = sentence.Start; i < sentence.End && words <= MaxSetUpWords; i++)
            if (char.IsWhiteSpace(text[i]) && i + 1 < sentence.End && !char.IsWhiteSpace(text[i + 1]))
                words++;
        return words <= MaxSetUpWords && text[sentence.End - 1] is '.' or ':';
    }

    /// <summary>Index of the last sentence starting at or before the position (sentences are in text order), or 0.</summary>
    private static int SentenceIndex(List<(int Start, int End)> sentences, int position)
    {
        int low = 0, high = sentences.Count - 1, found = 0;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (sentences[middle].Start <= position) { found = middle; low = middle + 1; }
            else high = middle - 1;
        }
        return found;
    }

    [GeneratedRegex(@"\b(?:would|could|might)\b", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Hypothetical();

    // Attributed figures ("according to", "says") are the ones a checker can trace to a source.
    [GeneratedRegex(@"\baccording\s+to\b|\bsaid\b|\bsays\b|\breported(?:ly)?\b|\bestimat|\bdata\s+from\b|\bsurvey\b|\breport\b", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Attribution();
}
