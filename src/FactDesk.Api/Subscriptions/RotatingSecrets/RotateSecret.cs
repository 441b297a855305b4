using FactDesk.Api.Http;
using FactDesk.Api.Subscriptions.Subscribing;
using FactDesk.Api.Webhooks;

namespace FactDesk.Api.Subscriptions.RotatingSecrets;

/// <summary>The body of <c>POST /api/subscriptions/{id}/secret</c>: the new secret, or none (or no body) for FactDesk to make one.</summary>
public sealed record RotateSecretRequest(string? Secret) : IValidatable
{
    public void Validate(Validation check)
    {
        // The same rules as subscribing; the secret is never echoed back in a refusal.
        check.Describe("secret", new FieldRule { Required = false, MinLength = SubscribeRequest.MinSecretLength, MaxLength = SubscribeRequest.MaxSecretLength });
        if (Secret is null) return;
        if (Secret.Length is < SubscribeRequest.MinSecretLength or > SubscribeRequest.MaxSecretLength)
            check.Add("secret", $"secret must be {SubscribeRequest.MinSecretLength} to {SubscribeRequest.MaxSecretLength} characters.");
        else if (Secret.Any(char.IsControl)) check.Add("secret", "secret must not contain control characters.");
        else if (WebhookMessage.CheckStandardSecret(Secret) is { } refusal) check.Add("secret", refusal);
    }
}

/// <summary>Replace the subscription's secret; the one it replaces keeps signing until <c>PreviousValidUntil</c>.</summary>
public sealed record RotateSecret(Guid SubscriptionId, string SecretFingerprint, DateTimeOffset PreviousValidUntil, Actor By, DateTimeOffset At);

public static class RotateSecretDecision
{
    public static Decision Decide(Subscription subscription, RotateSecret command)
    {
        if (subscription.IsRemoved)
            return new RuleViolation("subscription-removed", $"Subscription {command.SubscriptionId} was removed; it sends nothing to sign.");
        if (subscription.SecretHash == command.SecretFingerprint)
            return new RuleViolation("same-secret", "The new secret is the one the subscription already has: send another, or none for FactDesk to make one.");
        return new object[]
        {
            new SubscriptionSecretRotated(command.SubscriptionId, command.SecretFingerprint, subscription.SecretHash, command.PreviousValidUntil, command.By, command.At),
        };
    }
}

/// <summary>
/// The answer to a rotation. <c>secret</c> is there only when FactDesk made the new one: this answer (and its replay for
/// the same Idempotency-Key) is the only place it is ever shown. Until <c>previousValidUntil</c> deliveries carry both signatures.
/// </summary>
public sealed record SecretRotatedAnswer(
    Guid Id, long Version, DateTimeOffset PreviousValidUntil,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Secret);

public sealed class RotateSecretEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/subscriptions/{id}/secret", (string id, HttpContext http, CommandPipeline pipeline, SubscriptionSecrets secrets, WebhookOptions options) =>
            {
                NoBody.ReadMissingAsEmptyObject(http.Request);
                return pipeline.Run<RotateSecretRequest>(http, async (body, context) =>
                {
                    var ct = context.Http.RequestAborted;
                    var subscriptionId = EndpointDiscovery.ParseId(id);
                    var generated = body.Secret is null ? WebhookMessage.NewSecret() : null;
                    var secret = body.Secret ?? generated!;
                    var fingerprint = Subscription.FingerprintSecret(await secrets.FingerprintKeyAsync(ct), subscriptionId, secret);
                    var command = new RotateSecret(subscriptionId, fingerprint, context.Now + options.SecretRotationGrace, context.Actor, context.Now);
                    // Stored (protected) before the event names it, as when subscribing; a row whose event never lands is never used.
                    await secrets.KeepAsync(subscriptionId, fingerprint, secret, ct);
                    return await pipeline.Decide<Subscription>(context, Subscription.StreamType, subscriptionId, creates: false,
                        state => RotateSecretDecision.Decide(state!, command),
                        version => new CommandAnswer(200, new SecretRotatedAnswer(subscriptionId, version, command.PreviousValidUntil, generated), version),
                        "subscription");
                });
            })
            .RequireAuthorization(Roles.May.Edit)
            .WithName("RotateSubscriptionSecret").WithTags("Subscriptions")
            .WithDescription("Replaces the subscription's signing secret with the one sent, or with a new whsec_ secret answered once when none is sent. " +
                             "The previous secret keeps signing beside the new one (two v1 entries in webhook-signature) for Webhooks:SecretRotationGrace (24 h by default).")
            .Accepts<RotateSecretRequest>("application/json")
            .ChangesStream<SecretRotatedAnswer>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(413);
}
