using System.Text;
using FactDesk.Api.Claims;
using FactDesk.Api.Discrepancies;
using FactDesk.Api.Discrepancies.Confirming;
using FactDesk.Api.Discrepancies.Declining;
using FactDesk.Api.Discrepancies.Resolving;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using static FactDesk.Api.Pages.Html;

namespace FactDesk.Api.Pages;

/// <summary><c>/discrepancies/{id}</c>: what each side says, the claims and sources involved, and the resolution (or a form to resolve it).</summary>
public sealed class DiscrepancyPage : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/discrepancies/{id}", (string id, HttpContext http, CommandPipeline pipeline) =>
                PageResults.Guard(http, () => RenderAsync(new PageContext(http), EndpointDiscovery.ParseId(id), pipeline.Store, 200)))
            .RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();

        app.MapPost("/discrepancies/{id}/resolve", (string id, HttpContext http, CommandPipeline pipeline) => PageResults.Guard(http, async () =>
            {
                if (await PageResults.RefuseForgery(http) is { } refused) return refused;
                var discrepancyId = EndpointDiscovery.ParseId(id);
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                var evidence = form["sourceIds"].Select(s => Guid.TryParse(s, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToArray();
                var request = new ResolveDiscrepancyRequest(ClaimPage.V(form, "outcome"), ClaimPage.V(form, "rationale"), ClaimPage.V(form, "resolvedValue"),
                    evidence.Length == 0 ? null : evidence);
                var outcome = await pipeline.RunForm(http, request, form["version"],
                    (body, context) => ResolveDiscrepancyEndpoint.Handle(discrepancyId, body, context, pipeline), "discrepancy");
                return outcome.Succeeded
                    ? PageResults.SeeOther($"/discrepancies/{discrepancyId}")
                    : await PageResults.BackWithRefusal(http, new FormState("resolve", form, outcome, "form-resolve"), $"/discrepancies/{discrepancyId}",
                        page => RenderAsync(page, discrepancyId, pipeline.Store, outcome.Status));
            }))
            .RequireAuthorization(PagePolicies.Edit).ExcludeFromDescription();

        Review(app, "confirm", f => new ConfirmDiscrepancyRequest(ClaimPage.V(f, "note")), ConfirmDiscrepancyEndpoint.Handle);
        Review(app, "decline", f => new DeclineDiscrepancyRequest(ClaimPage.V(f, "reason")), DeclineDiscrepancyEndpoint.Handle);
    }

    /// <summary>Confirming or declining a proposed discrepancy: the slice's handler, with the page's version as If-Match.</summary>
    private static void Review<TBody>(IEndpointRouteBuilder app, string action, Func<IFormCollection, TBody> read,
        Func<Guid, TBody, CommandContext, CommandPipeline, Task<CommandAnswer>> handle) where TBody : class, IValidatable =>
        app.MapPost($"/discrepancies/{{id}}/{action}", (string id, HttpContext http, CommandPipeline pipeline) => PageResults.Guard(http, async () =>
            {
                if (await PageResults.RefuseForgery(http) is { } refused) return refused;
                var discrepancyId = EndpointDiscovery.ParseId(id);
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                var outcome = await pipeline.RunForm(http, read(form), form["version"], (body, context) => handle(discrepancyId, body, context, pipeline), "discrepancy");
                return outcome.Succeeded
                    ? PageResults.SeeOther($"/discrepancies/{discrepancyId}")
                    : await PageResults.BackWithRefusal(http, new FormState(action, form, outcome, $"form-{action}"), $"/discrepancies/{discrepancyId}",
                        page => RenderAsync(page, discrepancyId, pipeline.Store, outcome.Status));
            }))
            .RequireAuthorization(PagePolicies.Edit).ExcludeFromDescription();

    public static string ValuesTable(IReadOnlyList<DiscrepancyValue> values)
    {
        if (values.Count == 0) return "<p class=\"muted\">No values recorded.</p>";
        var html = new StringBuilder("<table class=\"sides\"><thead><tr><th scope=\"col\">Side</th><th scope=\"col\">Says</th><th scope=\"col\">Note</th></tr></thead><tbody>");
        foreach (var v in values)
            html.Append($"<tr><th scope=\"row\">{T(v.Side)}</th><td>{(v.Says is null ? "<span class=\"muted\">no figure</span>" : $"<strong>{T(v.Says)}</strong>")}</td><td>{T(v.Note)}</td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    private static async Task<IResult> RenderAsync(PageContext page, Guid id, TamperEvidentLog store, int status)
    {
        var ct = page.Http.RequestAborted;
        var (d, version, _) = await Reads.LoadAsync<Discrepancy>(store, id, "discrepancy", null, null, ct);
        var claims = await LinkedClaims.LoadAsync(store, d.ClaimIds, ct);
        var sources = claims.Values.OfType<Claim>().SelectMany(c => c.Sources).ToDictionary(s => s.SourceId);
        var kind = EnumNames<DiscrepancyKind>.Name(d.Kind);
        var body = new StringBuilder();
        body.Append($"<p class=\"meta\">{E(kind)} · <span class=\"status status-{E(EnumNames<DiscrepancyStatus>.Name(d.Status))}\">{E(EnumNames<DiscrepancyStatus>.Name(d.Status))}</span>")
            .Append($" · opened by {T(d.OpenedBy.Name)}, {E(Time(d.OpenedAt))} · version {version}</p>")
            .Append($"<p>{T(d.Description)}</p><section aria-labelledby=\"sides-h\"><h2 id=\"sides-h\">What each side says</h2>").Append(ValuesTable(d.Values)).Append("</section>")
            .Append("<section aria-labelledby=\"claims-h\"><h2 id=\"claims-h\">Claims</h2><ul>");
        foreach (var (claimId, claim) in claims)
            body.Append(claim is null
                ? $"<li class=\"muted\">Claim {E(claimId.ToString())} (not found)</li>"
                : $"<li><a href=\"/claims/{claimId}\">{T(QueuePage.Shorten(claim.Quote, 200))}</a> <span class=\"muted\">({E(EnumNames<ClaimStatus>.Name(claim.Status))})</span></li>");
        body.Append("</ul></section>");
        if (d.SourceIds.Count > 0)
        {
            body.Append("<section aria-labelledby=\"dsources-h\"><h2 id=\"dsources-h\">Sources in conflict</h2><ul>");
            foreach (var sourceId in d.SourceIds)
                body.Append(sources.TryGetValue(sourceId, out var s)
                    ? $"<li>{T(s.Title ?? s.Citation ?? s.Url)} <span class=\"muted\">({E(EnumNames<Stance>.Name(s.Stance))})</span></li>"
                    : $"<li class=\"muted\">{E(sourceId.ToString())}</li>");
            body.Append("</ul></section>");
        }
        if (d.Statements.Count > 0)
        {
            body.Append("<section aria-labelledby=\"statements-h\"><h2 id=\"statements-h\">What the conflict finder matched</h2>")
                .Append(d.Measure is null ? "" : $"<p>Measure: {T(d.Measure)}</p>").Append("<ul>");
            foreach (var statement in d.Statements) body.Append($"<li><q>{T(QueuePage.Shorten(statement.Quote, 300))}</q></li>");
            body.Append("</ul></section>");
        }
        if (d.Status == DiscrepancyStatus.Proposed || d.Confirmation is not null || d.Decline is not null)
        {
            body.Append("<section aria-labelledby=\"review-h\"><h2 id=\"review-h\">Review of the proposal</h2>");
            if (d.Confirmation is { } confirmed)
                body.Append($"<p class=\"signed-off\">Confirmed as a conflict by {T(confirmed.By.Name)}, {E(Time(confirmed.At))}{(confirmed.Note is null ? "" : ": " + T(confirmed.Note))}</p>");
            else if (d.Decline is { } declined)
                body.Append($"<p>Declined as a false alarm by {T(declined.By.Name)}, {E(Time(declined.At))}: {T(declined.Note)}</p>");
            else if (page.May(Roles.Editor, Roles.SeniorEditor))
                body.Append("<p>The desk's conflict finder proposed this. Confirm it if the claims really disagree; decline it, saying why, if not.</p>")
                    .Append($"<form method=\"post\" action=\"/discrepancies/{id}/confirm\" class=\"action card\" id=\"form-confirm\"><h3>Confirm</h3>")
                    .Append(page.Refusal("confirm")).Append(page.AntiforgeryField()).Append($"<input type=\"hidden\" name=\"version\" value=\"{version}\">")
                    .Append(page.TextField("confirm", "note", "Note (optional)")).Append("<button type=\"submit\">Confirm discrepancy</button></form>")
                    .Append($"<form method=\"post\" action=\"/discrepancies/{id}/decline\" class=\"action card\" id=\"form-decline\"><h3>Decline</h3>")
                    .Append(page.Refusal("decline")).Append(page.AntiforgeryField()).Append($"<input type=\"hidden\" name=\"version\" value=\"{version}\">")
                    .Append(page.TextField("decline", "reason", "Why it is not a conflict", required: true, area: true)).Append("<button type=\"submit\">Decline discrepancy</button></form>");
            else body.Append("<p class=\"muted\">Proposed by the conflict finder. Editors confirm or decline proposals.</p>");
            body.Append("</section>");
        }
        body.Append("<section aria-labelledby=\"resolution-h\"><h2 id=\"resolution-h\">Resolution</h2>");
        if (d.Status is DiscrepancyStatus.Proposed or DiscrepancyStatus.Declined)
            body.Append($"<p class=\"muted\">{(d.Status == DiscrepancyStatus.Proposed ? "Confirm the proposal first: only an open discrepancy is resolved." : "Declined: nothing to resolve.")}</p>");
        else if (d.Resolution is { } r)
        {
            body.Append($"<p><strong>{E(EnumNames<DiscrepancyOutcome>.Name(r.Outcome))}</strong>{(r.ResolvedValue is null ? "" : $" — value {T(r.ResolvedValue)}")}</p>")
                .Append($"<p>{T(r.Rationale)}</p><p class=\"muted\">Resolved by {T(r.By.Name)}, {E(Time(r.At))}</p>");
            if (r.EvidenceSourceIds.Count > 0)
                body.Append("<p>Evidence: ").Append(string.Join(", ", r.EvidenceSourceIds.Select(s => sources.TryGetValue(s, out var src) ? T(src.Title ?? src.Citation ?? src.Url) : E(s.ToString())))).Append("</p>");
        }
        else if (page.May(Roles.Editor, Roles.SeniorEditor))
        {
            body.Append("<form method=\"post\" action=\"/discrepancies/").Append(id).Append("/resolve\" class=\"action card\" id=\"form-resolve\">")
                .Append(page.Refusal("resolve")).Append(page.AntiforgeryField()).Append($"<input type=\"hidden\" name=\"version\" value=\"{version}\">")
                .Append(page.SelectField("resolve", "outcome", "Outcome", EnumNames<DiscrepancyOutcome>.All, blank: "choose…"))
                .Append(page.TextField("resolve", "rationale", "Rationale", required: true, area: true))
                .Append(page.TextField("resolve", "resolvedValue", "Resolved value (required when the claim is corrected)"));
            var usable = claims.Values.OfType<Claim>().SelectMany(c => c.ActiveSources).ToArray();
            if (usable.Length > 0)
            {
                body.Append("<fieldset><legend>Evidence relied on</legend>");
                foreach (var s in usable)
                    body.Append($"<label class=\"check\"><input type=\"checkbox\" name=\"sourceIds\" value=\"{s.SourceId}\"> {T(s.Title ?? s.Citation ?? s.Url)}</label>");
                body.Append(page.Errors("resolve", "sourceIds")).Append("</fieldset>");
            }
            body.Append("<button type=\"submit\">Resolve</button></form>");
        }
        else body.Append("<p class=\"muted\">Open. Editors resolve discrepancies.</p>");
        body.Append("</section>");
        return PageResults.Page(page, "Discrepancy", body.ToString(), status);
    }
}
