namespace FactDesk.Api.Documents.Detection;

/// <summary>A value found in the article, before it is tied to its sentence. Offsets are UTF-16.</summary>
internal sealed record ValueMention(int Start, int End, string Kind, NormalizedValue Value, double Score)
{
    public int Length => End - Start;

    public bool Overlaps(ValueMention other) => Start < other.End && other.Start < End;
}

/// <summary>Word-level context checks shared by the recognisers.</summary>
internal static class Context
{
    /// <summary>Capitalised words that may precede a number at the start of a sentence without naming anything.</summary>
    private static readonly HashSet<string> FunctionWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "in", "on", "at", "by", "since", "from", "to", "until", "till", "of", "for", "the", "a", "an", "and", "or",
        "but", "with", "about", "over", "nearly", "almost", "some", "around", "only", "just", "now", "then",
        "during", "before", "after", "between", "its", "their", "his", "her", "our", "all", "these", "those",
        "this", "that", "there", "last", "each", "every", "another", "while", "when", "as", "early", "late", "mid",
        "circa", "through", "starting", "roughly", "approximately", "more", "less", "up", "within", "across",
        "under", "above", "below", "than", "even", "still", "also", "by", "towards", "toward", "throughout",
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december",
    };

    /// <summary>Words that end a noun phrase: a count must reach its noun before one of these.</summary>
    public static readonly HashSet<string> Stopwords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as",
        "is", "are", "was", "were", "be", "been", "has", "have", "had", "its", "it", "this", "that", "these",
        "those", "than", "then", "so", "such", "into", "onto", "per", "which", "who", "whose", "where", "when",
        "while", "not", "no", "more", "less", "most", "least", "also", "only", "just", "even", "yet", "thus",
        "his", "hers", "ours", "yours", "theirs", "us", "we", "they", "he", "she", "does", "did", "do", "was",
        "will", "would", "can", "could", "may", "might", "must", "should", "times", "plus", "minus",
    };

    /// <summary>True when the word right before <paramref name="index"/> (on the same line) is a capitalised name, e.g. "Mate 60", "Made in China 2025".</summary>
    public static bool FollowsProperName(string text, int index)
    {
        var end = index;
        while (end > 0 && text[end - 1] is ' ' or '\t' or '\u00A0')
            end--;
        if (end == index || end == 0 || !char.IsLetter(text[end - 1]))
            return false;
        var start = end;
        while (start > 0 && (char.IsLetterOrDigit(text[start - 1]) || text[start - 1] == '-'))
            start--;
        var word = text[start..end];
        return char.IsUpper(word[0]) && !FunctionWords.Contains(word);
    }

    /// <summary>The sentence-sized window around a span, for cues such as "cost" or "says".</summary>
    public static string Window(string text, int start, int end, int reach = 120) =>
        text[Math.Max(0, start - reach)..Math.Min(text.Length, end + reach)];
}
