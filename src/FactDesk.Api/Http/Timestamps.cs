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
            // The shape FactDesk writes itself (every stored event and snapshot) is read by System.Text.Json's own
            // parser, which gives the same instant; TryParse's rewriting of other shapes cost a rebuild a tenth of its time.
            if (!reader.HasValueSequence && !reader.ValueIsEscaped && IsExtendedWithOffset(reader.ValueSpan)
                && reader.TryGetDateTimeOffset(out var written))
                return written.ToUniversalTime();
            return TryParse(reader.GetString(), out var utc) ? utc : throw new JsonException("Not an ISO 8601 timestamp.");
        }

        /// <summary>
        /// <c>yyyy-MM-ddTHH:mm:ss</c>, an optional fraction of 1 to 7 digits, then <c>Z</c> or <c>+hh:mm</c>/<c>-hh:mm</c>:
        /// what both parsers read alike. A leap second, a basic offset or no offset at all goes through TryParse.
        /// </summary>
        public static bool IsExtendedWithOffset(ReadOnlySpan<byte> s)
        {
            if (s.Length is < 20 or > 33) return false;
            static bool Digits(ReadOnlySpan<byte> part)
            {
                foreach (var b in part) if (b is < (byte)'0' or > (byte)'9') return false;
                return true;
            }
            if (!Digits(s[..4]) || s[4] != '-' || !Digits(s[5..7]) || s[7] != '-' || !Digits(s[8..10]) || s[10] != 'T'
                || !Digits(s[11..13]) || s[13] != ':' || !Digits(s[14..16]) || s[16] != ':' || !Digits(s[17..19]) || s[17] == '6')
                return false;
            var i = 19;
            if (s[i] == '.')
            {
                var start = ++i;
                while (i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9') i++;
                if (i - start is < 1 or > 7) return false;
            }
            var offset = s[i..];
            return offset.Length == 1 ? offset[0] == 'Z'
                : offset.Length == 6 && offset[0] is (byte)'+' or (byte)'-' && Digits(offset[1..3]) && offset[3] == ':' && Digits(offset[4..6]);
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
