using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace FactDesk.Api.Webhooks;

/// <summary>
/// "Send this outbox row to its subscriber": the message Wolverine keeps in its durable inbox, enqueued in the same
/// transaction as the row (see <see cref="WebhookDispatch"/>). <see cref="Line"/> is the (subscription, stream) whose
/// deliveries must arrive in order: Wolverine's group id, so one instance sends a line's messages one at a time.
/// </summary>
public sealed record DeliverWebhook(Guid DeliveryId, Guid SubscriptionId, Guid StreamId)
{
    public string Line => $"{SubscriptionId:N}/{StreamId:N}";
}

public static class DeliverWebhookHandler
{
    public static Task Handle(DeliverWebhook message, WebhookDelivery delivery, CancellationToken ct) => delivery.DeliverAsync(message, ct);

    /// <summary>
    /// Wolverine's error policies for a delivery, first match wins. A failed attempt is scheduled again after the
    /// back-off the handler drew (<see cref="WebhookOptions.RetryDelay"/>), kept in Wolverine's durable inbox, so any
    /// instance may send it then; the last one goes to Wolverine's dead letters. A delivery held back behind an earlier
    /// one of its line looks again shortly. Anything else (the database away, a shutdown mid-attempt) is the service's
    /// trouble, not the subscriber's: tried again later, indefinitely, never dead-lettered for it.
    /// </summary>
    public static void Configure(HandlerChain chain)
    {
        chain.OnException<WebhookDeliveryDead>().MoveToErrorQueue();
        chain.OnException<WebhookNotDelivered>().CustomActionIndefinitely(
            (_, lifecycle, e) => new ValueTask(lifecycle.ReScheduleAsync(DateTimeOffset.UtcNow + ((WebhookNotDelivered)e).RetryIn)),
            "Send again after the full-jitter back-off (Webhooks:RetryBase, Webhooks:RetryCap)");
        chain.OnException<DeliveryHeldBack>().CustomActionIndefinitely(
            (_, lifecycle, e) => new ValueTask(lifecycle.ReScheduleAsync(DateTimeOffset.UtcNow + ((DeliveryHeldBack)e).LookAgainIn)),
            "Wait for the earlier delivery of the same (subscription, stream)");
        chain.OnAnyException().ScheduleRetryIndefinitely(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));
    }
}

/// <summary>The subscriber did not take the delivery; it is tried again after <see cref="RetryIn"/> (today's full-jitter back-off).</summary>
public sealed class WebhookNotDelivered(Guid delivery, int attempt, TimeSpan retryIn, string error)
    : Exception($"Webhook delivery {delivery} attempt {attempt} failed: {error}")
{
    public int Attempt => attempt;
    public TimeSpan RetryIn => retryIn;
}

/// <summary>The last attempt failed: the row is dead, and the message goes to Wolverine's dead letters.</summary>
public sealed class WebhookDeliveryDead(Guid delivery, int attempts, string error)
    : Exception($"Webhook delivery {delivery} is dead after {attempts} attempts: {error}");

/// <summary>An earlier delivery of the same line is still pending: this one waits its turn, no attempt counted.</summary>
public sealed class DeliveryHeldBack(Guid delivery, TimeSpan lookAgainIn) : Exception($"Webhook delivery {delivery} waits for an earlier one of its line.")
{
    public TimeSpan LookAgainIn => lookAgainIn;
}
