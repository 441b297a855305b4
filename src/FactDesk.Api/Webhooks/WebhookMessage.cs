using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FactDesk.Api.Webhooks;

/// <summary>
/// An event as a subscriber receives it: a CloudEvents 1.0 structured-mode JSON body, signed twice with the
/// subscription's secret: FactDesk's own <c>X-FactDesk-Signature</c> (kept for the receivers written against it) and
/// the Standard Webhooks headers, whose timestamp lets a receiver refuse a replayed delivery.
/// </summary>
public static class WebhookMessage
{
    public const string ContentType = "application/cloudevents+json";
    public const string SignatureHeader = "X-FactDesk-Signature";
    public const string DeliveryHeader = "X-FactDesk-Delivery";

    /// <summary>
    /// The CloudEvent for one stored event. <c>data</c> is the stored JSON as is; <c>factdeskposition</c> and
    /// <c>factdeskversion</c> (extension attributes) let a subscriber order and de-duplicate what it receives.
    /// </summary>
    public static byte[] Body(string source, Guid eventId, string eventType, DateTimeOffset recordedAt, Guid streamId,
        long position, long version, string dataJson)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("specversion", "1.0");
            json.WriteString("id", eventId.ToString());
            json.WriteString("source", source);
            json.WriteString("type", "factdesk." + eventType);
            json.WriteString("time", recordedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("subject", streamId.ToString());
            json.WriteString("datacontenttype", "application/json");
            json.WriteNumber("factdeskposition", position);
            json.WriteNumber("factdeskversion", version);
            json.WritePropertyName("data");
            json.WriteRawValue(dataJson, skipInputValidation: false);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// A signed checkpoint of the transparency log as a CloudEvent (<c>factdesk.transparency-checkpoint.v1</c>): the
    /// note as served by <c>GET /api/audit/checkpoint</c>, and its size. No event of the log: see CheckpointSigner.
    /// </summary>
    public static byte[] CheckpointBody(string source, Guid id, long treeSize, string note, DateTimeOffset signedAt)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("specversion", "1.0");
            json.WriteString("id", id.ToString());
            json.WriteString("source", source);
            json.WriteString("type", "factdesk." + Audit.SigningCheckpoints.CheckpointSigner.WebhookType);
            json.WriteString("time", signedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("subject", "checkpoint/" + treeSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("datacontenttype", "application/json");
            json.WritePropertyName("data");
            json.WriteStartObject();
            json.WriteNumber("treeSize", treeSize);
            json.WriteString("checkpoint", note);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The Standard Webhooks headers: a delivery's id (the same on every retry), the attempt's Unix time, and the signature.</summary>
    public const string StandardIdHeader = "webhook-id";
    public const string StandardTimestampHeader = "webhook-timestamp";
    public const string StandardSignatureHeader = "webhook-signature";

    /// <summary>The prefix of a secret in the Standard Webhooks form: <c>whsec_</c> and the base64 of the key's bytes.</summary>
    public const string StandardSecretPrefix = "whsec_";
    public const int MinStandardKeyBytes = 24;
    private const int GeneratedKeyBytes = 32;

    /// <summary>A new secret in the Standard Webhooks form, for a subscriber that sent none.</summary>
    public static string NewSecret() => StandardSecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(GeneratedKeyBytes));

    /// <summary>Null when the secret is usable; else why not. A <c>whsec_</c> secret must carry base64 of at least 24 bytes.</summary>
    public static string? CheckStandardSecret(string secret)
    {
        if (!secret.StartsWith(StandardSecretPrefix, StringComparison.Ordinal)) return null;
        var key = TryDecodeBase64(secret[StandardSecretPrefix.Length..]);
        return key is { Length: >= MinStandardKeyBytes } ? null
            : $"a secret starting with {StandardSecretPrefix} must go on with the base64 of at least {MinStandardKeyBytes} random bytes.";
    }

    /// <summary>
    /// The HMAC key of the <c>webhook-signature</c>: the decoded bytes of a <c>whsec_</c> secret, as the specification
    /// says; the UTF-8 bytes of any other secret (those subscribers verify with <c>whsec_</c> + base64 of their secret's UTF-8).
    /// </summary>
    public static byte[] StandardKey(string secret) =>
        secret.StartsWith(StandardSecretPrefix, StringComparison.Ordinal) && TryDecodeBase64(secret[StandardSecretPrefix.Length..]) is { } key
            ? key
            : Encoding.UTF8.GetBytes(secret);

    /// <summary><c>v1,</c> and the base64 HMAC-SHA256 of <c>id.timestamp.body</c> (Standard Webhooks, symmetric signature).</summary>
    public static string SignStandard(byte[] key, string webhookId, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{unixSeconds}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    private static byte[]? TryDecodeBase64(string text)
    {
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var written) ? bytes[..written] : null;
    }

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of the exact body bytes, keyed with the subscription's secret.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
