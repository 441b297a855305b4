using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FactDesk.Api.Http;

/// <summary>
/// Every timestamp a client sends: ISO 8601 with any offset (or none: UTC), always kept as UTC because PostgreSQL's
/// timestamptz parameters take UTC only. A leap second (<c>23:59:60</c>) is read as the second after <c>23:59:59</c>.
/// </summary>
public static class Timestamps
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd",
    ];

    /// <summary>The earliest instant FactDesk stores; earlier ones are typos or sentinels (0001-01-01), never news.</summary>
    public static readonly DateTimeOffset Earliest = new(1800, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // ISO 8601 also writes offsets as +02 and +0200; .NET reads only +02:00.
    private static readonly System.Text.RegularExpressions.Regex BasicOffset =
        new(@"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([+-]\d{2}):?(\d{2})?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public static bool TryParse(string? text, out DateTimeOffset utc)
    {
        utc = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 40) return false;
        text = BasicOffset.Replace(text.Trim().ToUpperInvariant().Replace(' ', 'T'),
            m => $"{m.Groups[1].Value}{m.Groups[2].Value}:{(m.Groups[3].Success ? m.Groups[3].Value : "00")}");
        var leapSecond = false;
        // 23:59:60 exists in UTC once in a while; .NET has no such second, so read it as the next one.
        if (text.Length >= 19 && text[13] == ':' && text[16] == ':' && text[17..19] == "60")
        {
            text = text[..17] + "59" + text[19..];
            leapSecond = true;
        }
        if (!DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            return false;
        if (leapSecond)
        {
            if (parsed.UtcTicks > DateTimeOffset.MaxValue.UtcTicks - TimeSpan.TicksPerSecond) return false;
            parsed = parsed.AddSeconds(1);
        }
        utc = parsed.ToUniversalTime();
        return true;
    }

    /// <summary>Reads JSON timestamps through <see cref="TryParse"/>, so a body's offset never reaches the database.</summary>
    public sealed class UtcConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String) throw new JsonException("A timestamp must be an ISO 8601 string.");
            return TryParse(reader.GetString(), out var utc) ? utc : throw new JsonException("Not an ISO 8601 timestamp.");
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
