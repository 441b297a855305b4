using System.Text;
using System.Text.Json;

namespace FactDesk.Api.Http;

/// <summary>Reads a JSON body within the size limit and turns every way it can be malformed into a 400/413 problem.</summary>
public static class RequestBody
{
    public const int MaxBytes = 1024 * 1024;

    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBytes) throw Problems.Fail(Problems.TooLarge(MaxBytes));
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > MaxBytes) throw Problems.Fail(Problems.TooLarge(MaxBytes));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            throw Problems.Fail(e.StatusCode == 413 ? Problems.TooLarge(MaxBytes) : Problems.Make(400, "bad-request", "The request could not be read.", e.Message));
        }
        return buffer.ToArray();
    }

    public static T Parse<T>(byte[] body, HttpRequest request) where T : class
    {
        var contentType = request.ContentType ?? "";
        if (!contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) && !contentType.Contains("+json", StringComparison.OrdinalIgnoreCase))
            throw Problems.Fail(Problems.Make(415, "unsupported-media-type", "The body must be JSON.", "Send Content-Type: application/json."));
        if (body.Length == 0) throw Problems.Fail(Problems.Validation("body", "A JSON object is required."));
        if (FindMalformedText(body) is { } malformed) throw Problems.Fail(Problems.Validation(malformed.Field, malformed.Message));
        try
        {
            // Strict UTF-8: invalid byte sequences are refused rather than replaced.
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(body);
        }
        catch (DecoderFallbackException)
        {
            throw Problems.Fail(Problems.Validation("body", "The body is not valid UTF-8."));
        }
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Problems.Fail(Problems.Validation("body", "The body must be a JSON object."));
            return document.RootElement.Deserialize<T>(JsonDefaults.StrictRequests)
                ?? throw Problems.Fail(Problems.Validation("body", "A JSON object is required."));
        }
        catch (JsonException e) when (UnknownField(e) is { } unknown)
        {
            // The reported path already ends at the unknown property; without one, name the property itself.
            var field = FieldOf(e.Path) is var path && path != "body" ? path : unknown;
            throw Problems.Fail(Problems.Validation(field, $"{field} is not a field of this request (check its spelling)."));
        }
        catch (JsonException e)
        {
            var field = FieldOf(e.Path);
            var message = e.Path is null or "$"
                ? "The body is not well-formed JSON."
                : $"{field} has the wrong type or format.";
            throw Problems.Fail(Problems.Validation(field, message));
        }
    }

    /// <summary>
    /// Finds the first string (or key) that cannot be stored as text, and names its field: invalid UTF-8 (overlong
    /// encodings included), a lone surrogate escape such as <c>"\ud800"</c>, U+0000 (PostgreSQL cannot store it), or a
    /// key given twice in one object (which copy counts would otherwise depend on the parser). Null when every string is
    /// fine or the body is not well-formed JSON (the parser says so next).
    /// </summary>
    public static (string Field, string Message)? FindMalformedText(byte[] body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        var frames = new List<Frame>();
        string Path()
        {
            var path = new StringBuilder();
            foreach (var frame in frames)
                if (frame.Names is not null && frame.Property is not null) path.Append(path.Length == 0 ? "" : ".").Append(frame.Property);
                else if (frame.Names is null && frame.Index >= 0) path.Append('[').Append(frame.Index).Append(']');
            return path.Length == 0 ? "body" : path.ToString();
        }
        string ObjectPath()
        {
            var property = frames[^1].Property;
            frames[^1].Property = null;
            var path = Path();
            frames[^1].Property = property;
            return path;
        }
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.PropertyName or JsonTokenType.EndObject or JsonTokenType.EndArray or JsonTokenType.Comment)
                    && frames.Count > 0 && frames[^1].Names is null)
                    frames[^1].Index++;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: frames.Add(new Frame { Names = new HashSet<string>(StringComparer.Ordinal) }); break;
                    case JsonTokenType.StartArray: frames.Add(new Frame()); break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray: frames.RemoveAt(frames.Count - 1); break;
                    case JsonTokenType.PropertyName:
                        if (!TryGetText(ref reader, out var name))
                            return (ObjectPath(), "A key is not valid Unicode text (invalid UTF-8 or a lone surrogate).");
                        if (name.Contains('\0')) return (ObjectPath(), "Text must not contain NUL characters.");
                        frames[^1].Property = name;
                        if (!frames[^1].Names!.Add(name)) return (Path(), $"{name} is given more than once.");
                        break;
                    case JsonTokenType.String:
                        if (!TryGetText(ref reader, out var text))
                            return (Path(), $"{Path()} is not valid Unicode text (invalid UTF-8 or a lone surrogate).");
                        if (text.Contains('\0')) return (Path(), "Text must not contain NUL characters.");
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return null;
    }

    private static bool TryGetText(ref Utf8JsonReader reader, out string text)
    {
        try
        {
            text = reader.GetString()!;
            // A lone surrogate escape may decode without complaint: check the UTF-16 it made.
            return !HasLoneSurrogate(text);
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(text[i])) return true;
        }
        return false;
    }

    private sealed class Frame
    {
        /// <summary>Keys seen so far in an object; null for an array.</summary>
        public HashSet<string>? Names;
        public string? Property;
        public int Index = -1;
    }

    /// <summary>The name System.Text.Json reports for a property the request type does not have, or null for other errors.</summary>
    private static string? UnknownField(JsonException e) =>
        e.Message.Contains("could not be mapped", StringComparison.Ordinal)
        && System.Text.RegularExpressions.Regex.Match(e.Message, "property '([^']*)'") is { Success: true } match
            ? match.Groups[1].Value
            : null;

    private static string FieldOf(string? path) => string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');
}
