using FactDesk.Api.Http;

namespace FactDesk.Api.Subscriptions.Unsubscribing;

/// <summary>Stop sending webhooks to a subscriber; deliveries still owed are given up.</summary>
public sealed record Unsubscribe(Guid SubscriptionId, Actor By, DateTimeOffset At);

public static class UnsubscribeDecision
{
    /// <summary>Removing a removed subscription changes nothing and succeeds, so a retried DELETE is harmless.</summary>
    public static Decision Decide(Subscription subscription, Unsubscribe command) =>
        subscription.IsRemoved ? Decision.Nothing : new object[] { new SubscriptionRemoved(command.SubscriptionId, command.By, command.At) };
}

public sealed class UnsubscribeEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapDelete("/api/subscriptions/{id}", (string id, HttpContext http, CommandPipeline pipeline) =>
            {
                NoBody.ReadMissingAsEmptyObject(http.Request);
                return pipeline.Run<NoBody>(http, async (_, context) =>
                {
                    var subscriptionId = EndpointDiscovery.ParseId(id);
                    var command = new Unsubscribe(subscriptionId, context.Actor, context.Now);
                    return await pipeline.Decide<Subscription>(context, Subscription.StreamType, subscriptionId, creates: false,
                        state => UnsubscribeDecision.Decide(state!, command),
                        version => new CommandAnswer(200, new StreamVersion(subscriptionId, version), version),
                        "subscription");
                });
            })
            .RequireAuthorization(Roles.May.Edit)
            .WithName("Unsubscribe").WithTags("Subscriptions")
            .ChangesStream<StreamVersion>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(412);
}
