using System.Text;
using FactDesk.Api.Claims;
using FactDesk.Api.Discrepancies;
using FactDesk.Api.Discrepancies.Opening;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using static FactDesk.Api.Pages.Html;

namespace FactDesk.Api.Pages;

/// <summary>
/// <c>/discrepancies/new?claim={id}</c>: open a discrepancy between a claim and a second claim, or between a claim and the
/// sources it disagrees with, through the OpenDiscrepancy slice. <c>/discrepancies</c> lists the desk's discrepancies,
/// proposals waiting for an editor first.
/// </summary>
public sealed class OpenDiscrepancyPage : IEndpoint
{
    private const string Form = "open";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/discrepancies/new", (HttpContext http, CommandPipeline pipeline, IReviewQueueReader queue) =>
                PageResults.Guard(http, () => RenderAsync(new PageContext(http), pipeline.Store, queue, 200)))
            .RequireAuthorization(PagePolicies.Flag).ExcludeFromDescription();

        app.MapPost("/discrepancies", (HttpContext http, CommandPipeline pipeline, IReviewQueueReader queue) => PageResults.Guard(http, async () =>
            {
                if (await PageResults.RefuseForgery(http) is { } refused) return refused;
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                var outcome = await pipeline.RunForm(http, Read(form), null, (body, context) => OpenDiscrepancyEndpoint.Handle(body, context, pipeline), "discrepancy");
                var back = ClaimPage.V(form, "claim1") is { } first && Guid.TryParse(first, out var claimId) ? $"/discrepancies/new?claim={claimId}" : "/discrepancies/new";
                return outcome.Succeeded
                    ? PageResults.SeeOther(outcome.Answer!.Location!.Replace("/api/discrepancies/", "/discrepancies/", StringComparison.Ordinal))
                    : await PageResults.BackWithRefusal(http, new FormState(Form, form, outcome, "form-open"), back,
                        page => RenderAsync(page, pipeline.Store, queue, outcome.Status));
            }))
            .RequireAuthorization(PagePolicies.Flag).ExcludeFromDescription();

        app.MapGet("/discrepancies", (HttpContext http, CommandPipeline pipeline) => PageResults.Guard(http, () => ListAsync(new PageContext(http), pipeline.Store)))
            .RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();
    }

    /// <summary>The form as the slice's request: the two claims chosen, the sources ticked, and the two sides' values.</summary>
    private static OpenDiscrepancyRequest Read(IFormCollection f)
    {
        var claims = new[] { ClaimPage.V(f, "claim1"), ClaimPage.V(f, "claim2") }
            .Select(v => Guid.TryParse(v, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToArray();
        var sources = f["sourceIds"].Select(s => Guid.TryParse(s, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToArray();
        var values = new[] { (ClaimPage.V(f, "side1"), ClaimPage.V(f, "says1")), (ClaimPage.V(f, "side2"), ClaimPage.V(f, "says2")) }
            .Where(v => v.Item1 is not null || v.Item2 is not null).Select(v => (DiscrepancyValueRequest?)new DiscrepancyValueRequest(v.Item1, v.Item2, null)).ToArray();
        return new OpenDiscrepancyRequest(claims, sources.Length == 0 ? null : sources, ClaimPage.V(f, "kind"), ClaimPage.V(f, "description"), values);
    }

    private static async Task<IResult> RenderAsync(PageContext page, TamperEvidentLog store, IReviewQueueReader queue, int status)
    {
        var ct = page.Http.RequestAborted;
        Guid? firstId = Guid.TryParse(page.Value(Form, "claim1", page.Http.Request.Query["claim"]), out var given) ? given : null;
        var first = firstId is { } id ? (await LinkedClaims.LoadAsync(store, [id], ct)).GetValueOrDefault(id) : null;
        var open = await queue.ReadAsync(new QueueFilter(null, null, null, null), ct);
        var choices = open.Select(r => (r.Id, r.Quote)).ToList();
        if (first is not null && choices.All(c => c.Id != first.Id)) choices.Insert(0, (first.Id, first.Quote));

        string ClaimSelect(string field, string label, string? selected, string blank)
        {
            var options = new StringBuilder($"<option value=\"\">{E(blank)}</option>");
            foreach (var (claimId, quote) in choices)
                options.Append($"<option value=\"{claimId}\"{(claimId.ToString() == selected ? " selected" : "")}>{E(QueuePage.Shorten(quote, 90))}</option>");
            var errors = page.Errors(Form, "claimIds");
            return $"<div class=\"field\"><label for=\"open-{field}\">{E(label)}</label><select id=\"open-{field}\" name=\"{field}\"" +
                   $"{(errors.Length > 0 ? " aria-invalid=\"true\" aria-describedby=\"open-claimIds-error\"" : "")}>{options}</select></div>";
        }

        var body = new StringBuilder("<p>Record that two claims say conflicting things, or that a claim conflicts with sources attached to it. " +
                                     "What each side says is shown side by side on the discrepancy's page.</p>");
        body.Append("<form method=\"post\" action=\"/discrepancies\" class=\"action card\" id=\"form-open\">")
            .Append(page.Refusal(Form)).Append(page.AntiforgeryField())
            .Append(ClaimSelect("claim1", "The claim", page.Value(Form, "claim1", first?.Id.ToString()), "choose a claim…"))
            .Append(page.Errors(Form, "claimIds"))
            .Append(ClaimSelect("claim2", "Conflicts with the claim (or leave empty and tick sources below)", page.Value(Form, "claim2"), "no second claim"));
        if (first is not null && first.ActiveSources.Any())
        {
            var ticked = page.Failed?.Form == Form ? page.Failed.Values["sourceIds"].ToArray() : [];
            body.Append("<fieldset><legend>Or conflicts with these sources of the claim</legend>");
            foreach (var source in first.ActiveSources)
                body.Append($"<label class=\"check\"><input type=\"checkbox\" name=\"sourceIds\" value=\"{source.SourceId}\"{(ticked.Contains(source.SourceId.ToString()) ? " checked" : "")}> ")
                    .Append($"{T(source.Title ?? source.Citation ?? source.Url)} <span class=\"muted\">({E(EnumNames<Stance>.Name(source.Stance))})</span></label>");
            body.Append(page.Errors(Form, "sourceIds")).Append("</fieldset>");
        }
        else if (first is not null)
            body.Append("<p class=\"muted\">This claim has no sources to set against it; choose a second claim.</p>");
        body.Append(page.SelectField(Form, "kind", "Kind", EnumNames<DiscrepancyKind>.All, blank: "choose…"))
            .Append(page.TextField(Form, "description", "What disagrees", required: true, area: true))
            .Append("<fieldset><legend>What each side says (optional)</legend><div class=\"inline-form\">")
            .Append(page.TextField(Form, "side1", "First side")).Append(page.TextField(Form, "says1", "It says"))
            .Append("</div><div class=\"inline-form\">")
            .Append(page.TextField(Form, "side2", "Second side")).Append(page.TextField(Form, "says2", "It says"))
            .Append("</div>").Append(page.Errors(Form, "values")).Append("</fieldset>")
            .Append("<button type=\"submit\">Open discrepancy</button></form>");
        return PageResults.Page(page, "Open a discrepancy", body.ToString(), status);
    }

    private static async Task<IResult> ListAsync(PageContext page, TamperEvidentLog store)
    {
        var ct = page.Http.RequestAborted;
        await using var cmd = store.DataSource.CreateCommand($"""
            select id, status, kind, description, opened_at from {StoreSetup.Schema}.discrepancies
            order by case status when 'proposed' then 0 when 'open' then 1 else 2 end, opened_at desc, id limit 300
            """);
        var body = new StringBuilder();
        if (page.May(Roles.Tool, Roles.Editor, Roles.SeniorEditor))
            body.Append("<p><a href=\"/discrepancies/new\">Open a discrepancy</a></p>");
        body.Append("<table class=\"audit discrepancies\"><caption>Discrepancies, proposals waiting for an editor first</caption><thead><tr>")
            .Append("<th scope=\"col\">What disagrees</th><th scope=\"col\">Status</th><th scope=\"col\">Kind</th><th scope=\"col\">Opened</th></tr></thead><tbody>");
        var rows = 0;
        var now = DateTimeOffset.UtcNow;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                rows++;
                body.Append($"<tr><td data-label=\"What disagrees\"><a href=\"/discrepancies/{reader.GetGuid(0)}\">{T(QueuePage.Shorten(reader.GetString(3), 160))}</a></td>")
                    .Append($"<td data-label=\"Status\" class=\"status status-{E(reader.GetString(1))}\">{E(reader.GetString(1))}</td>")
                    .Append($"<td data-label=\"Kind\">{E(reader.GetString(2))}</td>")
                    .Append($"<td data-label=\"Opened\">{QueuePage.When(reader.GetFieldValue<DateTimeOffset>(4), now, due: false)}</td></tr>");
            }
        if (rows == 0) body.Append("<tr><td colspan=\"4\" class=\"empty\">No discrepancies yet.</td></tr>");
        body.Append("</tbody></table>");
        return PageResults.Page(page, "Discrepancies", body.ToString());
    }
}
