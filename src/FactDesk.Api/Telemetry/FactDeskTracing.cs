using System.Diagnostics;

namespace FactDesk.Api.Telemetry;

/// <summary>FactDesk's own spans: the append of a command's events and the delivery of a webhook.</summary>
public static class FactDeskTracing
{
    public const string SourceName = "FactDesk";
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The W3C <c>traceparent</c> of the current span, to carry a trace across the outbox; null when none is recorded.</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C, Recorded: true } current ? current.Id : null;

    /// <summary>Starts the span of a webhook delivery as a child of the command that owed it (when its traceparent was kept).</summary>
    public static Activity? StartDelivery(string? traceParent, Guid deliveryId, Guid subscriptionId, int attempt)
    {
        if (!Source.HasListeners()) return null;
        var parent = traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;
        var activity = Source.StartActivity("webhook deliver", ActivityKind.Producer, parent);
        activity?.SetTag("factdesk.delivery.id", deliveryId.ToString());
        activity?.SetTag("factdesk.subscription.id", subscriptionId.ToString());
        activity?.SetTag("factdesk.delivery.attempt", attempt);
        return activity;
    }
}
