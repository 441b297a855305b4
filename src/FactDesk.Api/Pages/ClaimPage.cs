using System.Globalization;
using System.Text;
using FactDesk.Api.Claims;
using FactDesk.Api.Claims.ApprovingVerdicts;
using FactDesk.Api.Claims.Assigning;
using FactDesk.Api.Claims.AttachingSources;
using FactDesk.Api.Claims.Dismissing;
using FactDesk.Api.Claims.ProposingVerdicts;
using FactDesk.Api.Claims.Publishing;
using FactDesk.Api.Claims.RejectingVerdicts;
using FactDesk.Api.Claims.Reopening;
using FactDesk.Api.Claims.RetractingSources;
using FactDesk.Api.Discrepancies;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using static FactDesk.Api.Pages.Html;

namespace FactDesk.Api.Pages;

/// <summary>
/// <c>/claims/{id}</c>: the quote in its paragraph, sources, discrepancies, verdict and the actions the reader's role may
/// take. Each action form posts to a page route that runs the same slice handler as the JSON API, with the version the
/// page showed as If-Match, so a form opened before someone else's change is refused rather than applied over it.
/// </summary>
public sealed class ClaimPage : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/claims/{id}", (string id, HttpContext http, CommandPipeline pipeline) =>
                PageResults.Guard(http, () => RenderAsync(new PageContext(http), EndpointDiscovery.ParseId(id), pipeline.Store, 200)))
            .RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();

        Action(app, "assign", PagePolicies.Edit, f => new AssignClaimRequest(V(f, "assignee")), (claimId, body, context, pipeline) =>
            AssignClaimEndpoint.Handle(claimId, body, context, pipeline, context.Http.RequestServices.GetRequiredService<FactDesk.Api.People.DeskPeople>()));
        Action(app, "sources", PagePolicies.Flag, ReadSource, AttachSourceEndpoint.Handle);
        Action(app, "verdict", PagePolicies.Edit, f => new ProposeVerdictRequest(V(f, "rating"), V(f, "summary"), V(f, "correction")), ProposeVerdictEndpoint.Handle);
        Action(app, "approve", PagePolicies.SignOff, f => new ApproveVerdictRequest(V(f, "note")), ApproveVerdictEndpoint.Handle);
        Action(app, "reject", PagePolicies.SignOff, f => new RejectVerdictRequest(V(f, "reason")), RejectVerdictEndpoint.Handle);
        Action(app, "publish", PagePolicies.SignOff, f => new PublishFactCheckRequest(V(f, "url")), PublishFactCheckEndpoint.Handle);
        Action(app, "dismiss", PagePolicies.Edit, f => new DismissClaimRequest(V(f, "reason")), DismissClaimEndpoint.Handle);
        Action(app, "reopen", PagePolicies.Edit, f => new ReopenClaimRequest(V(f, "reason")), ReopenClaimEndpoint.Handle);

        app.MapPost("/claims/{id}/sources/{sourceId}/retract", (string id, string sourceId, HttpContext http, CommandPipeline pipeline) =>
                PageResults.Guard(http, async () =>
                {
                    if (await PageResults.RefuseForgery(http) is { } refused) return refused;
                    var claimId = EndpointDiscovery.ParseId(id);
                    var source = EndpointDiscovery.ParseId(sourceId, "sourceId");
                    var form = await http.Request.ReadFormAsync(http.RequestAborted);
                    var outcome = await pipeline.RunForm(http, new RetractSourceRequest(V(form, "reason")), form["version"],
                        (body, context) => RetractSourceEndpoint.Handle(claimId, source, body, context, pipeline));
                    return await AfterAsync(http, claimId, $"retract-{source:N}", form, outcome, pipeline);
                }))
            .RequireAuthorization(PagePolicies.Edit).ExcludeFromDescription();
    }

    /// <summary>Maps <c>POST /claims/{id}/{action}</c> to a slice handler, with anti-forgery, the role's policy and the form's version.</summary>
    private static void Action<TBody>(IEndpointRouteBuilder app, string action, string policy, Func<IFormCollection, TBody> read,
        Func<Guid, TBody, CommandContext, CommandPipeline, Task<CommandAnswer>> handle) where TBody : class, IValidatable =>
        app.MapPost($"/claims/{{id}}/{action}", (string id, HttpContext http, CommandPipeline pipeline) => PageResults.Guard(http, async () =>
            {
                if (await PageResults.RefuseForgery(http) is { } refused) return refused;
                var claimId = EndpointDiscovery.ParseId(id);
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                FormOutcome outcome;
                try
                {
                    outcome = await pipeline.RunForm(http, read(form), form["version"], (body, context) => handle(claimId, body, context, pipeline));
                }
                catch (FormFieldException e)
                {
                    outcome = FormOutcome.Refused(400, "Correct the fields marked below.", new Dictionary<string, string[]> { [e.Field] = [e.Message] });
                }
                return await AfterAsync(http, claimId, action, form, outcome, pipeline);
            }))
            .RequireAuthorization(policy).ExcludeFromDescription();

    /// <summary>Done: back to the claim (post/redirect/get). Refused: the claim page again, the form filled in and its messages beside the fields.</summary>
    private static async Task<IResult> AfterAsync(HttpContext http, Guid claimId, string form, IFormCollection values, FormOutcome outcome, CommandPipeline pipeline) =>
        outcome.Succeeded
            ? PageResults.SeeOther($"/claims/{claimId}")
            : await PageResults.BackWithRefusal(http, new FormState(form, values, outcome, $"form-{form}"), $"/claims/{claimId}",
                page => RenderAsync(page, claimId, pipeline.Store, outcome.Status));

    private static AttachSourceRequest ReadSource(IFormCollection f)
    {
        DateOnly? publishedOn = null;
        if (V(f, "publishedOn") is { } date)
            publishedOn = DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? d : throw new FormFieldException("publishedOn", "publishedOn must be a date such as 2025-02-01.");
        return new AttachSourceRequest(V(f, "url"), V(f, "citation"), V(f, "title"), V(f, "publisher"), publishedOn, V(f, "quote"), V(f, "stance"), V(f, "kind"));
    }

    /// <summary>A form value, or null when left blank (the slices treat null as "not given").</summary>
    public static string? V(IFormCollection form, string field) => form[field].ToString() is { Length: > 0 } v && v.Trim().Length > 0 ? v : null;

    public static async Task<IResult> RenderAsync(PageContext page, Guid claimId, TamperEvidentLog store, int status)
    {
        var ct = page.Http.RequestAborted;
        var (claim, version, _) = await Reads.LoadAsync<Claim>(store, claimId, "claim", null, null, ct);
        var discrepancies = await ClaimDiscrepancies.CurrentAsync(store, claimId, ct);
        var body = new StringBuilder();
        body.Append($"<p class=\"meta\">Version {version} · <a href=\"/claims/{claimId}/history\">History</a>")
            .Append(claim.DocumentId is { } docId ? $" · <a href=\"/documents/{docId}\">Document</a>" : "")
            .Append(claim.Status == ClaimStatus.Published ? $" · <a href=\"/api/claims/{claimId}/claimreview\">ClaimReview</a>" : "")
            .Append("</p>");
        body.Append(await QuoteAsync(store, claim, ct));
        body.Append(Details(claim));
        body.Append(Sources(page, claim, version));
        body.Append(Discrepancies(discrepancies, page.May(Roles.Tool, Roles.Editor, Roles.SeniorEditor) ? claimId : null));
        body.Append(VerdictSection(claim));
        body.Append(Actions(page, claim, version));
        return PageResults.Page(page, "Claim", body.ToString(), status);
    }

    private static async Task<string> QuoteAsync(TamperEvidentLog store, Claim claim, CancellationToken ct)
    {
        if (claim.DocumentId is { } documentId && await ArticleRendering.LocateAsync(store, documentId, claim.Quote, ct) is { } found)
        {
            var source = $"<p class=\"muted\">From <a href=\"/documents/{found.Document.Id}\">{T(found.Document.Title)}</a>{(found.Document.Outlet is null ? "" : ", " + T(found.Document.Outlet))}, {E(found.Document.PublishedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}</p>";
            return found.Span is { } span
                ? ArticleRendering.Paragraph(found.Document.Text, span.Start, span.End) + source
                : $"<blockquote class=\"quote\"><p><mark dir=\"auto\">{E(claim.Quote)}</mark></p></blockquote>{source}";
        }
        return $"<blockquote class=\"quote\"><p><mark dir=\"auto\">{E(claim.Quote)}</mark></p></blockquote>";
    }

    private static string Details(Claim c)
    {
        var html = new StringBuilder("<section aria-labelledby=\"details-h\"><h2 id=\"details-h\">Details</h2><dl class=\"facts\">");
        void Row(string term, string valueHtml) => html.Append($"<dt>{E(term)}</dt><dd>{valueHtml}</dd>");
        Row("Status", $"<span class=\"status status-{E(EnumNames<ClaimStatus>.Name(c.Status))}\">{E(EnumNames<ClaimStatus>.Name(c.Status))}</span>");
        Row("Priority", $"<span class=\"badge badge-{E(EnumNames<Priority>.Name(c.Priority))}\">{E(EnumNames<Priority>.Name(c.Priority))}</span>");
        Row("Assignee", c.Assignee is null ? "<span class=\"muted\">unassigned</span>" : T(c.Assignee));
        Row("Due", c.DueAt is { } due ? E(Time(due)) : "<span class=\"muted\">none</span>");
        Row("Why it was flagged", T(c.Reason));
        Row("Flagged by", $"{T(c.FlaggedBy.Name)} ({E(c.FlaggedBy.Role)}), {E(Time(c.FlaggedAt))}");
        if (c.Assertion is { } a)
            Row("Asserts", T(string.Join(" · ", new[] { a.Subject, a.Metric, a.Value is null ? null : a.Value + (a.Unit is null ? "" : " " + a.Unit), a.AsOf is null ? null : "as of " + a.AsOf }.Where(x => x is not null))));
        if (c.ClosingReason is { } why) Row(c.IsClosed ? "Closed because" : "Reopened because", T(why));
        return html.Append("</dl></section>").ToString();
    }

    private static string Sources(PageContext page, Claim c, long version)
    {
        var html = new StringBuilder("<section aria-labelledby=\"sources-h\"><h2 id=\"sources-h\">Sources</h2>");
        if (c.Sources.Count == 0) html.Append("<p class=\"muted\">No sources yet.</p>");
        else html.Append("<ul class=\"sources\">");
        var mayRetract = page.May(Roles.Editor, Roles.SeniorEditor) && !c.IsClosed;
        foreach (var s in c.Sources)
        {
            var stance = EnumNames<Stance>.Name(s.Stance);
            html.Append($"<li class=\"source{(s.IsRetracted ? " retracted" : "")}\"><span class=\"stance stance-{E(stance)}\">{E(stance)}</span> ")
                .Append(s.Url is not null ? OutsideLink(s.Url, s.Title ?? s.Url) : T(s.Title ?? s.Citation))
                .Append(s.Publisher is null ? "" : $" <span class=\"muted\">— {T(s.Publisher)}</span>")
                .Append(s.Citation is not null && s.Url is not null ? $"<br><span class=\"muted\">{T(s.Citation)}</span>" : "")
                .Append(s.Quote is null ? "" : $"<br><q>{T(s.Quote)}</q>")
                .Append($"<br><span class=\"muted\">{E(EnumNames<SourceKind>.Name(s.Kind))} source, attached by {T(s.AttachedBy.Name)}, {E(Time(s.AttachedAt))}</span>");
            if (s.IsRetracted) html.Append($"<br><strong>Retracted:</strong> {T(s.RetractionReason)}");
            else if (mayRetract)
            {
                var form = $"retract-{s.SourceId:N}";
                html.Append($"<details id=\"form-{E(form)}\"{(page.Failed?.Form == form ? " open" : "")}><summary>Retract this source</summary>")
                    .Append($"<form method=\"post\" action=\"/claims/{c.Id}/sources/{s.SourceId}/retract\" class=\"action\">{page.AntiforgeryField()}{Version(version)}")
                    .Append(page.Refusal(form)).Append(page.TextField(form, "reason", "Why retract it", required: true))
                    .Append("<button type=\"submit\">Retract source</button></form></details>");
            }
            html.Append("</li>");
        }
        if (c.Sources.Count > 0) html.Append("</ul>");
        return html.Append("</section>").ToString();
    }

    private static string Discrepancies(IReadOnlyList<ClaimDiscrepancy> discrepancies, Guid? mayOpenFor)
    {
        var html = new StringBuilder("<section aria-labelledby=\"disc-h\"><h2 id=\"disc-h\">Discrepancies</h2>");
        if (mayOpenFor is { } claimId)
            html.Append($"<p><a href=\"/discrepancies/new?claim={claimId}\" id=\"open-discrepancy\">Open a discrepancy with another claim or a source</a></p>");
        if (discrepancies.Count == 0) return html.Append("<p class=\"muted\">None found.</p></section>").ToString();
        foreach (var d in discrepancies)
        {
            html.Append($"<article class=\"discrepancy\"><h3><a href=\"/discrepancies/{d.Id}\">{E(EnumNames<DiscrepancyKind>.Name(d.Kind))} discrepancy</a> ")
                .Append($"<span class=\"status status-{E(EnumNames<DiscrepancyStatus>.Name(d.Status))}\">{E(EnumNames<DiscrepancyStatus>.Name(d.Status))}</span></h3>")
                .Append($"<p>{T(d.Description)}</p>").Append(DiscrepancyPage.ValuesTable(d.Values));
            if (d.Outcome is { } outcome)
                html.Append($"<p>Resolved: {E(EnumNames<DiscrepancyOutcome>.Name(outcome))}{(d.ResolvedValue is null ? "" : $" — value {T(d.ResolvedValue)}")}</p>");
            html.Append("</article>");
        }
        return html.Append("</section>").ToString();
    }

    private static string VerdictSection(Claim c)
    {
        var html = new StringBuilder("<section aria-labelledby=\"verdict-h\"><h2 id=\"verdict-h\">Verdict</h2>");
        if (c.Verdict is { } v)
        {
            html.Append($"<p><span class=\"rating rating-{E(EnumNames<Rating>.Name(v.Rating))}\">{E(EnumNames<Rating>.Name(v.Rating))}</span> {T(v.Summary)}</p>")
                .Append(v.Correction is null ? "" : $"<p>Suggested correction: <q>{T(v.Correction)}</q></p>")
                .Append($"<p class=\"muted\">Proposed by {T(v.ProposedBy.Name)}, {E(Time(v.ProposedAt))}.</p>")
                .Append(v.ApprovedBy is { } by
                    ? $"<p class=\"signed-off\">Approved by {T(by.Name)}, {E(Time(v.ApprovedAt!.Value))}{(v.ApprovalNote is null ? "" : ": " + T(v.ApprovalNote))}</p>"
                    : "<p class=\"muted\">Awaiting a senior editor's approval.</p>");
        }
        else html.Append("<p class=\"muted\">No verdict proposed.</p>");
        if (c.Publication is { } p)
            html.Append($"<p class=\"published\">Published as <strong>{E(EnumNames<Rating>.Name(p.Verdict.Rating))}</strong> by {T(p.By.Name)}, {E(Time(p.At))}")
                .Append(p.Url is null ? "" : " at " + OutsideLink(p.Url)).Append("</p>");
        return html.Append("</section>").ToString();
    }

    private static string Version(long version) => $"<input type=\"hidden\" name=\"version\" value=\"{version}\">";

    /// <summary>Only the actions this role may take on the claim as it stands; an auditor gets none.</summary>
    private static string Actions(PageContext page, Claim c, long version)
    {
        var html = new StringBuilder("<section aria-labelledby=\"actions-h\" class=\"actions\"><h2 id=\"actions-h\">Actions</h2>");
        if (page.Role == Roles.Auditor)
            return html.Append("<p class=\"notice\">You are signed in as an auditor: you can read everything here and change nothing.</p></section>").ToString();
        var edit = page.May(Roles.Editor, Roles.SeniorEditor);
        var signOff = page.May(Roles.SeniorEditor);
        var flag = page.May(Roles.Tool, Roles.Editor, Roles.SeniorEditor);
        var any = false;
        string Form(string action, string title, string fields, string button)
        {
            any = true;
            return $"<form method=\"post\" action=\"/claims/{c.Id}/{action}\" class=\"action card\" id=\"form-{action}\"><h3>{E(title)}</h3>" +
                   page.Refusal(action) + page.AntiforgeryField() + Version(version) + page.Errors(action, "version") + fields +
                   $"<button type=\"submit\">{E(button)}</button></form>";
        }

        // An action is offered only where it can succeed now; where it cannot, one line says what it waits for.
        string Withheld(string action, string title, string why)
        {
            any = true;
            return $"<div class=\"card withheld\" id=\"form-{action}\"><h3>{E(title)}</h3><p class=\"muted\" id=\"{action}-why\">{E(why)}</p></div>";
        }

        if (!c.IsClosed)
        {
            if (edit)
            {
                var assignable = page.Http.RequestServices.GetRequiredService<FactDesk.Api.People.DeskPeople>().All
                    .Where(p => p.CanBeAssigned).Select(p => p.Name).ToList();
                html.Append(Form("assign", c.Assignee is null ? "Assign" : "Reassign",
                    page.SelectField("assign", "assignee", "Assignee", assignable, c.Assignee, blank: "choose someone on the desk…"), "Assign"));
            }
            if (flag)
                html.Append(Form("sources", "Attach a source",
                    page.TextField("sources", "url", "URL", type: "url") + page.TextField("sources", "citation", "Citation (print, interview)") +
                    page.TextField("sources", "title", "Title") + page.TextField("sources", "publisher", "Publisher") +
                    page.TextField("sources", "publishedOn", "Published on", type: "date") + page.TextField("sources", "quote", "What it says", area: true) +
                    page.SelectField("sources", "stance", "Stance", EnumNames<Stance>.All, blank: "choose…") +
                    page.SelectField("sources", "kind", "Kind", EnumNames<SourceKind>.All), "Attach source"));
            if (edit && c.Verdict is null && c.Status == ClaimStatus.Flagged)
                html.Append(Withheld("verdict", "Propose a verdict", "Assign the claim first: a verdict is proposed on a claim in review."));
            else if (edit && c.Verdict is null && !c.ActiveSources.Any())
                html.Append(Withheld("verdict", "Propose a verdict", "Attach a source first: a verdict needs one that is not retracted."));
            else if (edit && c.Verdict is null)
                html.Append(Form("verdict", "Propose a verdict",
                    page.SelectField("verdict", "rating", "Rating", EnumNames<Rating>.All, blank: "choose…") +
                    page.TextField("verdict", "summary", "Summary", required: true, area: true) +
                    page.TextField("verdict", "correction", "Suggested correction", area: true), "Propose verdict"));
            if (signOff && c.Verdict is { ApprovedBy: null } proposed)
            {
                if (proposed.ProposedBy.Name == page.Actor.Name)
                {
                    any = true;
                    html.Append("<div class=\"card\"><h3>Approve</h3><p class=\"muted\" id=\"approve-own\">You proposed this verdict; another senior editor must approve it.</p>")
                        .Append("<button type=\"button\" disabled aria-describedby=\"approve-own\">Approve verdict</button></div>");
                }
                else html.Append(Form("approve", "Approve the verdict", page.TextField("approve", "note", "Note (optional)"), "Approve verdict"));
            }
            if (signOff && c.Verdict is not null)
                html.Append(Form("reject", "Reject the verdict", page.TextField("reject", "reason", "Why", required: true), "Reject verdict"));
            if (signOff && c.Status == ClaimStatus.Approved)
                html.Append(Form("publish", "Publish the fact check", page.TextField("publish", "url", "Published at (URL, optional)", type: "url"), "Publish"));
            if (edit) html.Append(Form("dismiss", "Dismiss", page.TextField("dismiss", "reason", "Why it needs no fact check", required: true), "Dismiss claim"));
        }
        else if (edit) html.Append(Form("reopen", "Reopen", page.TextField("reopen", "reason", "Why reopen it", required: true), "Reopen claim"));
        if (!any) html.Append("<p class=\"muted\">Nothing your role can do on this claim now.</p>");
        return html.Append("</section>").ToString();
    }
}

/// <summary>A form value that cannot even be turned into the command's request (a malformed date); shown beside its field.</summary>
public sealed class FormFieldException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
