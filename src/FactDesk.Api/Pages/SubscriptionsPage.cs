using System.Text;
using FactDesk.Api.Http;
using FactDesk.Api.Subscriptions;
using FactDesk.Api.Subscriptions.Deliveries;
using FactDesk.Api.Subscriptions.Listing;
using FactDesk.Api.Subscriptions.Subscribing;
using FactDesk.Api.Webhooks;
using Npgsql;
using static FactDesk.Api.Pages.Html;

namespace FactDesk.Api.Pages;

/// <summary>
/// <c>/subscriptions</c>: the webhook subscriptions, and a form to add one (Subscribe slice); <c>/subscriptions/{id}</c>:
/// its deliveries, the dead letters first to hand, each sent again by the Redeliver slice. Editors and auditors read
/// these, as the JSON API allows; only editors change them. Tools never see webhook targets.
/// </summary>
public sealed class SubscriptionsPage : IEndpoint
{
    private const string SubscribeForm = "subscribe";
    private const int DeliveriesShown = 200;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/subscriptions", (HttpContext http, NpgsqlDataSource db) => PageResults.Guard(http, () => ListAsync(new PageContext(http), db, 200)))
            .RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();

        app.MapPost("/subscriptions", (HttpContext http, CommandPipeline pipeline, NpgsqlDataSource db, WebhookTargets targets, SubscriptionSecrets secrets) =>
                PageResults.Guard(http, async () =>
                {
                    if (await PageResults.RefuseForgery(http) is { } refused) return refused;
                    var form = await http.Request.ReadFormAsync(http.RequestAborted);
                    var types = form["eventTypes"].OfType<string>().Where(t => t.Length > 0).ToArray();
                    var request = new SubscribeRequest(ClaimPage.V(form, "url"), ClaimPage.V(form, "secret"), types.Length == 0 ? null : types);
                    // The API makes a secret when none is sent and answers it once; a page redirect would lose it, so the page asks for one.
                    var outcome = request.Secret is null
                        ? FormOutcome.Refused(400, "Correct the fields marked below.", new Dictionary<string, string[]> { ["secret"] = ["Type a shared secret: the subscriber checks each delivery's signature with it."] })
                        : await pipeline.RunForm(http, request, null, (body, context) => SubscribeEndpoint.Handle(body, context, pipeline, targets, secrets), "subscription");
                    // The secret is never carried back into the page: it is typed again.
                    var kept = new FormCollection(form.Where(f => f.Key != "secret").ToDictionary(f => f.Key, f => f.Value));
                    return outcome.Succeeded
                        ? PageResults.SeeOther(outcome.Answer!.Location!.Replace("/api/subscriptions/", "/subscriptions/", StringComparison.Ordinal))
                        : await PageResults.BackWithRefusal(http, new FormState(SubscribeForm, kept, outcome, "form-subscribe"), "/subscriptions",
                            page => ListAsync(page, db, outcome.Status));
                }))
            .RequireAuthorization(PagePolicies.Edit).ExcludeFromDescription();

        app.MapGet("/subscriptions/{id}", (string id, HttpContext http, NpgsqlDataSource db) =>
                PageResults.Guard(http, () => DeliveriesAsync(new PageContext(http), db, EndpointDiscovery.ParseId(id), 200)))
            .RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();

        app.MapPost("/subscriptions/{id}/deliveries/{deliveryId}/redeliver", (string id, string deliveryId, HttpContext http, CommandPipeline pipeline, NpgsqlDataSource db) =>
                PageResults.Guard(http, async () =>
                {
                    if (await PageResults.RefuseForgery(http) is { } refused) return refused;
                    var subscriptionId = EndpointDiscovery.ParseId(id);
                    var delivery = EndpointDiscovery.ParseId(deliveryId, "deliveryId");
                    var form = await http.Request.ReadFormAsync(http.RequestAborted);
                    var outcome = await pipeline.RunForm(http, new NoBody(), null,
                        (_, context) => RedeliverEndpoint.Handle(subscriptionId, delivery, context, pipeline, db), "subscription");
                    var back = $"/subscriptions/{subscriptionId}{(form["status"] == "dead" ? "?status=dead" : "")}";
                    return outcome.Succeeded
                        ? PageResults.SeeOther(back)
                        : await PageResults.BackWithRefusal(http, new FormState($"redeliver-{delivery:N}", form, outcome, $"delivery-{delivery:N}"), back,
                            page => DeliveriesAsync(page, db, subscriptionId, outcome.Status));
                }))
            .RequireAuthorization(PagePolicies.Edit).ExcludeFromDescription();
    }

    /// <summary>Webhook targets and deliveries are for editors and auditors (the API's oversee policy), not tools.</summary>
    private static bool MayOversee(PageContext page) => page.May(Roles.Editor, Roles.SeniorEditor, Roles.Auditor);

    private static async Task<IResult> ListAsync(PageContext page, NpgsqlDataSource db, int status)
    {
        if (!MayOversee(page)) return new ForbiddenPage();
        var subscriptions = await ListSubscriptionsEndpoint.ActiveAsync(db, page.Http.RequestAborted);
        var now = DateTimeOffset.UtcNow;
        var body = new StringBuilder("<p>FactDesk sends the events a subscription asks for to its address as signed CloudEvents; a delivery that keeps failing becomes a dead letter, which an editor can send again.</p>");
        body.Append("<table class=\"audit subscriptions\"><caption>Active subscriptions</caption><thead><tr><th scope=\"col\">Sends to</th><th scope=\"col\">Events</th>")
            .Append("<th scope=\"col\">Created</th><th scope=\"col\">Pending</th><th scope=\"col\">Dead letters</th></tr></thead><tbody>");
        foreach (var s in subscriptions)
            body.Append($"<tr><td data-label=\"Sends to\"><a href=\"/subscriptions/{s.Id}\">{T(s.Url)}</a></td>")
                .Append($"<td data-label=\"Events\">{(s.EventTypes.Count == 0 ? "every event" : T(string.Join(", ", s.EventTypes)))}</td>")
                .Append($"<td data-label=\"Created\">{T(s.CreatedBy.Name)}, {QueuePage.When(s.CreatedAt, now, due: false)}</td>")
                .Append($"<td data-label=\"Pending\" class=\"num\">{s.PendingDeliveries}</td>")
                .Append($"<td data-label=\"Dead letters\" class=\"num{(s.DeadDeliveries > 0 ? " attention" : "")}\">")
                .Append(s.DeadDeliveries > 0 ? $"<a href=\"/subscriptions/{s.Id}?status=dead\">{s.DeadDeliveries}</a>" : "0").Append("</td></tr>");
        if (subscriptions.Count == 0) body.Append("<tr><td colspan=\"5\" class=\"empty\">No subscriptions yet.</td></tr>");
        body.Append("</tbody></table>");

        if (page.May(Roles.Editor, Roles.SeniorEditor))
        {
            var chosen = page.Failed?.Form == SubscribeForm ? page.Failed.Values["eventTypes"].ToArray() : [];
            body.Append("<section aria-labelledby=\"subscribe-h\"><h2 id=\"subscribe-h\">Add a subscription</h2>")
                .Append("<form method=\"post\" action=\"/subscriptions\" class=\"action card\" id=\"form-subscribe\">")
                .Append(page.Refusal(SubscribeForm)).Append(page.AntiforgeryField())
                .Append(page.TextField(SubscribeForm, "url", "Send to (https address)", required: true, type: "url"))
                .Append(page.TextField(SubscribeForm, "secret", $"Shared secret for the signature ({SubscribeRequest.MinSecretLength} characters or more; shown never again)", required: true, type: "password"))
                .Append("<fieldset><legend>Events to send (none ticked: every event)</legend><div class=\"event-types\">");
            foreach (var type in WebhookEventTypes.Deliverable.Order(StringComparer.Ordinal))
                body.Append($"<label class=\"check\"><input type=\"checkbox\" name=\"eventTypes\" value=\"{E(type)}\"{(chosen.Contains(type) ? " checked" : "")}> {E(type)}</label>");
            body.Append("</div>").Append(page.Errors(SubscribeForm, "eventTypes")).Append("</fieldset>")
                .Append("<button type=\"submit\">Subscribe</button></form></section>");
        }
        return PageResults.Page(page, "Webhook subscriptions", body.ToString(), status);
    }

    private static async Task<IResult> DeliveriesAsync(PageContext page, NpgsqlDataSource db, Guid id, int status)
    {
        if (!MayOversee(page)) return new ForbiddenPage();
        var ct = page.Http.RequestAborted;
        var subscription = await ListSubscriptionsEndpoint.FindAsync(db, id, ct) ?? throw Problems.Fail(Problems.NotFound("subscription", id.ToString()));
        var deadOnly = page.Http.Request.Query["status"] == "dead";
        var deliveries = await DeliveryRows.ReadAsync(db,
            $"o.subscription_id = $1 {(deadOnly ? "and o.status = 'dead'" : "")} order by case o.status when 'dead' then 0 when 'pending' then 1 else 2 end, o.position desc limit {DeliveriesShown}",
            [new NpgsqlParameter<Guid> { TypedValue = id }], ct);
        var now = DateTimeOffset.UtcNow;
        var mayRedeliver = page.May(Roles.Editor, Roles.SeniorEditor) && subscription.RemovedAt is null;

        var body = new StringBuilder($"<p class=\"meta\"><a href=\"/subscriptions\">All subscriptions</a> · sends to {T(subscription.Url)} · ")
            .Append(subscription.EventTypes.Count == 0 ? "every event" : T(string.Join(", ", subscription.EventTypes)))
            .Append($" · created by {T(subscription.CreatedBy.Name)}, {E(Time(subscription.CreatedAt))}")
            .Append(subscription.RemovedAt is { } removed ? $" · <strong>removed {E(Time(removed))}</strong>" : "").Append("</p>")
            .Append($"<p>{subscription.PendingDeliveries} pending · {subscription.DeadDeliveries} dead · ")
            .Append(deadOnly ? $"<a href=\"/subscriptions/{id}\">show every delivery</a>" : $"<a href=\"/subscriptions/{id}?status=dead\">show dead letters only</a>").Append("</p>")
            .Append($"<table class=\"audit deliveries\"><caption>{(deadOnly ? "Dead letters" : "Deliveries, dead letters first")} (at most {DeliveriesShown})</caption><thead><tr>")
            .Append("<th scope=\"col\">Event</th><th scope=\"col\">Status</th><th scope=\"col\">Attempts</th><th scope=\"col\">Last answer</th><th scope=\"col\">Action</th></tr></thead><tbody>");
        foreach (var d in deliveries)
        {
            var form = $"redeliver-{d.Id:N}";
            var statusName = EnumNames<DeliveryStatus>.Name(d.Status);
            body.Append($"<tr id=\"delivery-{d.Id:N}\"><td data-label=\"Event\"><code>{E(d.EventType)}</code> <span class=\"muted\">at {d.Position}</span></td>")
                .Append($"<td data-label=\"Status\" class=\"{(d.Status == DeliveryStatus.Dead ? "attention" : "")}\">{E(statusName)}</td>")
                .Append($"<td data-label=\"Attempts\" class=\"num\">{d.Attempts}</td>")
                .Append($"<td data-label=\"Last answer\">{(d.LastStatusCode is { } code ? $"HTTP {code} " : "")}{T(d.LastError)}")
                .Append(d.LastAttemptAt is { } last ? $" <span class=\"muted\">{QueuePage.When(last, now, due: false)}</span>" : "").Append("</td><td data-label=\"Action\">");
            if (d.Status == DeliveryStatus.Dead && mayRedeliver)
                body.Append($"<form method=\"post\" action=\"/subscriptions/{id}/deliveries/{d.Id}/redeliver\" class=\"inline\">{page.Refusal(form)}{page.AntiforgeryField()}")
                    .Append(deadOnly ? "<input type=\"hidden\" name=\"status\" value=\"dead\">" : "")
                    .Append($"<button type=\"submit\" aria-label=\"Send again: {E(d.EventType)} at {d.Position}\">Send again</button></form>");
            else if (d.Status == DeliveryStatus.Delivered && d.DeliveredAt is { } delivered) body.Append($"delivered {QueuePage.When(delivered, now, due: false)}");
            body.Append("</td></tr>");
        }
        if (deliveries.Count == 0) body.Append($"<tr><td colspan=\"5\" class=\"empty\">{(deadOnly ? "No dead letters." : "Nothing sent yet.")}</td></tr>");
        body.Append("</tbody></table>");
        return PageResults.Page(page, "Webhook deliveries", body.ToString(), status);
    }
}

/// <summary>The 403 page, as a result a page handler can return.</summary>
public sealed class ForbiddenPage : IResult
{
    public Task ExecuteAsync(HttpContext http) => PageResults.Forbidden(http);
}
