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
            if (FindNulCharacter(document.RootElement, "") is { } where)
                throw Problems.Fail(Problems.Validation(where.Length == 0 ? "body" : where, "Text must not contain NUL characters."));
            return document.RootElement.Deserialize<T>(JsonDefaults.Options)
                ?? throw Problems.Fail(Problems.Validation("body", "A JSON object is required."));
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

    /// <summary>PostgreSQL cannot store U+0000 in text or jsonb: find it anywhere in the body, keys included, and name the field.</summary>
    private static string? FindNulCharacter(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return element.GetString()!.Contains('\0') ? path : null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var field = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    if (property.Name.Contains('\0')) return path.Length == 0 ? "body" : path;
                    if (FindNulCharacter(property.Value, field) is { } found) return found;
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                    if (FindNulCharacter(item, $"{path}[{index++}]") is { } found) return found;
                return null;
            default:
                return null;
        }
    }

    private static string FieldOf(string? path) => string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');
}
