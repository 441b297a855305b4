using System.Text;
using FactDesk.Api.Documents;
using FactDesk.Api.Documents.Detection;
using FactDesk.TamperEvidence;
using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Renderers.Html.Inlines;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using static FactDesk.Api.Pages.Html;

namespace FactDesk.Api.Pages;

/// <summary>A highlighted stretch of an article: UTF-16 offsets, the CSS class, where it links, and the id of its first mark.</summary>
public sealed record Highlight(int Start, int End, string Class, string? Href, string? Title, string? Id = null);

/// <summary>A heading of the rendered article, for the jump links above it.</summary>
public sealed record ArticleHeading(string Id, string Text, int Start);

/// <summary>
/// Shows article text as the article: its markdown rendered by Markdig with raw HTML off and only http(s)/mailto links
/// kept, and quotes marked inside it. Highlights are offsets in the plain text (where detection and quote matching work),
/// and Markdig's precise source locations say where each piece of rendered text came from, so a mark lands on the same
/// words whatever emphasis or links surround them. Detection speaks code points; .NET strings index UTF-16.
/// </summary>
public static class ArticleRendering
{
    private static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().DisableHtml().UsePreciseSourceLocation().Build();

    /// <summary>How far the article's own headings are pushed down, so they sit below the page's h1 and h2.</summary>
    private const int HeadingShift = 2;

    public static int ToUtf16(string text, int codePoint)
    {
        var index = 0;
        for (var seen = 0; seen < codePoint && index < text.Length; seen++)
            index += char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;
        return index;
    }

    /// <summary>UTF-16 span of the quote in the text (typesetting differences ignored), or null.</summary>
    public static (int Start, int End)? Find(string text, string quote) =>
        QuoteMatching.FindQuote(text, quote) is { } span ? (ToUtf16(text, span.Start), ToUtf16(text, span.End)) : null;

    /// <summary>The paragraph (blank-line separated) holding the span, rendered, with the quote marked.</summary>
    public static string Paragraph(string text, int start, int end)
    {
        var from = text.LastIndexOf("\n\n", Math.Max(0, start - 1), StringComparison.Ordinal);
        from = from < 0 ? 0 : from + 2;
        var to = text.IndexOf("\n\n", end, StringComparison.Ordinal);
        if (to < 0) to = text.Length;
        var paragraph = Render(text[from..to], [new Highlight(start - from, end - from, "", null, null)], _ => null, out _);
        return $"<blockquote class=\"in-article\" dir=\"auto\">{paragraph}</blockquote>";
    }

    /// <summary>
    /// A page of the text, rendered, with highlights. Highlights cannot nest, so where two overlap the one given first wins
    /// (flagged claims are given before candidates). <paramref name="sectionAt"/> names the part of the article a position
    /// (in <paramref name="text"/>) is in when it is not the article's own copy (a review, a box), or null.
    /// </summary>
    public static string WithHighlights(string text, IEnumerable<Highlight> highlights, Func<int, string?> sectionAt, out IReadOnlyList<ArticleHeading> headings) =>
        $"<div class=\"article-text\" dir=\"auto\">{Render(text, highlights, sectionAt, out headings)}</div>";

    public static string WithHighlights(string text, IEnumerable<Highlight> highlights) => WithHighlights(text, highlights, _ => null, out _);

    private static string Render(string text, IEnumerable<Highlight> highlights, Func<int, string?> sectionAt, out IReadOnlyList<ArticleHeading> headings)
    {
        var placed = Place(highlights, text.Length);
        try { return RenderMarkdown(text, placed, sectionAt, out headings); }
        catch (ArgumentException)
        {
            // Markdig refuses markup nested past its depth limit (thousands of '>' or '*'), parsing or rendering: such a
            // text is shown as plain paragraphs.
            headings = [];
            return PlainParagraphs(text, placed);
        }
    }

    /// <summary>The highlights that can be shown: inside the text, non-empty, and not overlapping one given earlier.</summary>
    private static List<Highlight> Place(IEnumerable<Highlight> highlights, int length)
    {
        var placed = new List<Highlight>();
        foreach (var h in highlights.Where(h => h.Start >= 0 && h.End <= length && h.Start < h.End))
            if (!placed.Any(p => h.Start < p.End && p.Start < h.End)) placed.Add(h);
        placed.Sort((a, b) => a.Start.CompareTo(b.Start));
        return placed;
    }

    private static string RenderMarkdown(string text, List<Highlight> placed, Func<int, string?> sectionAt, out IReadOnlyList<ArticleHeading> headings)
    {
        var document = Markdig.Markdown.Parse(text, Markdown);
        headings = PrepareHeadings(document);
        MakeLinksSafe(document);

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Markdown.Setup(renderer);
        renderer.ObjectRenderers.Replace<LiteralInlineRenderer>(new MarkedLiteralRenderer(text, placed));
        if (renderer.ObjectRenderers.FindExact<LinkInlineRenderer>() is { } links) links.Rel = "noopener noreferrer nofollow";
        if (renderer.ObjectRenderers.FindExact<AutolinkInlineRenderer>() is { } autolinks) autolinks.Rel = "noopener noreferrer nofollow";

        // Consecutive top-level blocks in a part that is not the article are wrapped and labelled as such.
        string? open = null;
        foreach (var block in document.ToList())
        {
            var section = sectionAt(block.Span.Start);
            if (section != open)
            {
                if (open is not null) writer.Write("</section>");
                if (section is not null)
                    writer.Write($"<section class=\"not-article\" aria-label=\"{E(Capitalised(section))}, not the article's own copy\">" +
                                 $"<p class=\"not-article-label\">{E(Capitalised(section))}: not the article's own copy</p>");
                open = section;
            }
            renderer.Render(block);
        }
        if (open is not null) writer.Write("</section>");
        writer.Flush();
        return writer.ToString();
    }

    /// <summary>The text as paragraphs (blank-line separated) and line breaks, no markup read, with the same marks.</summary>
    private static string PlainParagraphs(string text, List<Highlight> placed)
    {
        var marks = new MarkedLiteralRenderer(text, placed);
        var html = new StringBuilder("<p class=\"notice\">This text nests its formatting too deeply to be read as markdown; it is shown as plain text.</p>");
        var at = 0;
        while (at < text.Length)
        {
            var end = text.IndexOf("\n\n", at, StringComparison.Ordinal);
            if (end < 0) end = text.Length;
            if (text.AsSpan(at, end - at).Trim().Length > 0)
                html.Append("<p>").Append(marks.Marked(at, end).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
            at = end + 2;
        }
        return html.ToString();
    }

    private static string Capitalised(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>Pushes headings below the page's own and gives each an id for the jump links.</summary>
    private static List<ArticleHeading> PrepareHeadings(MarkdownDocument document)
    {
        var found = new List<ArticleHeading>();
        foreach (var heading in document.Descendants<HeadingBlock>())
        {
            heading.Level = Math.Min(6, heading.Level + HeadingShift);
            var id = $"section-{heading.Span.Start}";
            heading.GetAttributes().Id = id;
            var words = string.Concat(heading.Inline?.Descendants<LiteralInline>().Select(l => l.Content.ToString()) ?? []);
            if (words.Trim().Length > 0) found.Add(new ArticleHeading(id, words.Trim(), heading.Span.Start));
        }
        return found;
    }

    /// <summary>
    /// Keeps links to http(s) and mailto only; any other link (javascript:, a path into FactDesk) and every image (the
    /// content policy would block it, and an article's picture is not the desk's to fetch) becomes its plain text.
    /// </summary>
    private static void MakeLinksSafe(MarkdownDocument document)
    {
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (!link.IsImage && IsSafe(link.Url)) continue;
            var children = link.ToList();
            foreach (var child in children)
            {
                child.Remove();
                link.InsertBefore(child);
            }
            link.Remove();
        }
        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (!autolink.IsEmail && IsSafe(autolink.Url)) continue;
            autolink.ReplaceBy(new LiteralInline(autolink.Url) { Span = autolink.Span });
        }
    }

    private static bool IsSafe(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "mailto";

    /// <summary>
    /// Writes each run of text with the highlights that cover it. A highlight crossing emphasis or a link becomes one mark
    /// per run; only its first run carries its id. Bidi controls stay inside a <c>bdi</c>, so they cannot reorder the page.
    /// </summary>
    private sealed class MarkedLiteralRenderer(string source, List<Highlight> highlights) : HtmlObjectRenderer<LiteralInline>
    {
        private readonly HashSet<Highlight> _started = [];

        protected override void Write(HtmlRenderer renderer, LiteralInline literal)
        {
            var content = literal.Content.ToString();
            var start = literal.Span.Start;
            // Only a literal that is a verbatim slice of the source can be cut by offsets (an escape such as \* is not).
            if (literal.Span.IsEmpty || start < 0 || start + content.Length > source.Length
                || string.CompareOrdinal(source, start, content, 0, content.Length) != 0)
            {
                var around = highlights.FirstOrDefault(h => !literal.Span.IsEmpty && h.Start <= literal.Span.Start && literal.Span.End < h.End);
                renderer.Write(around is null ? Isolated(content) : Mark(around, content, InsideLink(literal)));
                return;
            }
            renderer.Write(Marked(start, start + content.Length, InsideLink(literal)));
        }

        /// <summary>The source from <paramref name="start"/> to <paramref name="end"/>, encoded, with the highlights over it marked.</summary>
        public string Marked(int start, int end, bool insideLink = false)
        {
            var html = new StringBuilder();
            var at = start;
            foreach (var h in highlights)
            {
                if (h.End <= at) continue;
                if (h.Start >= end) break;
                var from = Math.Max(h.Start, at);
                var to = Math.Min(h.End, end);
                if (from > at) html.Append(Isolated(source[at..from]));
                html.Append(Mark(h, source[from..to], insideLink));
                at = to;
            }
            if (at < end) html.Append(Isolated(source[at..end]));
            return html.ToString();
        }

        private string Mark(Highlight h, string text, bool insideLink)
        {
            var id = h.Id is not null && _started.Add(h) ? $" id=\"{E(h.Id)}\"" : "";
            var cls = h.Class.Length == 0 ? "" : $" class=\"{E(h.Class)}\"";
            var title = h.Title is null ? "" : $" title=\"{E(h.Title)}\"";
            var mark = $"<mark{cls}{id} dir=\"auto\"{title}>{E(text)}</mark>";
            // A link inside the article's own link would nest anchors: there the mark stays plain.
            return h.Href is null || insideLink ? mark : $"<a class=\"mark-link\" href=\"{E(h.Href)}\">{mark}</a>";
        }

        private static bool InsideLink(Inline inline)
        {
            for (var parent = inline.Parent; parent is not null; parent = parent.Parent)
                if (parent is LinkInline) return true;
            return false;
        }
    }

    /// <summary>Encoded text; inside a <c>bdi</c> when it holds a bidi control, so the control cannot leak past it.</summary>
    public static string Isolated(string text) =>
        text.Any(c => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C') ? T(text) : E(text);

    /// <summary>The claim's document, and failing a match there, the original it is a copy of (where the quote was checked).</summary>
    public static async Task<(Document Document, (int Start, int End)? Span)?> LocateAsync(TamperEvidentLog store, Guid documentId, string quote, CancellationToken ct)
    {
        if (StateFolder<Document>.Instance.Fold(await store.ReadStreamAsync(documentId, ct: ct)) is not { } document) return null;
        if (Find(document.Text, quote) is { } span) return (document, span);
        if (document.DuplicateOf is { } original
            && StateFolder<Document>.Instance.Fold(await store.ReadStreamAsync(original, ct: ct)) is { } copy
            && Find(copy.Text, quote) is { } inCopy)
            return (copy, inCopy);
        return (document, null);
    }
}
