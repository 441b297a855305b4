using FactDesk.Api.Hosting;
using Npgsql;

namespace FactDesk.Api.Documents.Duplicates;

/// <summary>
/// Finds an earlier copy of the same article by word-shingle containment: the share of the shorter text's five-word runs
/// that also occur in the other. Containment rather than overlap, because a plain-text copy is often a cut of the print
/// version (missing its last section or its page furniture) and is still the same article.
/// </summary>
public static class DuplicateFinder
{
    public const int ShingleWords = 5;
    /// <summary>Only shingles whose hash falls in one of this many buckets are kept, so a long article stays a small fingerprint.</summary>
    public const int SampleEvery = 4;
    /// <summary>Below this many sampled shingles a text is too short to call a copy of anything.</summary>
    public const int MinShingles = 8;
    public const double SameArticleContainment = 0.8;

    /// <summary>Sorted, distinct hashes of the sampled shingles of the text's words (case, punctuation and markdown escapes ignored).</summary>
    public static long[] Fingerprint(string text)
    {
        var words = Words(text);
        var hashes = new HashSet<long>();
        for (var i = 0; i + ShingleWords <= words.Count; i++)
        {
            var hash = Fnv1a(words, i, ShingleWords);
            // Sampling by hash value keeps the same shingles in every text, so containment is still estimated fairly.
            if ((ulong)hash % SampleEvery == 0) hashes.Add(hash);
        }
        var sorted = hashes.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>The share of the smaller fingerprint found in the larger; 0 when either text is too short to judge.</summary>
    public static double Containment(IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        if (a.Count < MinShingles || b.Count < MinShingles) return 0;
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        var set = large.ToHashSet();
        return (double)small.Count(set.Contains) / small.Count;
    }

    /// <summary>The share of both texts' shingles they have in common (Jaccard): breaks ties between several containing copies.</summary>
    public static double Resemblance(IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        var shared = a.Intersect(b).Count();
        var union = a.Count + b.Count - shared;
        return union == 0 ? 0 : (double)shared / union;
    }

    public static bool IsSameArticle(IReadOnlyList<long> a, IReadOnlyList<long> b) => Containment(a, b) >= SameArticleContainment;

    /// <summary>
    /// The earlier document this text is a copy of, or null. An original is preferred over another copy of it, so copies
    /// all point at one document; then the one most alike overall, since a short cut is contained in every edition; then the earliest.
    /// </summary>
    public static async Task<Guid?> FindEarlierCopyAsync(NpgsqlDataSource db, long[] fingerprint, CancellationToken ct)
    {
        if (fingerprint.Length < MinShingles) return null;
        await using var cmd = db.CreateCommand($"""
            select id, duplicate_of, shingles from (
                select id, duplicate_of, shingles, ingested_at,
                       cardinality(array(select unnest(shingles) intersect select unnest($1))) as shared
                from {StoreSetup.Schema}.documents
                where shingles && $1
                order by shared desc
                limit 50) best
            order by ingested_at, id
            """);
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = fingerprint });
        var matches = new List<(Guid Id, bool IsOriginal, double Resemblance, int Order)>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var earlier = reader.GetFieldValue<long[]>(2);
            if (IsSameArticle(fingerprint, earlier))
                matches.Add((reader.GetGuid(0), reader.IsDBNull(1), Resemblance(fingerprint, earlier), matches.Count));
        }
        return matches.Count == 0 ? null
            : matches.OrderByDescending(m => m.IsOriginal).ThenByDescending(m => m.Resemblance).ThenBy(m => m.Order).First().Id;
    }

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c)) { word.Append(char.ToLowerInvariant(c)); continue; }
            // A word broken across lines in print ("differ-\nent") is one word.
            if (c == '-' && word.Length > 0 && NextNonSpaceAfterLineBreak(text, i + 1) is { } next) { i = next - 1; continue; }
            if (word.Length > 0) { words.Add(word.ToString()); word.Clear(); }
        }
        if (word.Length > 0) words.Add(word.ToString());
        return words;
    }

    private static int? NextNonSpaceAfterLineBreak(string text, int from)
    {
        var sawBreak = false;
        var i = from;
        for (; i < text.Length && char.IsWhiteSpace(text[i]); i++) sawBreak |= text[i] == '\n';
        return sawBreak && i < text.Length && char.IsLetter(text[i]) ? i : null;
    }

    private static long Fnv1a(List<string> words, int start, int count)
    {
        var hash = 14695981039346656037UL;
        for (var w = start; w < start + count; w++)
        {
            if (w > start) hash = (hash ^ ' ') * 1099511628211UL;
            foreach (var c in words[w]) hash = (hash ^ c) * 1099511628211UL;
        }
        return (long)hash;
    }
}
