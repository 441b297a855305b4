using System.Text.RegularExpressions;

namespace FactDesk.Api.Documents.Detection;

/// <summary>
/// Finds claims that place named actors against each other without a number: "dominate the global market",
/// "lagged behind", "closing in on the US", "higher than before the pandemic", "far more than any other government".
/// The value carries no number; <see cref="NormalizedValue.Unit"/> names the relation.
/// </summary>
internal static partial class ComparisonRecognizer
{
    public static IEnumerable<ValueMention> Find(string text)
    {
        foreach (Match m in Standing().SafeMatches(text))
        {
            if (!NamesAnActor(text, m.Index))
                continue;
            yield return Mention(m, m.Groups["rel"].Value, 0.5);
        }

        foreach (Match m in AgainstReference().SafeMatches(text))
            yield return Mention(m, m.Groups["cmp"].Value, 0.45);
    }

    private static ValueMention Mention(Match m, string relation, double score)
    {
        var value = new NormalizedValue(null, null, relation.ToLowerInvariant(), null, null, m.Value, "comparison without a number");
        return new ValueMention(m.Index, m.Index + m.Length, ClaimKinds.Comparison, value, score);
    }

    /// <summary>Capitalised words that open a sentence without naming anyone.</summary>
    private static readonly HashSet<string> SentenceOpeners = new(StringComparer.Ordinal)
    {
        "The", "It", "This", "That", "These", "Those", "They", "There", "Some", "Many", "Most", "Few", "Its", "Their",
        "A", "An", "We", "He", "She", "In", "On", "For", "But", "And", "Then", "Now", "Still", "Yet", "So", "Even",
    };

    /// <summary>
    /// A relation between actors needs an actor: a capitalised name in the clause before it ("Europe trails",
    /// "Dawnway and Sunrow are close behind") or just after it ("closing in on the US").
    /// </summary>
    private static bool NamesAnActor(string text, int index)
    {
        var from = index;
        while (from > 0 && index - from < 160 && text[from - 1] is not ('.' or '!' or '?' or '\n' or ';'))
            from--;
        var first = true;
        foreach (Match word in Word().SafeMatches(text[from..Math.Min(text.Length, index + 60)]))
        {
            if (char.IsUpper(word.Value[0]) && !(first && SentenceOpeners.Contains(word.Value)))
                return true;
            first = false;
        }
        return false;
    }

    [GeneratedRegex(@"\p{L}[\p{L}'’-]*", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Word();

    // The relations of rank and pace between competitors; each needs its object or its direction to be a claim.
    [GeneratedRegex(@"\b(?<rel>dominat(?:e|es|ed|ing)\s+(?:the\s+)?(?:\p{L}+\s+){0,2}(?:market|industry|trade|sector|production|supply)|(?:lag(?:s|ged|ging)?|fall(?:s|en|ing)?|fell|trail(?:s|ed|ing)?)\s+(?:far\s+|well\s+|just\s+)?behind|(?:close|far|well|just|not\s+far)\s+behind|clos(?:e|es|ed|ing)\s+in\s+on|catch(?:es|ing)?\s+up|caught\s+up|trail(?:s|ed|ing)?\s+(?:both|all|the\s+\p{L}+|\p{Lu}\p{L}*)|overt(?:ake|akes|aking|aken|ook)|outpac(?:e|es|ed|ing)|outs(?:ell|ells|old|elling)|surpass(?:es|ed|ing)?|(?:below|above)\s+the\s+(?:cost|price|level|average)\s+of|(?:matched|rivals?|rivalled)\s+(?:the\s+)?(?:\p{L}+\s+){0,3}of\s+\p{Lu})", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Standing();

    // A comparative against a stated reference: another named actor class, the past, or everyone else.
    [GeneratedRegex(@"\b(?<cmp>(?:far\s+|much\s+|still\s+)?(?:\p{Ll}{3,}er|more(?:\s+\p{Ll}+)?|less(?:\s+\p{Ll}+)?))\s+(?:here\s+)?than\s+(?:(?:on|in|at|for)\s+)?(?:any\s+other|(?:all\s+)?(?:similar|comparable|other)\s+\p{L}+|before\s+the\s+\p{L}+|(?:in\s+)?most\s+\p{Lu}\p{L}+|elsewhere|ever\s+before)", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex AgainstReference();

}
