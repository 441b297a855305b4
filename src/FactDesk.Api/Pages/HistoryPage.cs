using System.Globalization;
using System.Text;
using System.Text.Json;
using FactDesk.Api.Claims;
using FactDesk.Api.Claims.GettingDetails;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using static FactDesk.Api.Pages.Html;

namespace FactDesk.Api.Pages;

/// <summary>
/// <c>/claims/{id}/history</c>: every event with who and when; the claim as it was at any version (<c>?version=N</c>); and
/// what changed between two versions (<c>?from=A&amp;to=B</c>), as a field-by-field diff of the two folded states.
/// </summary>
public sealed class HistoryPage : IEndpoint
{
    /// <summary>Fields that describe the event rather than the change, left out of each event's summary.</summary>
    private static readonly HashSet<string> Plumbing = ["claimId", "by", "at"];

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/claims/{id}/history", (string id, HttpContext http, CommandPipeline pipeline) => PageResults.Guard(http, async () =>
            {
                var page = new PageContext(http);
                var claimId = EndpointDiscovery.ParseId(id);
                var (_, latest, events) = await Reads.LoadAsync<Claim>(pipeline.Store, claimId, "claim", null, null, http.RequestAborted);
                var notes = new List<string>();
                var at = VersionParameter(http.Request, "version", latest, latest, notes);
                var to = VersionParameter(http.Request, "to", latest, latest, notes);
                var from = VersionParameter(http.Request, "from", Math.Max(1, to - 1), latest, notes);

                var body = new StringBuilder($"<p class=\"meta\"><a href=\"/claims/{claimId}\">Back to the claim</a> · {latest} events</p>");
                foreach (var note in notes) body.Append($"<p class=\"notice\" role=\"status\">{E(note)}</p>");
                body.Append(Timeline(events));

                var versions = Enumerable.Range(1, (int)latest).Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();
                body.Append("<section aria-labelledby=\"asof-h\"><h2 id=\"asof-h\">The claim as it was</h2>")
                    .Append("<form method=\"get\" class=\"inline-form\"><div class=\"field\"><label for=\"history-version\">At version</label>")
                    .Append($"<select id=\"history-version\" name=\"version\">{Options(versions, at.ToString(CultureInfo.InvariantCulture))}</select></div>")
                    .Append($"<input type=\"hidden\" name=\"from\" value=\"{from}\"><input type=\"hidden\" name=\"to\" value=\"{to}\">")
                    .Append("<button type=\"submit\">Show</button></form>")
                    .Append($"<dl class=\"facts state\" id=\"state-at\">");
                foreach (var (field, value) in Flatten(StateAt(events, at)))
                    body.Append($"<dt>{E(field)}</dt><dd>{T(value)}</dd>");
                body.Append("</dl></section>");

                var before = Flatten(StateAt(events, from));
                var after = Flatten(StateAt(events, to));
                body.Append("<section aria-labelledby=\"diff-h\"><h2 id=\"diff-h\">What changed</h2>")
                    .Append("<form method=\"get\" class=\"inline-form\"><input type=\"hidden\" name=\"version\" value=\"").Append(at).Append("\">")
                    .Append($"<div class=\"field\"><label for=\"history-from\">From version</label><select id=\"history-from\" name=\"from\">{Options(versions, from.ToString(CultureInfo.InvariantCulture))}</select></div>")
                    .Append($"<div class=\"field\"><label for=\"history-to\">To version</label><select id=\"history-to\" name=\"to\">{Options(versions, to.ToString(CultureInfo.InvariantCulture))}</select></div>")
                    .Append("<button type=\"submit\">Compare</button></form>");
                var between = events.Where(e => e.Version > from && e.Version <= to).ToList();
                var sourceNames = SourceNames(events);
                body.Append($"<p>From version {from} to version {to}:</p>");
                if (between.Count == 0) body.Append("<p class=\"muted\">Nothing happened in between.</p>");
                else
                {
                    body.Append("<ul class=\"changes\" id=\"changes\">");
                    foreach (var e in between) body.Append($"<li>{Describe(e, sourceNames)} <span class=\"muted\">(v{e.Version})</span></li>");
                    body.Append("</ul>");
                }
                body.Append("<details class=\"raw\" id=\"raw-diff\"><summary>Field-by-field diff, as stored (for auditors)</summary>")
                    .Append($"<table class=\"diff\" id=\"diff\"><caption>Fields that differ between version {from} and version {to}</caption>")
                    .Append($"<thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Version {from}</th><th scope=\"col\">Version {to}</th></tr></thead><tbody>");
                var changed = 0;
                foreach (var field in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
                {
                    var a = before.GetValueOrDefault(field);
                    var b = after.GetValueOrDefault(field);
                    if (a == b) continue;
                    changed++;
                    body.Append($"<tr><th scope=\"row\">{E(field)}</th><td class=\"was\">{(a is null ? "<span class=\"muted\">—</span>" : T(a))}</td><td class=\"now\">{(b is null ? "<span class=\"muted\">—</span>" : T(b))}</td></tr>");
                }
                if (changed == 0) body.Append("<tr><td colspan=\"3\" class=\"empty\">No field differs.</td></tr>");
                body.Append("</tbody></table></details></section>");
                return PageResults.Page(page, "Claim history", body.ToString());
            }))
            .RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();

    private static string Timeline(IReadOnlyList<RecordedEvent> events)
    {
        var html = new StringBuilder("<section aria-labelledby=\"timeline-h\"><h2 id=\"timeline-h\">Timeline</h2><ol class=\"timeline\">");
        var sources = SourceNames(events);
        foreach (var e in events)
        {
            html.Append($"<li><p><a href=\"?version={e.Version}\">version {e.Version}</a>: {Describe(e, sources)} ")
                .Append($"<span class=\"muted\">({E(e.Metadata.ActorRole)})</span> <time datetime=\"{E(e.RecordedAt.ToString("O", CultureInfo.InvariantCulture))}\">{E(Time(e.RecordedAt))}</time></p>");
            // The stored event as it is, for auditors: one click away, not in the way.
            var data = Flatten(e.DataJson).Where(f => !Plumbing.Contains(f.Key.Split('.', '[')[0])).ToArray();
            html.Append($"<details class=\"raw\"><summary>Stored event <code>{E(e.Type)}</code></summary>");
            if (data.Length > 0)
            {
                html.Append("<dl class=\"event-data\">");
                foreach (var (field, value) in data) html.Append($"<dt>{E(field)}</dt><dd>{T(QueuePage.Shorten(value, 300))}</dd>");
                html.Append("</dl>");
            }
            html.Append("</details></li>");
        }
        return html.Append("</ol></section>").ToString();
    }

    /// <summary>What each source is called (its title, else its citation or address), for the events that name it by id.</summary>
    private static Dictionary<Guid, string> SourceNames(IEnumerable<RecordedEvent> events) =>
        events.Select(e => e.Data).OfType<SourceAttached>()
            .GroupBy(s => s.SourceId).ToDictionary(g => g.Key, g => g.First().Title ?? g.First().Citation ?? g.First().Url ?? "untitled");

    /// <summary>An event in the words a desk uses: "source 'CAICT white paper' attached by Mara Lind".</summary>
    public static string Describe(RecordedEvent e, IReadOnlyDictionary<Guid, string> sources)
    {
        var by = T(e.Metadata.ActorName);
        string Said(string? text) => text is null ? "" : $": <q>{T(QueuePage.Shorten(text, 200))}</q>";
        string Source(Guid id) => $"source '{T(sources.TryGetValue(id, out var name) ? name : id.ToString()[..8])}'";
        return e.Data switch
        {
            ClaimFlagged f => $"Flagged by {by} as {E(EnumNames<Priority>.Name(f.Priority))} priority" +
                              (f.DueAt is { } due ? $", due {E(Time(due))}" : "") + Said(f.Reason),
            ClaimAssigned a => $"Assigned to {T(a.Assignee)} by {by}",
            SourceAttached s => $"{Capital(Source(s.SourceId))} attached by {by}, which {E(Stance(s.Stance))} the claim",
            SourceRetracted r => $"{Capital(Source(r.SourceId))} retracted by {by}{Said(r.Reason)}",
            VerdictProposed v => $"Verdict '{E(EnumNames<Rating>.Name(v.Rating))}' proposed by {by}{Said(v.Summary)}",
            VerdictApproved a => $"Verdict approved by {by}{Said(a.Note)}",
            VerdictRejected r => $"Verdict rejected by {by}{Said(r.Reason)}",
            FactCheckPublished p => $"Fact check published by {by}" + (p.Url is null ? "" : " at " + OutsideLink(p.Url)),
            ClaimDismissed d => $"Dismissed by {by}{Said(d.Reason)}",
            ClaimReopened r => $"Reopened by {by}{Said(r.Reason)}",
            _ => $"<code>{E(e.Type)}</code> by {by}",
        };
    }

    private static string Stance(Stance stance) => stance switch
    {
        Claims.Stance.Supports => "supports",
        Claims.Stance.Contradicts => "contradicts",
        _ => "gives context to",
    };

    private static string Capital(string html) => html.Length == 0 ? html : char.ToUpperInvariant(html[0]) + html[1..];

    private static long VersionParameter(HttpRequest request, string name, long otherwise, long latest, List<string> notes)
    {
        var given = request.Query[name].ToString();
        if (given.Length == 0) return otherwise;
        if (long.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= 1 && v <= latest) return v;
        notes.Add($"{name} must be a version from 1 to {latest}; showing version {otherwise}.");
        return otherwise;
    }

    private static JsonElement StateAt(IReadOnlyList<RecordedEvent> events, long version)
    {
        var upTo = events.Where(e => e.Version <= version).ToArray();
        var claim = StateFolder<Claim>.Instance.Fold(upTo)!;
        return JsonSerializer.SerializeToElement(ClaimView.From(claim, version), JsonDefaults.Options);
    }

    /// <summary>A JSON value as <c>path = text</c> pairs (<c>sources[0].stance</c>), the shape a field diff compares.</summary>
    public static SortedDictionary<string, string> Flatten(JsonElement root)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonElement e, string path)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject()) Walk(p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}");
                    break;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in e.EnumerateArray()) Walk(item, $"{path}[{i++}]");
                    break;
                case JsonValueKind.Null or JsonValueKind.Undefined:
                    break;
                case JsonValueKind.String:
                    fields[path] = e.GetString()!;
                    break;
                default:
                    fields[path] = e.GetRawText();
                    break;
            }
        }
        Walk(root, "");
        // The version is the axis being compared, not a field of the claim.
        fields.Remove("version");
        return fields;
    }
}
