using System.Text.RegularExpressions;

namespace FactDesk.Api.Documents.Detection;

/// <summary>The parts of an article that are not its body copy: whose claims a desk does not check as the article's own.</summary>
public static class ArticleSections
{
    public const string Body = "body";
    public const string Review = "review";
    public const string Bibliography = "bibliography";
    public const string Related = "related";
    public const string AuthorBio = "author bio";
    public const string Caption = "caption";
    public const string Correction = "correction";
}

/// <summary>
/// The layout of an ingested article, read line by line (plain text or markdown): print furniture (running heads,
/// folios) that interrupts the copy, and the sections that are not the body. Linear in the text's length.
/// </summary>
internal sealed partial class ArticleLayout
{
    private const int MaxHeadingWords = 8;
    private const int MaxRunningHeadWords = 4;

    /// <summary>Lines (UTF-16 spans, without their line break) that are print furniture, not copy.</summary>
    public List<(int Start, int End)> Furniture { get; } = [];

    /// <summary>Spans that are not the body, with their <see cref="ArticleSections"/> kind; in text order.</summary>
    public List<(int Start, int End, string Kind)> Sections { get; } = [];

    public static ArticleLayout Read(string text)
    {
        var layout = new ArticleLayout();
        var lines = Lines(text);
        var shortLineCounts = lines
            .Where(l => l.Words is > 0 and <= MaxRunningHeadWords && !EndsSentence(text, l))
            .GroupBy(l => text[l.Start..l.End].Trim(), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        string? section = null;
        var sectionStart = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Words == 0)
                continue;
            var content = text[line.Start..line.End].Trim();
            var previous = Neighbour(lines, i, -1);
            var next = Neighbour(lines, i, +1);

            if (IsFurniture(text, content, line, previous, next, shortLineCounts))
            {
                layout.Furniture.Add((line.Start, line.End));
                continue;
            }

            var stripped = content.Trim('#', '>', '*', '_', ' ', '\t', '\r');
            // Inside a section that is not the body, only a marked heading ("## ...", "Box: ...") can end it: the
            // short lines of a review or a bibliography (a book's title, a list of links) are part of it.
            var isMarkedHeading = content.StartsWith('#') || BoxHeading().SafeIsMatch(stripped);
            var isHeading = isMarkedHeading ||
                            (section is null && line.Words <= MaxHeadingWords && !EndsSentence(text, line) &&
                             !ListItem().SafeIsMatch(content) &&
                             (i == 0 || lines[i - 1].Words == 0) && IsFollowedByBlank(lines, i));
            if (CaptionLine().SafeIsMatch(stripped))
            {
                layout.Sections.Add((line.Start, line.End, ArticleSections.Caption));
                continue;
            }
            if (InlineSection().SafeMatch(stripped, 0) is { Success: true } inline)
            {
                // "About the author: ..." or "Correction: ..." opens a section on its own line.
                Close(layout, section, sectionStart, line.Start);
                section = KindOf(inline.Groups["name"].Value);
                sectionStart = line.Start;
                continue;
            }
            if (isHeading)
            {
                var kind = KindOf(stripped);
                Close(layout, section, sectionStart, line.Start);
                section = kind;
                sectionStart = line.Start;
            }
        }
        Close(layout, section, sectionStart, text.Length);
        return layout;
    }

    /// <summary>The section kind at a position: <see cref="ArticleSections.Body"/> unless inside a non-body span.</summary>
    public string SectionAt(int position)
    {
        int low = 0, high = Sections.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            var (start, end, kind) = Sections[middle];
            if (position < start) high = middle - 1;
            else if (position >= end) low = middle + 1;
            else return kind;
        }
        return ArticleSections.Body;
    }

    /// <summary>The text with furniture lines blanked (same length, so offsets still hold) for sentence splitting.</summary>
    public string WithoutFurniture(string text)
    {
        if (Furniture.Count == 0)
            return text;
        var chars = text.ToCharArray();
        foreach (var (start, end) in Furniture)
            Array.Fill(chars, ' ', start, end - start);
        return new string(chars);
    }

    private static void Close(ArticleLayout layout, string? section, int start, int end)
    {
        if (section is not null && end > start)
            layout.Sections.Add((start, end, section));
    }

    private static string? KindOf(string heading)
    {
        var match = SectionName().SafeMatch(heading, 0);
        if (!match.Success)
            return null;
        return match.Groups["review"].Success ? ArticleSections.Review
            : match.Groups["bibliography"].Success ? ArticleSections.Bibliography
            : match.Groups["related"].Success ? ArticleSections.Related
            : match.Groups["bio"].Success ? ArticleSections.AuthorBio
            : ArticleSections.Correction;
    }

    /// <summary>
    /// A folio ("The Harbour Ledger | 14 April 2025 | 9", "Page 12") or a running head: a short line that cuts a sentence
    /// (the copy before it runs on, the copy after it starts in lower case) or that repeats between paragraphs.
    /// </summary>
    private static bool IsFurniture(string text, string content, Line line, Line? previous, Line? next, Dictionary<string, int> shortLineCounts)
    {
        if (Folio().SafeIsMatch(content))
            return true;
        if (line.Words > MaxRunningHeadWords || EndsSentence(text, line) || content.StartsWith('#'))
            return false;
        var cutsSentence = previous is { } before && !EndsSentence(text, before) && before.Words > MaxHeadingWords &&
                           next is { } after && char.IsLower(text[after.Start]);
        var repeats = shortLineCounts.TryGetValue(content, out var count) && count > 1;
        return cutsSentence || repeats;
    }

    private static bool EndsSentence(string text, Line line)
    {
        var end = line.End;
        while (end > line.Start && (char.IsWhiteSpace(text[end - 1]) || text[end - 1] is '*' or '_' or '"' or '\'' or '\u201D' or '\u2019' or ')'))
            end--;
        return end > line.Start && text[end - 1] is '.' or '!' or '?' or ':' or ';';
    }

    private static Line? Neighbour(List<Line> lines, int index, int step)
    {
        for (var i = index + step; i >= 0 && i < lines.Count; i += step)
            if (lines[i].Words > 0)
                return lines[i];
        return null;
    }

    private static bool IsFollowedByBlank(List<Line> lines, int index) =>
        index + 1 >= lines.Count || lines[index + 1].Words == 0;

    private readonly record struct Line(int Start, int End, int Words);

    private static List<Line> Lines(string text)
    {
        var lines = new List<Line>();
        var start = 0;
        while (start <= text.Length)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0) end = text.Length;
            var words = 0;
            var inWord = false;
            for (var i = start; i < end; i++)
            {
                var isWordChar = !char.IsWhiteSpace(text[i]);
                if (isWordChar && !inWord) words++;
                inWord = isWordChar;
            }
            lines.Add(new Line(start, end, words));
            start = end + 1;
        }
        return lines;
    }

    [GeneratedRegex(@"^(?:.{0,80}\|\s*(?:p\.?\s*)?\d{1,4}|(?:p\.?|page)\s*\d{1,4}|\d{1,4}\s*\|.{0,80}|\d{1,4})$", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Folio();

    [GeneratedRegex(@"^(?:[-*+\u2022]|\d{1,3}[.)])\s", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex ListItem();

    [GeneratedRegex(@"^(?:box|panel|sidebar|factbox|explainer)\s*:", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex BoxHeading();

    [GeneratedRegex(@"^(?:!\[)?(?:picture\s+|photo\s+|image\s+)?(?:caption|photo(?:graph)?|image|pictured|above|below|illustration)\s*:", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex CaptionLine();

    [GeneratedRegex(@"^(?<name>about\s+the\s+(?:author|writer)s?|corrections?|clarifications?)\s*:", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex InlineSection();

    [GeneratedRegex(@"^(?:(?<review>books?(?:\s*(?:&|and)\s*arts)?|reviews?|review\s*:.*|(?:book|film)\s+reviews?)|(?<bibliography>further\s+reading|bibliography|references|sources|notes|works\s+cited)|(?<related>related(?:\s+\w+)?|read\s+more|see\s+also|more\s+on\s+this(?:\s+story)?|also\s+read|you\s+may\s+also\s+like)|(?<bio>about\s+the\s+(?:author|writer)s?|the\s+authors?|contributors?)|(?<correction>corrections?|clarifications?))\s*:?$", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex SectionName();
}
