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
            var superlative = m.Groups["sup"].Value.ToLowerInvariant();
            if (!IsSuperlative(superlative))
                continue;
            var ranked = RankedThing().SafeMatch(text, m.Index + m.Length);
            var words = ranked.Success
                ? ranked.Groups["w"].Captures.Select(c => c.Value).TakeWhile(w => !Context.Stopwords.Contains(w)).ToList()
                : [];
            int end;
            if (words.Count > 0)
            {
                var lastWord = ranked.Groups["w"].Captures[words.Count - 1];
                end = lastWord.Index + lastWord.Length;
            }
            else
            {
                // "the largest of the three phases", "the highest in Europe": the scope names what is ranked.
                var scope = Scope().SafeMatch(text, m.Index + m.Length);
                var possessive = m.Value.Contains('\'') || m.Value.Contains('’');
                if ((!scope.Success && !possessive) || superlative == "only")
                    continue;
                // "among the world's best": the possessive already says among whom.
                end = scope.Success ? scope.Index + scope.Length : m.Index + m.Length;
                words = [scope.Success ? scope.Groups["scope"].Value : superlative];
            }

            // "the only" ranks only an actor ("the only maker of ..."), not "the only way".
            if (superlative == "only")
            {
                if (!AgentNoun().SafeIsMatch(words[0]))
                    continue;
                var of = Scope().SafeMatch(text, end);
                if (of.Success)
                    end = of.Index + of.Length;
            }

            // "the biggest users are close to home": the superlative is the subject being described, and no named
            // actor is ranked; "the largest chipmaker is TSMC" still is.
            if (DescribedSubject().SafeMatch(text, end).Success)
                continue;

            decimal? rank = m.Groups["ord"].Success ? NewsNumbers.WordValue(m.Groups["ord"].Value) : 1m;
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
            // "the first satellite" with nothing it is first among is a place in a series, not a rank among rivals.
            var inSeries = superlative == "first" && !m.Value.Contains('\'') && !m.Value.Contains('’') && !Scope().SafeMatch(text, end).Success;
            var score = inSeries ? 0.3 : m.Groups["oneof"].Success ? 0.5 : 0.6;
            yield return new ValueMention(m.Index, end, ClaimKinds.Ranking, value, score);
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
    [GeneratedRegex(@"(?<oneof>\b(?:[Oo]ne\s+of|[Aa]mong)\s+)?(?:\b[Tt]he\s+(?:(?:world|country|nation|region|planet)['’]s\s+)?|\b(?:world|country|nation|(?<![\p{L}.])[A-Z][\p{L}.]*|(?:1[89]|20)\d\d)['’]s\s+)(?:(?<n>two|three|four|five|six|seven|eight|nine|ten)\s+)?(?:(?<ord>second|third|fourth|fifth)-)?(?<sup>(?:most|least)(?:-|\s+)\p{Ll}[\p{Ll}-]*|\p{Ll}{2,}est(?:-[a-z]+)?|\p{Ll}{3,}most|best|worst|first|only)\b(?![\s]+to\b|-(?![a-z]))", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Superlative();

    /// <summary>
    /// Superlatives are recognised by their form (-est, most/least + adjective), so words that merely end in "est"
    /// and follow "the" ("the interest", "the west", "the latest") are ruled out here.
    /// </summary>
    private static readonly HashSet<string> NotSuperlatives = new(StringComparer.OrdinalIgnoreCase)
    {
        "interest", "west", "almost", "utmost", "foremost", "rest", "test", "latest", "protest", "request", "contest", "harvest", "forest", "quest",
        "chest", "guest", "nest", "manifest", "digest", "arrest", "conquest", "unrest", "bequest", "crest", "honest",
        "modest", "suggest", "invest", "pest", "vest", "zest", "priest", "inquest", "midwest", "northwest",
        "southwest", "everest", "earnest", "behest", "lest", "attest", "detest", "divest",
    };

    private static bool IsSuperlative(string words)
    {
        var parts = words.Split('-', ' ');
        // "the most of", "the least in": "most" without an adjective is a quantity, not a rank.
        if (parts[0] is "most" or "least")
            return parts.Length > 1 && !Context.Stopwords.Contains(parts[1]);
        return !NotSuperlatives.Contains(parts[0]);
    }

    [GeneratedRegex(@"\G\s+(?:of|in|among|on)\s+(?:(?:the|its|their|all|this|that)\s+)?(?<scope>\p{Lu}[\p{L}&-]*(?:[ \t]+\p{Lu}[\p{L}&-]*){0,3}|(?:\p{L}+[ \t]+)?\p{L}+s\b|world|country|region|market|sector|industry|history|record|continent)", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Scope();

    // Agent nouns by their suffix: maker, supplier, producer, investor, economist.
    [GeneratedRegex(@"^\p{L}+(?:er|or|ist|ant|ent)s?$", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex AgentNoun();

    [GeneratedRegex(@"\G\s+(?:is|are|was|were)\s+(?!\p{Lu}|(?:a|an|the|its|their|his|her)\b)", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex DescribedSubject();

    [GeneratedRegex(@"\G(?:\s+(?<w>\p{L}[\p{L}-]*)){1,3}", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex RankedThing();

    [GeneratedRegex(@"\branked\s+(?:No\.\s*|number\s+)?(?<n>\d{1,3})(?:st|nd|rd|th)?\b", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex RankedNumber();
}
