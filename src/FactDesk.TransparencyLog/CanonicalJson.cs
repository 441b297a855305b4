using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FactDesk.TransparencyLog;

/// <summary>
/// One byte string per JSON value, whatever its key order or spacing: object members sorted by key (ordinal, over
/// UTF-16 code units, as RFC 8785 does), no whitespace, strings escaping only '"', '\' and control characters
/// (as \b \t \n \f \r or \u00xx), everything else as UTF-8. Numbers keep their text as given: FactDesk reads them from
/// PostgreSQL's jsonb, which prints each number in one way (plain decimal, no exponent).
/// </summary>
public static class CanonicalJson
{
    public static byte[] Encode(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Encode(document.RootElement);
    }

    public static byte[] Encode(JsonElement value)
    {
        var text = new StringBuilder();
        Write(value, text);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Appends the canonical form of a JSON text.</summary>
    public static void Write(string json, StringBuilder text)
    {
        using var document = JsonDocument.Parse(json);
        Write(document.RootElement, text);
    }

    /// <summary>Appends a JSON string, or <c>null</c> for none.</summary>
    public static void WriteStringOrNull(string? value, StringBuilder text)
    {
        if (value is null) text.Append("null");
        else WriteString(value, text);
    }

    private static void Write(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                foreach (var member in value.EnumerateObject().OrderBy(m => m.Name, StringComparer.Ordinal))
                {
                    if (!first) text.Append(',');
                    first = false;
                    WriteString(member.Name, text);
                    text.Append(':');
                    Write(member.Value, text);
                }
                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (i++ > 0) text.Append(',');
                    Write(item, text);
                }
                text.Append(']');
                break;
            case JsonValueKind.String: WriteString(value.GetString()!, text); break;
            case JsonValueKind.Number: text.Append(value.GetRawText()); break;
            case JsonValueKind.True: text.Append("true"); break;
            case JsonValueKind.False: text.Append("false"); break;
            default: text.Append("null"); break;
        }
    }

    private static void WriteString(string value, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in value)
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\t': text.Append("\\t"); break;
                case '\n': text.Append("\\n"); break;
                case '\f': text.Append("\\f"); break;
                case '\r': text.Append("\\r"); break;
                case < ' ': text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        text.Append('"');
    }
}
