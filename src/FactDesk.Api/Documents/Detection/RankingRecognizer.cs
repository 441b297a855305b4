using System.Globalization;
using System.Text.RegularExpressions;

namespace FactDesk.Api.Documents.Detection;

/// <summary>
/// Finds rank claims: "second only to the United States", "the world's largest car exporter",
/// "the most-downloaded open model". Number is the rank (1 for superlatives); "two largest" is ranks 1–2.
/// </summary>
internal static partial class RankingRecognizer
{
    public static IEnumerable<ValueMention> Find(string text)
    {
        foreach (Match m in OnlyTo().SafeMatches(text))
        {
            var rank = NewsNumbers.WordValue(m.Groups["ord"].Value);
            var value = new NormalizedValue(rank, null, null, null, null, m.Value, $"behind {m.Groups["who"].Value}")
            {
                Qualifier = ValueQualifiers.Exact,
            };
            yield return new ValueMention(m.Index, m.Index + m.Length, ClaimKinds.Ranking, value, 0.75);
        }

        foreach (Match m in Superlative().SafeMatches(text))
        {
            var ranked = RankedThing().SafeMatch(text, m.Index + m.Length);
            if (!ranked.Success)
                continue;
            var words = ranked.Groups["w"].Captures.Select(c => c.Value)
                .TakeWhile(w => !Context.Stopwords.Contains(w)).ToList();
            if (words.Count == 0)
                continue;
            var lastWord = ranked.Groups["w"].Captures[words.Count - 1];
            var end = lastWord.Index + lastWord.Length;

            var superlative = m.Groups["sup"].Value.ToLowerInvariant();
            decimal? rank = 1m;
            decimal? upper = null;
            var qualifier = ValueQualifiers.Exact;
            if (m.Groups["n"].Success)
                (rank, upper, qualifier) = (1m, NewsNumbers.WordValue(m.Groups["n"].Value), ValueQualifiers.Range);
            if (m.Groups["oneof"].Success)
                (rank, upper, qualifier) = (null, null, ValueQualifiers.Approximately);

            var expression = text[m.Index..end];
            var value = new NormalizedValue(rank, upper, string.Join(' ', words), null, null, expression,
                m.Groups["oneof"].Success ? $"among the {superlative}" : superlative)
            {
                Qualifier = qualifier,
            };
            yield return new ValueMention(m.Index, end, ClaimKinds.Ranking, value, m.Groups["oneof"].Success ? 0.5 : 0.6);
        }

        foreach (Match m in RankedNumber().SafeMatches(text))
        {
            var value = new NormalizedValue(decimal.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture), null, null, null, null, m.Value, null)
            {
                Qualifier = ValueQualifiers.Exact,
            };
            yield return new ValueMention(m.Index, m.Index + m.Length, ClaimKinds.Ranking, value, 0.7);
        }
    }

    [GeneratedRegex(@"\b(?<ord>second|third|fourth|fifth)\s+only\s+to\s+(?<who>(?:the\s+)?[A-Z][\w.&-]*(?:\s+(?:of\s+)?[A-Z][\w.&-]*)*)", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex OnlyTo();

    // Requires "the" or a possessive so that adjectives such as "largest-ever" in passing are not taken as ranks.
    // A capitalised possessive starts only where its run of letters and dots starts: "A.A.A…" has a word boundary at
    // every letter, and re-scanning the run from each one was quadratic.
    [GeneratedRegex(@"(?<oneof>\b[Oo]ne\s+of\s+)?(?:\b[Tt]he\s+(?:(?:world|country|nation|region|planet)['’]s\s+)?|\b(?:world|country|nation|(?<![\p{L}.])[A-Z][\p{L}.]*|(?:1[89]|20)\d\d)['’]s\s+)(?:(?<n>two|three|four|five|six|seven|eight|nine|ten)\s+)?(?<sup>largest|biggest|fastest(?:-[a-z]+)?|most-[a-z]+|first)\b(?![\s]+to\b|-(?![a-z]))", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Superlative();

    [GeneratedRegex(@"\G(?:\s+(?<w>\p{L}[\p{L}-]*)){1,3}", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex RankedThing();

    [GeneratedRegex(@"\branked\s+(?:No\.\s*|number\s+)?(?<n>\d{1,3})(?:st|nd|rd|th)?\b", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex RankedNumber();
}
