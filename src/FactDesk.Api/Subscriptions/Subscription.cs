using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;

namespace FactDesk.Api.Subscriptions;

// Events of a webhook subscription. The secret itself is never in the log (the log is read through the audit feed
// and cannot be edited if it leaks): the event carries only a fingerprint of it; the secret sits in subscription_secrets.

/// <summary>A newsroom tool asked to be told of events. <c>EventTypes</c> empty means every event.</summary>
[EventType("subscription-created.v1")]
public sealed record SubscriptionCreated(
    Guid SubscriptionId, string Url, string SecretHash, IReadOnlyList<string> EventTypes, Actor By, DateTimeOffset At);

[EventType("subscription-removed.v1")]
public sealed record SubscriptionRemoved(Guid SubscriptionId, Actor By, DateTimeOffset At);

/// <summary>
/// The subscription's secret was replaced (rotated): deliveries are signed with the new one, and with the previous one
/// too until <c>PreviousValidUntil</c>, so the subscriber can switch without losing a delivery. Fingerprints only.
/// </summary>
[EventType("subscription-secret-rotated.v1")]
public sealed record SubscriptionSecretRotated(
    Guid SubscriptionId, string SecretHash, string PreviousSecretHash, DateTimeOffset PreviousValidUntil, Actor By, DateTimeOffset At);

/// <summary>An editor asked for a dead delivery to be tried again (recorded so the log says who re-sent what).</summary>
[EventType("redelivery-requested.v1")]
public sealed record RedeliveryRequested(Guid SubscriptionId, Guid DeliveryId, Actor By, DateTimeOffset At);

/// <summary>A subscription as its events make it.</summary>
public sealed record Subscription(
    Guid Id, string Url, string SecretHash, IReadOnlyList<string> EventTypes, Actor CreatedBy, DateTimeOffset CreatedAt,
    Actor? RemovedBy = null, DateTimeOffset? RemovedAt = null)
{
    public const string StreamType = "subscription";

    public bool IsRemoved => RemovedAt is not null;

    public static Subscription Create(SubscriptionCreated e) => new(e.SubscriptionId, e.Url, e.SecretHash, e.EventTypes, e.By, e.At);

    public Subscription Apply(SubscriptionRemoved e) => this with { RemovedBy = e.By, RemovedAt = e.At };

    public Subscription Apply(RedeliveryRequested e) => this;

    public Subscription Apply(SubscriptionSecretRotated e) => this with { SecretHash = e.SecretHash };

    /// <summary>
    /// A fingerprint of the shared secret for the log: HMAC-SHA256 under the server's fingerprint key (kept in the
    /// database, never in the log), so whoever reads the log cannot test guesses of a secret against it, and salted with
    /// the subscription id so equal secrets of two subscriptions do not look alike. It ties the subscription to the
    /// stored secret it was created with (a secret written for a request that then failed is never used).
    /// </summary>
    public static string FingerprintSecret(byte[] serverKey, Guid subscriptionId, string secret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(serverKey, Encoding.UTF8.GetBytes($"factdesk-webhook-secret\n{subscriptionId}\n{secret}")));
}

/// <summary>
/// The event type names a subscription may ask for: every event of the service except the subscriptions' own
/// (those would tell each subscriber where the others receive). A name may be given with its version
/// (<c>claim-flagged.v1</c>: that version only) or without (<c>claim-flagged</c>: every version, present and future).
/// </summary>
public static class WebhookEventTypes
{
    private static readonly HashSet<string> Excluded = ["subscription-created.v1", "subscription-removed.v1", "redelivery-requested.v1", "subscription-secret-rotated.v1"];

    /// <summary>Every versioned name found on event classes of this service, less the subscriptions' own.</summary>
    public static readonly IReadOnlySet<string> Deliverable = typeof(WebhookEventTypes).Assembly.GetTypes()
        .Select(t => t.GetCustomAttribute<EventTypeAttribute>()?.Name)
        .OfType<string>()
        .Where(name => !Excluded.Contains(name))
        // Signed checkpoints of the transparency log are delivered too, though they are no event of the log.
        .Append(Audit.SigningCheckpoints.CheckpointSigner.WebhookType)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The name without its <c>.vN</c> suffix.</summary>
    public static string Unversioned(string name)
    {
        var dot = name.LastIndexOf(".v", StringComparison.Ordinal);
        return dot > 0 && name.Length > dot + 2 && name[(dot + 2)..].All(char.IsAsciiDigit) ? name[..dot] : name;
    }

    /// <summary>True when the name is a deliverable event type, versioned or not.</summary>
    public static bool IsKnown(string name, IReadOnlySet<string> deliverable) =>
        deliverable.Contains(name) || deliverable.Any(known => Unversioned(known) == name);

    /// <summary>Whether a subscription asking for <paramref name="wanted"/> (empty: all) gets an event of <paramref name="type"/>.</summary>
    public static bool Matches(IReadOnlyCollection<string> wanted, string type) =>
        wanted.Count == 0 || wanted.Contains(type) || wanted.Contains(Unversioned(type));
}
