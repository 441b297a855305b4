using System.Globalization;
using System.Text;
using FactDesk.Api.Claims;
using FactDesk.Api.Claims.Flagging;
using FactDesk.Api.Documents;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Npgsql;
using static FactDesk.Api.Pages.Html;

namespace FactDesk.Api.Pages;

/// <summary>
/// <c>/documents/{id}</c>: the article with detected candidates and flagged claims highlighted, and forms to flag a
/// candidate (or any quote) as a claim through the FlagClaim slice.
/// </summary>
public sealed class DocumentPage : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/documents/{id}", (string id, HttpContext http, CommandPipeline pipeline) =>
                PageResults.Guard(http, () => RenderAsync(new PageContext(http), EndpointDiscovery.ParseId(id), pipeline.Store, 200)))
            .RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();

        app.MapPost("/documents/{id}/claims", (string id, HttpContext http, CommandPipeline pipeline) => PageResults.Guard(http, async () =>
            {
                if (await PageResults.RefuseForgery(http) is { } refused) return refused;
                var documentId = EndpointDiscovery.ParseId(id);
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                var formName = ClaimPage.V(form, "form") is { } f && f.Length <= 40 && f.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? f : "flag";
                DateTimeOffset? due = null;
                FormOutcome outcome;
                var dueText = ClaimPage.V(form, "dueAt");
                if (dueText is not null && !Timestamps.TryParse(dueText, out _))
                    outcome = FormOutcome.Refused(400, "Correct the fields marked below.", new Dictionary<string, string[]> { ["dueAt"] = ["dueAt must be a date and time."] });
                else
                {
                    if (dueText is not null && Timestamps.TryParse(dueText, out var parsed)) due = parsed;
                    var request = new FlagClaimRequest(ClaimPage.V(form, "quote"), documentId, ClaimPage.V(form, "prefix"), ClaimPage.V(form, "suffix"),
                        ClaimPage.V(form, "reason"), ClaimPage.V(form, "priority"), due, null);
                    outcome = await pipeline.RunForm(http, request, null, (body, context) => FlagClaimEndpoint.Handle(body, context, pipeline), "document");
                }
                return outcome.Succeeded
                    ? PageResults.SeeOther(outcome.Answer!.Location!.Replace("/api/claims/", "/claims/", StringComparison.Ordinal))
                    : await PageResults.BackWithRefusal(http, new FormState(formName, form, outcome, formName == "flag" ? "form-flag" : formName),
                        $"/documents/{documentId}{PageQuery(http)}", page => RenderAsync(page, documentId, pipeline.Store, outcome.Status));
            }))
            .RequireAuthorization(PagePolicies.Flag).ExcludeFromDescription();
    }

    /// <summary>The page of the text the form was posted from, so a refusal lands back on it.</summary>
    private static string PageQuery(HttpContext http) =>
        int.TryParse(http.Request.Query["page"], out var number) && number > 1 ? $"?page={number}" : "";

    /// <summary>Characters of article text shown per page: a megabyte of text is a hundred pages, not one 4 MB page.</summary>
    public const int TextPageLength = 8_000;

    /// <summary>
    /// Cards (each with its flag form) shown for one page of text. An article has a few dozen candidates a page; a text
    /// made of nothing but figures would otherwise render hundreds of forms and a page of megabytes.
    /// </summary>
    public const int CandidateCardsPerPage = 150;

    /// <summary>Where each page of the text starts: about <see cref="TextPageLength"/> characters, ending at a line break where one is near.</summary>
    public static List<int> PageStarts(string text)
    {
        var starts = new List<int> { 0 };
        var at = 0;
        while (text.Length - at > TextPageLength)
        {
            var from = at + TextPageLength;
            var lineBreak = text.IndexOf('\n', from, Math.Min(2_000, text.Length - from));
            var end = lineBreak >= 0 ? lineBreak + 1 : from;
            if (end >= text.Length) break;
            if (char.IsLowSurrogate(text[end])) end--;
            starts.Add(at = end);
        }
        return starts;
    }

    /// <summary>Below this many cards on a page of text every group of cards starts open; above it they start collapsed.</summary>
    public const int OpenCardsUpTo = 8;

    private static async Task<IResult> RenderAsync(PageContext page, Guid id, TamperEvidentLog store, int status)
    {
        var ct = page.Http.RequestAborted;
        var (document, version, _) = await Reads.LoadAsync<Document>(store, id, "document", null, null, ct);
        var flagged = await FlaggedClaimsAsync(store, id, ct);
        var query = page.Http.Request.Query;

        var starts = PageStarts(document.Text);
        var pageNumber = int.TryParse(query["page"], out var asked) ? Math.Clamp(asked, 1, starts.Count) : 1;
        var pageStart = starts[pageNumber - 1];
        var pageEnd = pageNumber < starts.Count ? starts[pageNumber] : document.Text.Length;
        bool OnPage(int start, int end) => start < pageEnd && end > pageStart;

        // The filter: one kind of value, and whether parts that are not the article (reviews, boxes) are listed too.
        var kinds = document.Candidates.Select(c => c.Kind).Distinct().Order(StringComparer.Ordinal).ToList();
        var kind = query["kind"].ToString() is { Length: > 0 } k && kinds.Contains(k) ? k : null;
        var showNotArticle = query["parts"].ToString() == "all";

        var codePoints = new Documents.Detection.CodePointText(document.Text);
        var allCards = Documents.Detection.SentenceCard.FromCandidates(document.Candidates);
        var cardsHere = new List<(int Number, Documents.Detection.SentenceCard Card, int Start, int End)>();
        var hiddenNotArticle = 0;
        for (var i = 0; i < allCards.Count; i++)
        {
            var card = allCards[i];
            var (start, end) = (codePoints.ToUtf16(card.Start), codePoints.ToUtf16(card.End));
            if (!OnPage(start, end)) continue;
            if (kind is not null && !card.Values.Any(v => v.Kind == kind)) continue;
            if (card.Withheld && !showNotArticle) { hiddenNotArticle++; continue; }
            cardsHere.Add((i + 1, card, start, end));
        }

        var highlights = new List<Highlight>();
        foreach (var (claimId, quote) in flagged)
            if (ArticleRendering.Find(document.Text, quote) is { } span && OnPage(span.Start, span.End))
                highlights.Add(new Highlight(span.Start, span.End, "flagged", $"/claims/{claimId}", "Flagged claim"));
        var listed = cardsHere.Take(CandidateCardsPerPage).ToList();
        foreach (var (number, card, start, end) in listed)
            highlights.Add(new Highlight(start, end, "candidate", $"#candidate-{number}",
                $"Candidate {number}: {string.Join("; ", card.Values.Select(v => $"{v.Kind} {v.Expression}"))}", $"at-candidate-{number}"));
        // A highlight crossing a page edge is cut there; offsets become the page's own.
        var onThisPage = highlights.Select(h => h with { Start = Math.Max(h.Start, pageStart) - pageStart, End = Math.Min(h.End, pageEnd) - pageStart });

        var layout = Documents.Detection.ArticleLayout.Read(document.Text);
        string? NotArticle(int position) => layout.SectionAt(pageStart + position) is var part && part != Documents.Detection.ArticleSections.Body ? part : null;
        var article = ArticleRendering.WithHighlights(document.Text[pageStart..pageEnd], onThisPage, NotArticle, out var headings);

        var body = new StringBuilder();
        body.Append($"<p class=\"meta\"><strong>{T(document.Title)}</strong>")
            .Append(document.Outlet is null ? "" : $" · {T(document.Outlet)}").Append(document.Author is null ? "" : $" · {T(document.Author)}")
            .Append($" · {E(document.PublishedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}")
            .Append(document.Url is null ? "" : " · " + OutsideLink(document.Url, "original"))
            .Append(document.DuplicateOf is { } original ? $" · copy of <a href=\"/documents/{original}\">an earlier document</a>" : "")
            .Append($" · version {version}</p>");
        if (document.NotScannedFrom is { } notScanned)
            body.Append($"<p class=\"notice\" role=\"status\">Claim detection ran out of time at character {notScanned:N0} of {codePoints.ToCodePoint(document.Text.Length):N0}: " +
                        "candidates after it were not looked for. Flag claims there by hand.</p>");

        // Jump links: the article's headings on this page, the candidate list, and the form for any other quote.
        body.Append("<nav class=\"jump\" aria-label=\"On this page\"><ul>");
        foreach (var heading in headings) body.Append($"<li><a href=\"#{E(heading.Id)}\">{T(QueuePage.Shorten(heading.Text, 60))}</a></li>");
        body.Append($"<li><a href=\"#cand-h\">Candidates ({cardsHere.Count})</a></li><li><a href=\"#flagged-h\">Flagged claims ({flagged.Count})</a></li>");
        if (page.May(Roles.Tool, Roles.Editor, Roles.SeniorEditor)) body.Append("<li><a href=\"#flag-h\">Flag another quote</a></li>");
        body.Append("</ul></nav>");

        string PagerAt(string where) => starts.Count == 1 ? "" : Pager(id, pageNumber, starts.Count, FilterQuery(kind, showNotArticle), where);
        body.Append("<p class=\"legend\"><mark class=\"flagged\">flagged claim</mark> <mark class=\"candidate\">detected candidate</mark></p>")
            .Append(PagerAt("above the text"))
            .Append("<div class=\"document-layout\"><article aria-label=\"Article text\">").Append(article)
            .Append(PagerAt("below the text")).Append("</article><aside aria-label=\"Claims in this article\">");

        body.Append("<section aria-labelledby=\"flagged-h\"><h2 id=\"flagged-h\">Flagged claims</h2>");
        if (flagged.Count == 0) body.Append("<p class=\"muted\">None yet.</p>");
        else
        {
            body.Append("<ul>");
            foreach (var (claimId, quote) in flagged) body.Append($"<li><a href=\"/claims/{claimId}\">{T(QueuePage.Shorten(quote, 160))}</a></li>");
            body.Append("</ul>");
        }
        body.Append("</section>");

        body.Append("<section aria-labelledby=\"cand-h\"><h2 id=\"cand-h\">Detected candidates</h2>");
        body.Append(CandidateFilter(id, pageNumber, kinds, kind, showNotArticle));
        if (allCards.Count == 0) body.Append("<p class=\"muted\">Detection found no check-worthy sentences.</p>");
        else if (cardsHere.Count == 0) body.Append("<p class=\"muted\">None on this page.</p>");
        if (hiddenNotArticle > 0)
            body.Append($"<p class=\"muted\">{hiddenNotArticle} more on this page in parts that are not the article's own copy (reviews, boxes, captions): " +
                        $"<a href=\"/documents/{id}{FilterQuery(kind, true, pageNumber)}#cand-h\">list them too</a>.</p>");
        if (cardsHere.Count > CandidateCardsPerPage)
            body.Append($"<p class=\"notice\">This page of the text holds {cardsHere.Count} candidates; the first {CandidateCardsPerPage} are listed here, the rest are highlighted in the text only.</p>");
        body.Append(CandidateGroups(page, id, pageNumber, listed, headings, pageStart, flagged));
        body.Append("</section>");

        if (page.May(Roles.Tool, Roles.Editor, Roles.SeniorEditor))
            body.Append("<section aria-labelledby=\"flag-h\"><h2 id=\"flag-h\">Flag another quote</h2>")
                .Append($"<form method=\"post\" action=\"/documents/{id}/claims\" class=\"action card\" id=\"form-flag\">{page.Refusal("flag")}{page.AntiforgeryField()}")
                .Append("<input type=\"hidden\" name=\"form\" value=\"flag\">")
                .Append(page.TextField("flag", "quote", "Exact words of the article", required: true, area: true))
                .Append(page.TextField("flag", "reason", "Why check it", required: true))
                .Append(page.SelectField("flag", "priority", "Priority", EnumNames<Priority>.All, "normal"))
                .Append(page.TextField("flag", "dueAt", "Due", type: "datetime-local"))
                .Append("<button type=\"submit\">Flag as claim</button></form></section>");
        body.Append("</aside></div>");
        return PageResults.Page(page, "Document", body.ToString(), status);
    }

    private static string FilterQuery(string? kind, bool showNotArticle, int? pageNumber = null)
    {
        var parts = new List<string>();
        if (pageNumber is > 1) parts.Add($"page={pageNumber}");
        if (kind is not null) parts.Add($"kind={Uri.EscapeDataString(kind)}");
        if (showNotArticle) parts.Add("parts=all");
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    private static string CandidateFilter(Guid id, int pageNumber, List<string> kinds, string? kind, bool showNotArticle) =>
        $"<form method=\"get\" action=\"/documents/{id}#cand-h\" class=\"inline-form candidate-filter\">" +
        (pageNumber > 1 ? $"<input type=\"hidden\" name=\"page\" value=\"{pageNumber}\">" : "") +
        $"<div class=\"field\"><label for=\"filter-kind\">Values of kind</label><select id=\"filter-kind\" name=\"kind\">{Options(kinds, kind, "any")}</select></div>" +
        $"<label class=\"check\"><input type=\"checkbox\" name=\"parts\" value=\"all\"{(showNotArticle ? " checked" : "")}> Include reviews, boxes and other parts that are not the article</label>" +
        "<button type=\"submit\">Filter candidates</button></form>";

    /// <summary>
    /// One card per sentence, grouped under the article's heading above it; each group is a disclosure, open when the page
    /// has few cards (or holds the form that was just refused), so a long article's list starts as a list of headings.
    /// </summary>
    private static string CandidateGroups(PageContext page, Guid id, int pageNumber, List<(int Number, Documents.Detection.SentenceCard Card, int Start, int End)> cards,
        IReadOnlyList<ArticleHeading> headings, int pageStart, List<(Guid Id, string Quote)> flagged)
    {
        var mayFlag = page.May(Roles.Tool, Roles.Editor, Roles.SeniorEditor);
        var html = new StringBuilder();
        var groups = cards.GroupBy(c => headings.LastOrDefault(h => h.Start <= c.Start - pageStart)).ToList();
        foreach (var group in groups)
        {
            var refusedHere = group.Any(c => page.Failed?.Form == $"candidate-{c.Number}");
            var open = cards.Count <= OpenCardsUpTo || refusedHere ? " open" : "";
            var name = group.Key is null ? (pageNumber == 1 ? "Opening" : "Top of this page") : QueuePage.Shorten(group.Key.Text, 80);
            html.Append($"<details class=\"card-group\"{open}><summary>{T(name)} <span class=\"muted\">— {group.Count()} candidate{(group.Count() == 1 ? "" : "s")}</span></summary>");
            foreach (var (number, card, _, _) in group)
            {
                var form = $"candidate-{number}";
                html.Append($"<div class=\"candidate card{(card.Withheld ? " not-article" : "")}\" id=\"{E(form)}\">");
                if (card.Withheld)
                    html.Append($"<p class=\"not-article-label\">{E(card.Section)}: not the article's own copy</p>");
                html.Append($"<p><q>{T(card.Quote)}</q></p><ul class=\"values\" aria-label=\"Values in this sentence\">");
                foreach (var value in card.Values)
                    html.Append($"<li><span class=\"badge\">{E(value.Kind)}</span> {T(value.Expression)}</li>");
                html.Append("</ul>")
                    .Append($"<p class=\"muted\">score {E(card.Score.ToString("0.00", CultureInfo.InvariantCulture))} · <a href=\"#at-candidate-{number}\">show in the text</a></p>");
                if (flagged.FirstOrDefault(f => f.Quote == card.Quote) is { Quote: not null } already)
                    html.Append($"<p><a href=\"/claims/{already.Id}\">Flagged as a claim</a></p>");
                else if (mayFlag)
                    html.Append($"<form method=\"post\" action=\"/documents/{id}/claims{(pageNumber > 1 ? $"?page={pageNumber}" : "")}\" class=\"action\">{page.Refusal(form)}{page.AntiforgeryField()}")
                        .Append($"<input type=\"hidden\" name=\"form\" value=\"{E(form)}\"><input type=\"hidden\" name=\"quote\" value=\"{E(card.Quote)}\">")
                        .Append($"<input type=\"hidden\" name=\"prefix\" value=\"{E(card.Prefix)}\"><input type=\"hidden\" name=\"suffix\" value=\"{E(card.Suffix)}\">")
                        .Append(page.TextField(form, "reason", "Why check it", "Check " + string.Join("; ", card.Values.Select(v => $"the {v.Kind} {v.Expression}")), required: true))
                        .Append(page.SelectField(form, "priority", "Priority", EnumNames<Priority>.All, "normal"))
                        .Append("<button type=\"submit\">Flag as claim</button></form>");
                html.Append("</div>");
            }
            html.Append("</details>");
        }
        return html.ToString();
    }

    private static string Pager(Guid id, int current, int count, string filter, string where)
    {
        var and = filter.Length == 0 ? "" : "&" + filter.TrimStart('?');
        return $"<nav class=\"pager\" aria-label=\"Pages of the article, {where}\"><p>Page {current} of {count}" +
               (current > 1 ? $" · <a href=\"/documents/{id}?page={current - 1}{E(and)}\" rel=\"prev\">previous</a>" : "") +
               (current < count ? $" · <a href=\"/documents/{id}?page={current + 1}{E(and)}\" rel=\"next\">next</a>" : "") + "</p></nav>";
    }

    private static async Task<List<(Guid Id, string Quote)>> FlaggedClaimsAsync(TamperEvidentLog store, Guid documentId, CancellationToken ct)
    {
        var found = new List<(Guid, string)>();
        await using var cmd = store.DataSource.CreateCommand(
            $"select claim_id, quote from {StoreSetup.Schema}.document_claims where document_id = $1 order by flagged_at, claim_id");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = documentId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) found.Add((reader.GetGuid(0), reader.GetString(1)));
        return found;
    }
}
