using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FactDesk.Api.Webhooks;

/// <summary>An event as a subscriber receives it: a CloudEvents 1.0 structured-mode JSON body, and its signature.</summary>
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

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of the exact body bytes, keyed with the subscription's secret.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
