using System.Globalization;
using System.Text;
using FactDesk.Api.Claims;
using FactDesk.Api.Discrepancies;
using FactDesk.Api.Documents;
using FactDesk.Api.Http;
using static FactDesk.Api.Pages.Html;

namespace FactDesk.Api.Pages;

/// <summary><c>/audit</c>: the global log with filters (actor, type, from, to) and whether its hash chains verify.</summary>
public sealed class AuditPage : IEndpoint
{
    public const int PageSize = 100;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/audit", (HttpContext http, IAuditTrail audit) => PageResults.Guard(http, async () =>
            {
                var page = new PageContext(http);
                var (filter, notes) = ParseFilter(http.Request);
                var entries = await audit.ReadAsync(filter, http.RequestAborted);
                var verification = await audit.VerifyAsync(http.RequestAborted);
                var query = http.Request.Query;

                var body = new StringBuilder();
                body.Append(verification.Ok
                    ? $"<p class=\"verified\" id=\"verification\" role=\"status\"><strong>Log verified:</strong> {verification.EventsChecked} events checked; every hash chain is intact.</p>"
                    : $"<p class=\"broken\" id=\"verification\" role=\"alert\"><strong>Log broken</strong> at position {E(verification.FirstBrokenPosition)}: {E(verification.Problem)} ({verification.EventsChecked} events checked).</p>");
                foreach (var note in notes) body.Append($"<p class=\"notice\" role=\"status\">{E(note)}</p>");
                body.Append("<form method=\"get\" action=\"/audit\" class=\"filters\">")
                    .Append($"<div class=\"field\"><label for=\"audit-actor\">Actor</label><input id=\"audit-actor\" name=\"actor\" value=\"{E(query["actor"].ToString())}\"></div>")
                    .Append($"<div class=\"field\"><label for=\"audit-type\">Event type (or its start, e.g. claim-)</label><input id=\"audit-type\" name=\"type\" value=\"{E(query["type"].ToString())}\"></div>")
                    .Append($"<div class=\"field\"><label for=\"audit-from\">From</label><input id=\"audit-from\" name=\"from\" type=\"datetime-local\" value=\"{E(query["from"].ToString())}\"></div>")
                    .Append($"<div class=\"field\"><label for=\"audit-to\">To</label><input id=\"audit-to\" name=\"to\" type=\"datetime-local\" value=\"{E(query["to"].ToString())}\"></div>")
                    .Append("<button type=\"submit\">Filter</button></form>")
                    .Append("<table class=\"audit\"><caption>Events in global order (times in UTC)</caption><thead><tr><th scope=\"col\">Position</th><th scope=\"col\">Time</th>")
                    .Append("<th scope=\"col\">Actor</th><th scope=\"col\">Event</th><th scope=\"col\">Stream</th><th scope=\"col\">Hash</th></tr></thead><tbody>");
                foreach (var e in entries)
                    body.Append($"<tr><td data-label=\"Position\" class=\"num\">{e.Position}</td><td data-label=\"Time\">{E(Time(e.RecordedAt))}</td>")
                        .Append($"<td data-label=\"Actor\">{T(e.Actor)} <span class=\"muted\">({E(e.Role)})</span></td><td data-label=\"Event\">{E(e.Type)}</td>")
                        .Append($"<td data-label=\"Stream\">{StreamLink(e)} v{e.Version}</td><td data-label=\"Hash\"><code>{E(e.Hash[..12])}</code></td></tr>");
                if (entries.Count == 0) body.Append("<tr><td colspan=\"6\" class=\"empty\">No events match these filters.</td></tr>");
                body.Append("</tbody></table>");
                if (entries.Count == filter.Limit)
                {
                    var next = QueryString.Create(query.Where(q => q.Key != "after").Select(q => KeyValuePair.Create(q.Key, (string?)q.Value.ToString()))
                        .Append(KeyValuePair.Create("after", (string?)entries[^1].Position.ToString(CultureInfo.InvariantCulture))));
                    body.Append($"<p><a href=\"/audit{E(next.ToString())}\">Next {PageSize} events</a></p>");
                }
                return PageResults.Page(page, "Audit trail", body.ToString());
            }))
            .RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();

    private static string StreamLink(AuditEntry e) => e.StreamType switch
    {
        Claim.StreamType => $"<a href=\"/claims/{e.StreamId}/history\">claim {E(e.StreamId.ToString()[..8])}</a>",
        Discrepancy.StreamType => $"<a href=\"/discrepancies/{e.StreamId}\">discrepancy {E(e.StreamId.ToString()[..8])}</a>",
        Document.StreamType => $"<a href=\"/documents/{e.StreamId}\">document {E(e.StreamId.ToString()[..8])}</a>",
        _ => $"{E(e.StreamType)} {E(e.StreamId.ToString()[..8])}",
    };

    public static (AuditFilter, List<string>) ParseFilter(HttpRequest request)
    {
        var q = request.Query;
        var notes = new List<string>();
        DateTimeOffset? Moment(string name)
        {
            var given = q[name].ToString();
            if (given.Length == 0) return null;
            if (Timestamps.TryParse(given, out var t)) return t;
            notes.Add($"'{given}' is not a date and time; the {name} filter was left out.");
            return null;
        }
        var after = 0L;
        if (q["after"].ToString() is { Length: > 0 } a && (!long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            notes.Add("after must be a position; starting from the first event.");
            after = 0;
        }
        string? Text(string name) => q[name].ToString().Trim() is { Length: > 0 and <= 200 } t ? t : null;
        return (new AuditFilter(Text("actor"), Text("type"), Moment("from"), Moment("to"), after, PageSize), notes);
    }
}
