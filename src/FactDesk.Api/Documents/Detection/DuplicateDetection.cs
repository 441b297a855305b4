using System.Text.RegularExpressions;

namespace FactDesk.Api.Documents.Detection;

/// <summary>
/// Recognises the same story ingested twice (plain text vs markdown, with or without page furniture, truncated).
/// Compares five-word shingles of the normalised wording: stories on the same subject share facts and names
/// but rarely five words in a row, whereas two copies of one story share most of them.
/// </summary>
public static partial class DuplicateDetection
{
    /// <summary>Share of the shorter copy's shingles found in the longer one above which two texts are one article.</summary>
    public const double SameArticleThreshold = 0.5;

    private const int ShingleWords = 5;

    /// <summary>Below this many shingles containment is too easy to reach by chance, so Jaccard is used instead.</summary>
    private const int MinimumShinglesForContainment = 40;

    public static bool IsSameArticle(string a, string b) => Similarity(a, b) >= SameArticleThreshold;

    /// <summary>0..1: containment of the shorter text's shingles in the longer one's (robust to truncation and furniture).</summary>
    public static double Similarity(string a, string b)
    {
        var first = Shingles(a);
        var second = Shingles(b);
        if (first.Count == 0 || second.Count == 0)
            return 0;

        var (smaller, larger) = first.Count <= second.Count ? (first, second) : (second, first);
        var shared = smaller.Count(larger.Contains);
        return smaller.Count >= MinimumShinglesForContainment
            ? (double)shared / smaller.Count
            : (double)shared / (first.Count + second.Count - shared);
    }

    private static HashSet<string> Shingles(string text)
    {
        var words = Word().SafeMatches(QuoteMatching.Normalize(text).ToLowerInvariant()).Select(m => m.Value).ToArray();
        var shingles = new HashSet<string>(StringComparer.Ordinal);
        if (words.Length < ShingleWords)
        {
            if (words.Length > 0)
                shingles.Add(string.Join(' ', words));
            return shingles;
        }
        for (var i = 0; i + ShingleWords <= words.Length; i++)
            shingles.Add(string.Join(' ', words, i, ShingleWords));
        return shingles;
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Word();
}
