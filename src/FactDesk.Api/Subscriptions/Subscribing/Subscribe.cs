using FactDesk.Api.Http;
using FactDesk.Api.Webhooks;

namespace FactDesk.Api.Subscriptions.Subscribing;

/// <summary>The body of <c>POST /api/subscriptions</c>. Event types: omitted or empty for all; see <see cref="WebhookEventTypes"/>.</summary>
public sealed record SubscribeRequest(string? Url, string? Secret, string[]? EventTypes) : IValidatable
{
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 256;
    public const int MaxEventTypes = 100;

    public void Validate(Validation check)
    {
        check.Url("url", Url, required: true);
        if (Url is not null && Uri.TryCreate(Url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
            check.Add("url", "url must not carry a user name or password; the signature authenticates FactDesk.");

        // Only the length and kind of characters are reported: the secret is never echoed back. None sent: FactDesk makes one.
        check.Describe("secret", new FieldRule { Required = false, MinLength = MinSecretLength, MaxLength = MaxSecretLength });
        if (Secret is not null)
        {
            if (Secret.Length is < MinSecretLength or > MaxSecretLength)
                check.Add("secret", $"secret must be {MinSecretLength} to {MaxSecretLength} characters.");
            else if (Secret.Any(char.IsControl)) check.Add("secret", "secret must not contain control characters.");
            else if (WebhookMessage.CheckStandardSecret(Secret) is { } refusal) check.Add("secret", refusal);
        }

        check.Items("eventTypes", EventTypes, MaxEventTypes, distinct: false);
        if (EventTypes is null) return;
        foreach (var name in EventTypes)
            if (name is null || !WebhookEventTypes.IsKnown(name, WebhookEventTypes.Deliverable))
                check.Add("eventTypes", $"'{Shorten(name)}' is not an event type that can be subscribed to (such as claim-flagged.v1, or claim-flagged for every version).");
    }

    private static string Shorten(string? name) => name is null ? "null" : name.Length > 80 ? name[..80] + "…" : name;
}

/// <summary>Ask to be sent events as webhooks, signed with a shared secret (which the decision sees only as its keyed fingerprint).</summary>
public sealed record Subscribe(Guid SubscriptionId, string Url, string SecretFingerprint, IReadOnlyList<string> EventTypes, Actor By, DateTimeOffset At);

public static class SubscribeDecision
{
    public static Decision Decide(Subscription? existing, Subscribe command)
    {
        if (existing is not null)
            return new RuleViolation("subscription-already-exists", $"Subscription {command.SubscriptionId} already exists.");
        return new object[]
        {
            new SubscriptionCreated(command.SubscriptionId, command.Url.Trim(),
                command.SecretFingerprint,
                command.EventTypes.Distinct(StringComparer.Ordinal).ToArray(), command.By, command.At),
        };
    }
}

/// <summary>
/// The answer to a subscribe request. <c>secret</c> is there only when the subscriber sent none and FactDesk made one:
/// this answer (and its replay for the same Idempotency-Key) is the only place it is ever shown.
/// </summary>
public sealed record SubscriptionCreatedAnswer(
    Guid Id, long Version,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Secret);

public sealed class SubscribeEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/subscriptions", (HttpContext http, CommandPipeline pipeline, WebhookTargets targets, SubscriptionSecrets secrets) =>
            pipeline.Run<SubscribeRequest>(http, (body, context) => Handle(body, context, pipeline, targets, secrets)))
            .RequireAuthorization(Roles.May.Edit)
            .WithName("Subscribe").WithTags("Subscriptions")
            .Accepts<SubscribeRequest>("application/json")
            .CreatesStream<SubscriptionCreatedAnswer>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(413).ProducesProblem(422);

    /// <summary>The command, shared by the JSON route and the subscriptions page's form. Without a secret, one is made and answered once.</summary>
    public static async Task<CommandAnswer> Handle(SubscribeRequest body, CommandContext context, CommandPipeline pipeline, WebhookTargets targets, SubscriptionSecrets secrets)
    {
        var ct = context.Http.RequestAborted;
        var target = await targets.CheckAsync(new Uri(body.Url!).IdnHost, ct);
        if (!target.IsAllowed)
            throw Problems.Fail(Problems.Unprocessable("private-target", "The webhook target is not a public address.",
                $"{target.Refusal} Webhooks are only sent to public addresses.",
                new Dictionary<string, string[]> { ["url"] = [target.Refusal!] }));

        var subscriptionId = context.NewId("subscription");
        var generated = body.Secret is null ? WebhookMessage.NewSecret() : null;
        var secret = body.Secret ?? generated!;
        var fingerprint = Subscription.FingerprintSecret(await secrets.FingerprintKeyAsync(ct), subscriptionId, secret);
        var command = new Subscribe(subscriptionId, body.Url!, fingerprint, body.EventTypes ?? [], context.Actor, context.Now);
        await secrets.KeepAsync(command.SubscriptionId, fingerprint, secret, ct);
        return await pipeline.Decide<Subscription>(context, Subscription.StreamType, command.SubscriptionId, creates: true,
            state => SubscribeDecision.Decide(state, command),
            version => new CommandAnswer(201, new SubscriptionCreatedAnswer(command.SubscriptionId, version, generated), version,
                $"/api/subscriptions/{command.SubscriptionId}"),
            "subscription");
    }
}
