using System.Text;
using FactDesk.Api.Documents;
using FactDesk.Api.Documents.Detection;
using FactDesk.EventStore;
using static FactDesk.Api.Pages.Html;

namespace FactDesk.Api.Pages;

/// <summary>A highlighted stretch of an article: UTF-16 offsets, the CSS class, and where it links.</summary>
public sealed record Highlight(int Start, int End, string Class, string? Href, string? Title);

/// <summary>Shows article text with quotes marked. Detection speaks code points (for other runtimes); .NET strings index UTF-16.</summary>
public static class ArticleRendering
{
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

    /// <summary>The paragraph (blank-line separated) holding the span, with the quote in a mark.</summary>
    public static string Paragraph(string text, int start, int end)
    {
        var from = text.LastIndexOf("\n\n", Math.Max(0, start - 1), StringComparison.Ordinal);
        from = from < 0 ? 0 : from + 2;
        var to = text.IndexOf("\n\n", end, StringComparison.Ordinal);
        if (to < 0) to = text.Length;
        return $"<blockquote class=\"in-article\"><p dir=\"auto\">{T(text[from..start].TrimStart())}<mark dir=\"auto\">{E(text[start..end])}</mark>{T(text[end..to].TrimEnd())}</p></blockquote>";
    }

    /// <summary>
    /// The whole text with highlights, line breaks kept by CSS. Highlights cannot nest, so where two overlap the one given
    /// first wins (flagged claims are given before candidates).
    /// </summary>
    public static string WithHighlights(string text, IEnumerable<Highlight> highlights)
    {
        var placed = new List<Highlight>();
        foreach (var h in highlights.Where(h => h.Start >= 0 && h.End <= text.Length && h.Start < h.End))
            if (!placed.Any(p => h.Start < p.End && p.Start < h.End)) placed.Add(h);
        var html = new StringBuilder("<div class=\"article-text\" dir=\"auto\">");
        var at = 0;
        foreach (var h in placed.OrderBy(h => h.Start))
        {
            html.Append(T(text[at..h.Start]));
            var title = h.Title is null ? "" : $" title=\"{E(h.Title)}\"";
            html.Append(h.Href is null
                ? $"<mark class=\"{E(h.Class)}\" dir=\"auto\"{title}>{E(text[h.Start..h.End])}</mark>"
                : $"<a class=\"mark-link\" href=\"{E(h.Href)}\"><mark class=\"{E(h.Class)}\" dir=\"auto\"{title}>{E(text[h.Start..h.End])}</mark></a>");
            at = h.End;
        }
        return html.Append(T(text[at..])).Append("</div>").ToString();
    }

    /// <summary>The claim's document, and failing a match there, the original it is a copy of (where the quote was checked).</summary>
    public static async Task<(Document Document, (int Start, int End)? Span)?> LocateAsync(PostgresEventStore store, Guid documentId, string quote, CancellationToken ct)
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
