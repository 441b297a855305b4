using System.Text.RegularExpressions;

namespace FactDesk.Api.Documents.Detection;

/// <summary>Sentence boundaries and page furniture of an ingested article (plain text or markdown).</summary>
internal static partial class ArticleText
{
    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "dr", "prof", "st", "univ", "dept", "inc", "corp", "ltd", "co", "no", "vs", "approx",
        "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
        "oct", "nov", "dec", "gov", "gen", "sen", "rep", "jr", "sr", "fig", "al", "et al",
    };

    /// <summary>Spans (UTF-16) that are markup rather than copy: inline images (any namespace prefix), data URIs, links, e-mail addresses.</summary>
    public static List<(int Start, int End)> Furniture(string text) =>
        FurnitureMarkup().SafeMatches(text).Select(m => (m.Index, m.Index + m.Length)).ToList();

    /// <summary>Sentence spans (UTF-16), trimmed of surrounding whitespace and list bullets.</summary>
    public static List<(int Start, int End)> Sentences(string text)
    {
        var sentences = new List<(int Start, int End)>();
        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is '.' or '!' or '?')
            {
                var end = i + 1;
                while (end < text.Length && text[end] is '"' or '\'' or '\u201D' or '\u2019' or ')' or ']' or '*')
                    end++;
                if (end == text.Length || char.IsWhiteSpace(text[end]))
                {
                    var next = SkipWhitespace(text, end);
                    var crossesLine = text.AsSpan(end, next - end).Contains('\n');
                    if (next == text.Length || crossesLine ||
                        (!char.IsLower(text[next]) && !IsAbbreviation(text, i)))
                    {
                        Add(sentences, text, start, end);
                        start = end;
                    }
                }
                i = end;
                continue;
            }

            if (c == '\n')
            {
                var next = SkipWhitespace(text, i);
                var previous = i - 1;
                while (previous >= start && char.IsWhiteSpace(text[previous]))
                    previous--;
                // Page breaks in print-derived copy split sentences; a lower-case or numeric continuation is the same sentence.
                var continues = next < text.Length && previous >= start &&
                                text[previous] is not (':' or ';') &&
                                (char.IsLower(text[next]) || char.IsDigit(text[next]));
                if (!continues)
                {
                    Add(sentences, text, start, i);
                    start = i;
                }
                i = next;
                continue;
            }
            i++;
        }
        Add(sentences, text, start, text.Length);
        return sentences;
    }

    private static int SkipWhitespace(string text, int index)
    {
        while (index < text.Length && char.IsWhiteSpace(text[index]))
            index++;
        return index;
    }

    private static bool IsAbbreviation(string text, int periodIndex)
    {
        var wordStart = periodIndex;
        while (wordStart > 0 && (char.IsLetter(text[wordStart - 1]) || text[wordStart - 1] == '.'))
            wordStart--;
        var word = text[wordStart..periodIndex];
        return word.Length == 1 && char.IsUpper(word[0]) || Abbreviations.Contains(word);
    }

    private static void Add(List<(int Start, int End)> sentences, string text, int start, int end)
    {
        while (start < end && (char.IsWhiteSpace(text[start]) ||
                               (text[start] is '-' or '*' or '\u2022' && start + 1 < end && text[start + 1] == ' ')))
            start++;
        while (end > start && char.IsWhiteSpace(text[end - 1]))
            end--;
        if (end > start)
            sentences.Add((start, end));
    }

    // Each alternative stops its scan where the next attempt would begin, so no stretch of text is re-read from every
    // starting position (1 MiB of "a" took minutes when the e-mail branch could start inside a word):
    // an element's body stops at the next opening tag of its kind, tags and image links at the next "<", "[" or "(",
    // and an e-mail address starts only where a run of address characters starts.
    [GeneratedRegex(@"<(?:[\w-]+:)?(?<tag>image|img|figure)\b[^<>]*>(?:(?!<(?:[\w-]+:)?\k<tag>\b).)*?</(?:[\w-]+:)?(?:image|img|figure)>|<img\b[^<>]*>|!\[[^\[\]\n]*\]\([^()\n]*\)|\bdata:[^\s""')]+|https?://[^\s)>\]]+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
        RegexOptions.Singleline | RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex FurnitureMarkup();
}
