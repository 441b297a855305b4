using System.Globalization;
using System.Text;
using FactDesk.Api.Claims;
using FactDesk.Api.Claims.Flagging;
using FactDesk.Api.Documents;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.EventStore;
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
                if (ClaimPage.V(form, "dueAt") is { } d && !DateTimeOffset.TryParse(d, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                    outcome = FormOutcome.Refused(400, "Correct the fields marked below.", new Dictionary<string, string[]> { ["dueAt"] = ["dueAt must be a date and time."] });
                else
                {
                    if (ClaimPage.V(form, "dueAt") is { } given) due = DateTimeOffset.Parse(given, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                    var request = new FlagClaimRequest(ClaimPage.V(form, "quote"), documentId, ClaimPage.V(form, "prefix"), ClaimPage.V(form, "suffix"),
                        ClaimPage.V(form, "reason"), ClaimPage.V(form, "priority"), due, null);
                    outcome = await pipeline.RunForm(http, request, null, (body, context) => FlagClaimEndpoint.Handle(body, context, pipeline), "document");
                }
                return outcome.Succeeded
                    ? PageResults.SeeOther(outcome.Answer!.Location!.Replace("/api/claims/", "/claims/", StringComparison.Ordinal))
                    : await RenderAsync(new PageContext(http, new FormState(formName, form, outcome)), documentId, pipeline.Store, outcome.Status);
            }))
            .RequireAuthorization(PagePolicies.Flag).ExcludeFromDescription();
    }

    private static async Task<IResult> RenderAsync(PageContext page, Guid id, PostgresEventStore store, int status)
    {
        var ct = page.Http.RequestAborted;
        var (document, version, _) = await Reads.LoadAsync<Document>(store, id, "document", null, null, ct);
        var flagged = await FlaggedClaimsAsync(store, id, ct);
        var highlights = new List<Highlight>();
        foreach (var (claimId, quote) in flagged)
            if (ArticleRendering.Find(document.Text, quote) is { } span)
                highlights.Add(new Highlight(span.Start, span.End, "flagged", $"/claims/{claimId}", "Flagged claim"));
        for (var i = 0; i < document.OfferedCandidates.Count; i++)
        {
            var c = document.OfferedCandidates[i];
            highlights.Add(new Highlight(ArticleRendering.ToUtf16(document.Text, c.Start), ArticleRendering.ToUtf16(document.Text, c.End), "candidate",
                $"#candidate-{i + 1}", $"Candidate: {c.Kind} {c.Expression}"));
        }

        var body = new StringBuilder();
        body.Append($"<p class=\"meta\"><strong>{E(document.Title)}</strong>")
            .Append(document.Outlet is null ? "" : $" · {E(document.Outlet)}").Append(document.Author is null ? "" : $" · {E(document.Author)}")
            .Append($" · {E(document.PublishedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}")
            .Append(document.Url is null ? "" : " · " + OutsideLink(document.Url, "original"))
            .Append(document.DuplicateOf is { } original ? $" · copy of <a href=\"/documents/{original}\">an earlier document</a>" : "")
            .Append($" · version {version}</p>")
            .Append("<p class=\"legend\"><mark class=\"flagged\">flagged claim</mark> <mark class=\"candidate\">detected candidate</mark></p>")
            .Append("<div class=\"document-layout\"><article aria-label=\"Article text\">").Append(ArticleRendering.WithHighlights(document.Text, highlights)).Append("</article><aside>");

        body.Append("<section aria-labelledby=\"flagged-h\"><h2 id=\"flagged-h\">Flagged claims</h2>");
        if (flagged.Count == 0) body.Append("<p class=\"muted\">None yet.</p>");
        else
        {
            body.Append("<ul>");
            foreach (var (claimId, quote) in flagged) body.Append($"<li><a href=\"/claims/{claimId}\">{E(QueuePage.Shorten(quote, 160))}</a></li>");
            body.Append("</ul>");
        }
        body.Append("</section>");

        var mayFlag = page.May(Roles.Tool, Roles.Editor, Roles.SeniorEditor);
        body.Append("<section aria-labelledby=\"cand-h\"><h2 id=\"cand-h\">Detected candidates</h2>");
        if (document.OfferedCandidates.Count == 0) body.Append("<p class=\"muted\">Detection found no check-worthy sentences.</p>");
        for (var i = 0; i < document.OfferedCandidates.Count; i++)
        {
            var c = document.OfferedCandidates[i];
            var form = $"candidate-{i + 1}";
            body.Append($"<div class=\"candidate card\" id=\"{form}\"><p><span class=\"badge\">{E(c.Kind)}</span> <q>{E(c.Quote)}</q></p>")
                .Append($"<p class=\"muted\">{E(c.Expression)} · score {E(c.Score.ToString("0.00", CultureInfo.InvariantCulture))}</p>");
            if (mayFlag && !flagged.Any(f => f.Quote == c.Quote))
                body.Append($"<form method=\"post\" action=\"/documents/{id}/claims\" class=\"action\">{page.Refusal(form)}{page.AntiforgeryField()}")
                    .Append($"<input type=\"hidden\" name=\"form\" value=\"{E(form)}\"><input type=\"hidden\" name=\"quote\" value=\"{E(c.Quote)}\">")
                    .Append($"<input type=\"hidden\" name=\"prefix\" value=\"{E(c.Prefix)}\"><input type=\"hidden\" name=\"suffix\" value=\"{E(c.Suffix)}\">")
                    .Append(page.TextField(form, "reason", "Why check it", $"Check the {c.Kind}: {c.Expression}", required: true))
                    .Append(page.SelectField(form, "priority", "Priority", EnumNames<Priority>.All, "normal"))
                    .Append("<button type=\"submit\">Flag as claim</button></form>");
            body.Append("</div>");
        }
        body.Append("</section>");

        if (mayFlag)
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

    private static async Task<List<(Guid Id, string Quote)>> FlaggedClaimsAsync(PostgresEventStore store, Guid documentId, CancellationToken ct)
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
