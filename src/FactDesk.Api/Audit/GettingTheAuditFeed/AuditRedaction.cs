using System.Text.Json;
using System.Text.Json.Nodes;
using FactDesk.Api.Http;
using FactDesk.Api.Subscriptions;

namespace FactDesk.Api.Audit.GettingTheAuditFeed;

/// <summary>
/// The audit feed shows each role no more of an event than the role may read elsewhere: secret material (the secret's
/// fingerprint) to nobody, and of a subscription's events only ids, who and when to tools, who may not read
/// subscriptions (their target URLs) at all. Redacted values read <c>"redacted"</c>, so the field's presence stays visible.
/// </summary>
public static class AuditRedaction
{
    public const string Redacted = "redacted";

    /// <summary>Fields no role reads in any answer.</summary>
    private static readonly HashSet<string> SecretFields = new(StringComparer.Ordinal) { "secretHash", "previousSecretHash" };

    /// <summary>What a tool keeps of a subscription event: the ids and the actor and time, as the log's plumbing.</summary>
    private static readonly HashSet<string> KeptForTools = new(StringComparer.Ordinal) { "subscriptionId", "deliveryId", "by", "at" };

    public static bool MayReadSubscriptions(string role) => role is Roles.Editor or Roles.SeniorEditor or Roles.Auditor;

    public static JsonElement Data(string streamType, JsonElement data, string role)
    {
        if (data.ValueKind != JsonValueKind.Object) return data;
        var hidesSubscription = streamType == Subscription.StreamType && !MayReadSubscriptions(role);
        if (!hidesSubscription && !data.EnumerateObject().Any(p => SecretFields.Contains(p.Name))) return data;
        var shown = new JsonObject();
        foreach (var property in data.EnumerateObject())
            shown[property.Name] = SecretFields.Contains(property.Name) || (hidesSubscription && !KeptForTools.Contains(property.Name))
                ? JsonValue.Create(Redacted)
                : JsonNode.Parse(property.Value.GetRawText());
        return JsonSerializer.SerializeToElement(shown);
    }

    public static AuditPage ForRole(AuditPage page, string role) =>
        page with { Items = page.Items.Select(e => e with { Data = Data(e.StreamType, e.Data, role) }).ToList() };
}
