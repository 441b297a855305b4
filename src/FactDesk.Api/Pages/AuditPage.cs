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
                var names = await audit.StreamNamesAsync(entries, http.RequestAborted);
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
                    .Append($"<div class=\"field\"><label for=\"audit-order\">Order</label><select id=\"audit-order\" name=\"order\">" +
                            $"<option value=\"desc\"{(filter.NewestFirst ? " selected" : "")}>newest first</option><option value=\"asc\"{(filter.NewestFirst ? "" : " selected")}>oldest first</option></select></div>")
                    .Append("<button type=\"submit\">Filter</button></form>")
                    .Append($"<table class=\"audit\"><caption>Events, {(filter.NewestFirst ? "newest" : "oldest")} first (times in UTC)</caption><thead><tr><th scope=\"col\">Position</th><th scope=\"col\">Time</th>")
                    .Append("<th scope=\"col\">Actor</th><th scope=\"col\">Event</th><th scope=\"col\">Stream</th><th scope=\"col\">Hash</th></tr></thead><tbody>");
                foreach (var e in entries)
                    body.Append($"<tr><td data-label=\"Position\" class=\"num\">{e.Position}</td><td data-label=\"Time\">{E(Time(e.RecordedAt))}</td>")
                        .Append($"<td data-label=\"Actor\">{T(e.Actor)} <span class=\"muted\">({E(e.Role)})</span></td><td data-label=\"Event\">{E(e.Type)}</td>")
                        .Append($"<td data-label=\"Stream\">{StreamLink(e, names)} <span class=\"muted\">v{e.Version}</span></td><td data-label=\"Hash\"><code>{E(e.Hash[..12])}</code></td></tr>");
                if (entries.Count == 0) body.Append("<tr><td colspan=\"6\" class=\"empty\">No events match these filters.</td></tr>");
                body.Append("</tbody></table>");
                if (entries.Count == filter.Limit)
                {
                    var (key, value, label) = filter.NewestFirst ? ("before", entries[^1].Position, "Older events") : ("after", entries[^1].Position, "Later events");
                    var next = QueryString.Create(query.Where(q => q.Key is not ("after" or "before")).Select(q => KeyValuePair.Create(q.Key, (string?)q.Value.ToString()))
                        .Append(KeyValuePair.Create(key, (string?)value.ToString(CultureInfo.InvariantCulture))));
                    body.Append($"<p><a href=\"/audit{E(next.ToString())}\">{label}</a></p>");
                }
                return PageResults.Page(page, "Audit trail", body.ToString());
            }))
            .RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();

    /// <summary>A stream named as the desk knows it (the claim's quote, the document's title), its short id kept for auditors.</summary>
    private static string StreamLink(AuditEntry e, IReadOnlyDictionary<Guid, string> names)
    {
        var shortId = E(e.StreamId.ToString()[..8]);
        var name = names.TryGetValue(e.StreamId, out var known) ? T(QueuePage.Shorten(known, 90)) : shortId;
        var title = $" title=\"{E(e.StreamType)} {E(e.StreamId.ToString())}\"";
        return e.StreamType switch
        {
            Claim.StreamType => $"claim <a href=\"/claims/{e.StreamId}/history\"{title}>{name}</a>",
            Discrepancy.StreamType => $"discrepancy <a href=\"/discrepancies/{e.StreamId}\"{title}>{name}</a>",
            Document.StreamType => $"document <a href=\"/documents/{e.StreamId}\"{title}>{name}</a>",
            _ => $"{E(e.StreamType)} <span{title}>{name}</span>",
        };
    }

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
        long? before = null;
        if (q["before"].ToString() is { Length: > 0 } b)
        {
            if (long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var position)) before = position;
            else notes.Add("before must be a position; starting from the newest event.");
        }
        var order = q["order"].ToString();
        if (order is not ("" or "asc" or "desc")) notes.Add("order must be asc or desc; showing the newest first.");
        string? Text(string name) => q[name].ToString().Trim() is { Length: > 0 and <= 200 } t ? t : null;
        return (new AuditFilter(Text("actor"), Text("type"), Moment("from"), Moment("to"), after, PageSize, order != "asc", before), notes);
    }
}
