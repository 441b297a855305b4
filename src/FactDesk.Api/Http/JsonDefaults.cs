using System.Text.Json;
using System.Text.Json.Serialization;

namespace FactDesk.Api.Http;

/// <summary>The one JSON shape of FactDesk: camelCase, kebab-case enum names, no nulls dropped silently on input.</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>For request bodies: a field the request does not have is refused, so a tool that sends <c>priorty</c> learns it at once.</summary>
    public static readonly JsonSerializerOptions StrictRequests = new(Options)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        options.Converters.Add(new Timestamps.UtcConverter());
        options.NumberHandling = JsonNumberHandling.Strict;
        options.MaxDepth = 32;
        // Names like "Tomás" stay readable; answers are application/json with nosniff, never inlined into HTML unencoded.
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }
}
