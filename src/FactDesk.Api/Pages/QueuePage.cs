using System.Text;
using FactDesk.Api.Claims;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.EventStore;
using static FactDesk.Api.Pages.Html;

namespace FactDesk.Api.Pages;

/// <summary>
/// <c>GET /</c>: the review queue with filters, urgent first, overdue dates marked. <c>GET /queue/rows</c> answers just the
/// table rows, which the page's script fetches when the live feed says a claim changed.
/// </summary>
public sealed class QueuePage : IEndpoint
{
    public static readonly string[] OpenStatuses =
        EnumNames<ClaimStatus>.All.Where(s => s is not ("published" or "dismissed")).ToArray();

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http, IReviewQueueReader queue, PostgresEventStore store, TimeProvider clock) => PageResults.Guard(http, async () =>
        {
            var page = new PageContext(http);
            var (filter, notes) = ParseFilter(http.Request);
            var rows = await queue.ReadAsync(filter, http.RequestAborted);
            var documents = await DocumentTitlesAsync(store, http.RequestAborted);
            var body = new StringBuilder();
            foreach (var note in notes) body.Append($"<p class=\"notice\" role=\"status\">{E(note)}</p>");
            body.Append("<form id=\"queue-filters\" class=\"filters\" method=\"get\" action=\"/\">")
                .Append(Select("status", "Status", OpenStatuses, Name(filter.Status), "any open"))
                .Append($"<div class=\"field\"><label for=\"filter-assignee\">Assignee</label><input id=\"filter-assignee\" name=\"assignee\" value=\"{E(filter.Assignee)}\"></div>")
                .Append(Select("priority", "Priority", EnumNames<Priority>.All.Reverse(), Name(filter.Priority), "any"))
                .Append("<div class=\"field\"><label for=\"filter-document\">Document</label><select id=\"filter-document\" name=\"document\"><option value=\"\">any</option>");
            foreach (var (id, title) in documents)
                body.Append($"<option value=\"{E(id.ToString())}\"{(filter.DocumentId == id ? " selected" : "")}>{E(title)}</option>");
            body.Append("</select></div><button type=\"submit\">Filter</button></form>")
                .Append("<p class=\"live\" aria-live=\"polite\"><span id=\"queue-updated\">Live: the table updates as claims change.</span></p>")
                .Append("<table class=\"queue\"><caption>Open claims, most urgent first</caption><thead><tr>")
                .Append("<th scope=\"col\">Claim</th><th scope=\"col\">Status</th><th scope=\"col\">Priority</th><th scope=\"col\">Assignee</th>")
                .Append("<th scope=\"col\">Due</th><th scope=\"col\">Sources</th><th scope=\"col\">Open discrepancies</th><th scope=\"col\">Flagged</th></tr></thead>")
                .Append("<tbody id=\"queue-rows\" data-poll-ms=\"4000\">").Append(Rows(rows, clock.GetUtcNow())).Append("</tbody></table>");
            return PageResults.Page(page, "Review queue", body.ToString(), 200, "queue.js");
        })).RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();

        app.MapGet("/queue/rows", (HttpContext http, IReviewQueueReader queue, TimeProvider clock) => PageResults.Guard(http, async () =>
        {
            var (filter, _) = ParseFilter(http.Request);
            return new HtmlResult(200, Rows(await queue.ReadAsync(filter, http.RequestAborted), clock.GetUtcNow()));
        })).RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();
    }

    /// <summary>Reads the filters; a value that names nothing is dropped with a note rather than failing the page.</summary>
    public static (QueueFilter, List<string>) ParseFilter(HttpRequest request)
    {
        var notes = new List<string>();
        var query = request.Query;
        ClaimStatus? status = null;
        Priority? priority = null;
        Guid? document = null;
        if (query["status"].ToString() is { Length: > 0 } s)
        {
            if (OpenStatuses.Contains(s)) status = EnumNames<ClaimStatus>.Parse(s);
            else notes.Add($"The status '{s}' is not an open status; showing every status.");
        }
        if (query["priority"].ToString() is { Length: > 0 } p)
        {
            if (EnumNames<Priority>.All.Contains(p)) priority = EnumNames<Priority>.Parse(p);
            else notes.Add($"The priority '{p}' is not one of {string.Join(", ", EnumNames<Priority>.All)}; showing every priority.");
        }
        if (query["document"].ToString() is { Length: > 0 } d)
        {
            if (Guid.TryParse(d, out var id)) document = id;
            else notes.Add("The document filter is not a document id; showing every document.");
        }
        var assignee = query["assignee"].ToString().Trim();
        if (assignee.Length > 200) assignee = assignee[..200];
        return (new QueueFilter(status, assignee.Length == 0 ? null : assignee, priority, document), notes);
    }

    public static string Rows(IReadOnlyList<QueueRow> rows, DateTimeOffset now)
    {
        if (rows.Count == 0) return "<tr><td colspan=\"8\" class=\"empty\">No open claims match these filters.</td></tr>";
        var html = new StringBuilder();
        foreach (var row in rows)
        {
            var overdue = row.DueAt is { } due && due < now;
            html.Append($"<tr class=\"priority-{E(EnumNames<Priority>.Name(row.Priority))}\" data-claim=\"{E(row.Id.ToString())}\">")
                .Append($"<td data-label=\"Claim\"><a href=\"/claims/{E(row.Id.ToString())}\">{T(Shorten(row.Quote, 160))}</a></td>")
                .Append($"<td data-label=\"Status\">{E(EnumNames<ClaimStatus>.Name(row.Status))}</td>")
                .Append($"<td data-label=\"Priority\"><span class=\"badge badge-{E(EnumNames<Priority>.Name(row.Priority))}\">{E(EnumNames<Priority>.Name(row.Priority))}</span></td>")
                .Append($"<td data-label=\"Assignee\">{(row.Assignee is null ? "<span class=\"muted\">unassigned</span>" : T(row.Assignee))}</td>")
                .Append(row.DueAt is { } d
                    ? $"<td data-label=\"Due\"{(overdue ? " class=\"overdue\"" : "")}>{E(Time(d))}{(overdue ? " <strong>overdue</strong>" : "")}</td>"
                    : "<td data-label=\"Due\"><span class=\"muted\">none</span></td>")
                .Append($"<td data-label=\"Sources\" class=\"num\">{row.SourceCount}</td>")
                .Append($"<td data-label=\"Open discrepancies\" class=\"num{(row.OpenDiscrepancies > 0 ? " attention" : "")}\">{row.OpenDiscrepancies}</td>")
                .Append($"<td data-label=\"Flagged\">{E(Time(row.FlaggedAt))}</td></tr>");
        }
        return html.ToString();
    }

    public static string Shorten(string text, int max) => text.Length <= max ? text : text[..max].TrimEnd() + "…";

    private static string Select(string name, string label, IEnumerable<string> values, string? selected, string blank) =>
        $"<div class=\"field\"><label for=\"filter-{name}\">{E(label)}</label><select id=\"filter-{name}\" name=\"{name}\">{Options(values, selected, blank)}</select></div>";

    private static string? Name<T>(T? value) where T : struct, Enum => value is { } v ? EnumNames<T>.Name(v) : null;

    private static async Task<IReadOnlyList<(Guid, string)>> DocumentTitlesAsync(PostgresEventStore store, CancellationToken ct)
    {
        var found = new List<(Guid, string)>();
        await using var cmd = store.DataSource.CreateCommand($"select id, title from {StoreSetup.Schema}.documents order by ingested_at desc, id limit 200");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) found.Add((reader.GetGuid(0), reader.GetString(1)));
        return found;
    }
}

/// <summary>Policies of the page routes: the roles of <see cref="Roles.May"/>, authenticated by the page session cookie only.</summary>
public static class PagePolicies
{
    public const string Read = "page-read";
    public const string Flag = "page-flag";
    public const string Edit = "page-edit";
    public const string SignOff = "page-sign-off";
}
