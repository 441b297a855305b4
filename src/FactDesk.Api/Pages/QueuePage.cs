using System.Text;
using FactDesk.Api.Claims;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
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
        app.MapGet("/", (HttpContext http, IReviewQueueReader queue, TamperEvidentLog store, TimeProvider clock) => PageResults.Guard(http, async () =>
        {
            var page = new PageContext(http);
            var (filter, notes) = ParseFilter(http.Request);
            var rows = await queue.ReadAsync(filter, http.RequestAborted);
            var documents = await DocumentTitlesAsync(store, http.RequestAborted);
            var articles = await ArticlesAsync(store, rows, http.RequestAborted);
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
                .Append("<th scope=\"col\">Claim</th><th scope=\"col\">Article</th><th scope=\"col\">Status</th><th scope=\"col\">Priority</th><th scope=\"col\">Assignee</th>")
                .Append("<th scope=\"col\">Due</th><th scope=\"col\">Sources</th><th scope=\"col\">Open discrepancies</th><th scope=\"col\">Flagged</th></tr></thead>")
                .Append("<tbody id=\"queue-rows\" data-poll-ms=\"4000\">").Append(Rows(rows, clock.GetUtcNow(), articles)).Append("</tbody></table>");
            return PageResults.Page(page, "Review queue", body.ToString(), 200, "queue.js");
        })).RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();

        app.MapGet("/queue/rows", (HttpContext http, IReviewQueueReader queue, TamperEvidentLog store, TimeProvider clock) => PageResults.Guard(http, async () =>
        {
            var (filter, _) = ParseFilter(http.Request);
            var rows = await queue.ReadAsync(filter, http.RequestAborted);
            return new HtmlResult(200, Rows(rows, clock.GetUtcNow(), await ArticlesAsync(store, rows, http.RequestAborted)));
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

    public static string Rows(IReadOnlyList<QueueRow> rows, DateTimeOffset now, IReadOnlyDictionary<Guid, (string Title, string? Outlet)>? articles = null)
    {
        if (rows.Count == 0) return "<tr><td colspan=\"9\" class=\"empty\">No open claims match these filters.</td></tr>";
        var html = new StringBuilder();
        foreach (var row in rows)
        {
            var overdue = row.DueAt is { } due && due < now;
            html.Append($"<tr class=\"priority-{E(EnumNames<Priority>.Name(row.Priority))}\" data-claim=\"{E(row.Id.ToString())}\">")
                .Append($"<td data-label=\"Claim\"><a href=\"/claims/{E(row.Id.ToString())}\">{T(Shorten(row.Quote, 160))}</a></td>")
                .Append($"<td data-label=\"Article\">{Article(row.DocumentId, articles)}</td>")
                .Append($"<td data-label=\"Status\">{E(EnumNames<ClaimStatus>.Name(row.Status))}</td>")
                .Append($"<td data-label=\"Priority\"><span class=\"badge badge-{E(EnumNames<Priority>.Name(row.Priority))}\">{E(EnumNames<Priority>.Name(row.Priority))}</span></td>")
                .Append($"<td data-label=\"Assignee\">{(row.Assignee is null ? "<span class=\"muted\">unassigned</span>" : T(row.Assignee))}</td>")
                .Append(row.DueAt is { } d
                    ? $"<td data-label=\"Due\"{(overdue ? " class=\"overdue\"" : "")}>{When(d, now, due: true)}</td>"
                    : "<td data-label=\"Due\"><span class=\"muted\">none</span></td>")
                .Append($"<td data-label=\"Sources\" class=\"num\">{row.SourceCount}</td>")
                .Append($"<td data-label=\"Open discrepancies\" class=\"num{(row.OpenDiscrepancies > 0 ? " attention" : "")}\">{row.OpenDiscrepancies}</td>")
                .Append($"<td data-label=\"Flagged\">{When(row.FlaggedAt, now, due: false)}</td></tr>");
        }
        return html.ToString();
    }

    private static string Article(Guid? documentId, IReadOnlyDictionary<Guid, (string Title, string? Outlet)>? articles) =>
        documentId is { } id && articles is not null && articles.TryGetValue(id, out var article)
            ? $"<a href=\"/documents/{id}\">{T(Shorten(article.Title, 80))}</a>{(article.Outlet is null ? "" : $"<br><span class=\"muted\">{T(article.Outlet)}</span>")}"
            : "<span class=\"muted\">none</span>";

    /// <summary>A moment as a desk says it ("in 2 h", "overdue 1 d", "3 h ago"), the full UTC time on hover and for machines.</summary>
    public static string When(DateTimeOffset at, DateTimeOffset now, bool due) =>
        $"<time datetime=\"{E(at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture))}\" title=\"{E(Time(at))}\">{E(due ? Due(at, now) : Ago(at, now))}</time>";

    /// <summary>A due date against now: "in 2 h", "overdue 1 d".</summary>
    public static string Due(DateTimeOffset due, DateTimeOffset now) =>
        Distance(due - now) is var amount && amount == "now" ? "due now" : due > now ? $"in {amount}" : $"overdue {amount}";

    /// <summary>A past moment against now: "3 h ago".</summary>
    public static string Ago(DateTimeOffset at, DateTimeOffset now) =>
        Distance(now - at) is var amount && amount == "now" ? "just now" : $"{amount} ago";

    /// <summary>A gap in its largest whole unit: minutes under an hour, hours under a day, then days.</summary>
    private static string Distance(TimeSpan gap)
    {
        var length = gap.Duration();
        return length.TotalMinutes < 1 ? "now"
            : length.TotalHours < 1 ? $"{(int)length.TotalMinutes} min"
            : length.TotalDays < 1 ? $"{(int)length.TotalHours} h"
            : $"{(int)length.TotalDays} d";
    }

    public static string Shorten(string text, int max) => text.Length <= max ? text : text[..max].TrimEnd() + "…";

    private static string Select(string name, string label, IEnumerable<string> values, string? selected, string blank) =>
        $"<div class=\"field\"><label for=\"filter-{name}\">{E(label)}</label><select id=\"filter-{name}\" name=\"{name}\">{Options(values, selected, blank)}</select></div>";

    private static string? Name<T>(T? value) where T : struct, Enum => value is { } v ? EnumNames<T>.Name(v) : null;

    /// <summary>The title and outlet of each row's article, in one query.</summary>
    private static async Task<IReadOnlyDictionary<Guid, (string Title, string? Outlet)>> ArticlesAsync(TamperEvidentLog store, IReadOnlyList<QueueRow> rows, CancellationToken ct)
    {
        var ids = rows.Select(r => r.DocumentId).OfType<Guid>().Distinct().ToArray();
        var found = new Dictionary<Guid, (string, string?)>();
        if (ids.Length == 0) return found;
        await using var cmd = store.DataSource.CreateCommand($"select id, title, outlet from {StoreSetup.Schema}.documents where id = any($1)");
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter<Guid[]> { TypedValue = ids });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) found[reader.GetGuid(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        return found;
    }

    private static async Task<IReadOnlyList<(Guid, string)>> DocumentTitlesAsync(TamperEvidentLog store, CancellationToken ct)
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
