using FactDesk.Api.Http;
using Npgsql;

namespace FactDesk.Api.Subscriptions.Deliveries;

/// <summary>Send a dead delivery again, with a fresh set of attempts.</summary>
public sealed record Redeliver(Guid SubscriptionId, Guid DeliveryId, Actor By, DateTimeOffset At);

public static class RedeliverDecision
{
    /// <param name="status">the delivery's status now (read from the outbox by the endpoint).</param>
    public static Decision Decide(Subscription subscription, DeliveryStatus status, Redeliver command) => status switch
    {
        _ when subscription.IsRemoved => new RuleViolation("subscription-removed", "The subscription was removed; nothing is sent to it any more."),
        // Already queued: asking again changes nothing.
        DeliveryStatus.Pending => Decision.Nothing,
        DeliveryStatus.Delivered => new RuleViolation("delivery-not-dead", "This delivery was received by the subscriber; only dead deliveries are sent again."),
        _ => new object[] { new RedeliveryRequested(command.SubscriptionId, command.DeliveryId, command.By, command.At) },
    };
}

/// <summary>The answer to a redelivery: the subscription, its version, and the delivery now pending again.</summary>
public sealed record Redelivery(Guid Id, long Version, Guid DeliveryId, DeliveryStatus Status);

public sealed class RedeliverEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/subscriptions/{id}/deliveries/{deliveryId}/redelivery", (string id, string deliveryId, HttpContext http, CommandPipeline pipeline, NpgsqlDataSource db) =>
            {
                NoBody.ReadMissingAsEmptyObject(http.Request);
                return pipeline.Run<NoBody>(http, (_, context) =>
                    Handle(EndpointDiscovery.ParseId(id), EndpointDiscovery.ParseId(deliveryId, "deliveryId"), context, pipeline, db));
            })
            .RequireAuthorization(Roles.May.Edit)
            .WithName("Redeliver").WithTags("Subscriptions")
            .ChangesStream<Redelivery>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);

    /// <summary>The command, shared by the JSON route and the deliveries page's button.</summary>
    public static async Task<CommandAnswer> Handle(Guid subscriptionId, Guid delivery, CommandContext context, CommandPipeline pipeline, NpgsqlDataSource db)
    {
        var rows = await DeliveryRows.ReadAsync(db, "o.id = $1 and o.subscription_id = $2",
            [new NpgsqlParameter<Guid> { TypedValue = delivery }, new NpgsqlParameter<Guid> { TypedValue = subscriptionId }], context.Http.RequestAborted);
        if (rows.Count == 0) throw Problems.Fail(Problems.NotFound("delivery", delivery.ToString()));
        var command = new Redeliver(subscriptionId, delivery, context.Actor, context.Now);
        return await pipeline.Decide<Subscription>(context, Subscription.StreamType, subscriptionId, creates: false,
            state => RedeliverDecision.Decide(state!, rows[0].Status, command),
            version => new CommandAnswer(200, new Redelivery(subscriptionId, version, delivery, DeliveryStatus.Pending), version),
            "subscription");
    }
}
