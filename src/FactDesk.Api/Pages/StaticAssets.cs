using FactDesk.Api.Http;

namespace FactDesk.Api.Pages;

/// <summary>
/// <c>GET /static/{name}</c>: the pages' stylesheet and scripts, embedded in the assembly so the service needs no content
/// root or front-end build. Separate files rather than inline code because the content policy forbids inline scripts and styles.
/// </summary>
public sealed class StaticAssetsEndpoint : IEndpoint
{
    private static readonly Dictionary<string, (string ContentType, byte[] Bytes)> Assets = Load();

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/static/{name}", (string name, HttpContext http) =>
        {
            if (!Assets.TryGetValue(name, out var asset))
                return Problems.Result(Problems.Make(404, "not-found", "No such file.", $"There is no static file '{name}'."));
            http.Response.Headers.CacheControl = "no-cache";
            return Results.Bytes(asset.Bytes, asset.ContentType);
        }).ExcludeFromDescription();
        // Browsers ask for /favicon.ico whatever the page links; answer with the same icon instead of a 404 on every page.
        app.MapGet("/favicon.ico", (HttpContext http) =>
        {
            var (type, bytes) = Assets["favicon.svg"];
            http.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.Bytes(bytes, type);
        }).ExcludeFromDescription();
    }

    private static Dictionary<string, (string, byte[])> Load()
    {
        var assembly = typeof(StaticAssetsEndpoint).Assembly;
        const string prefix = "FactDesk.Api.Pages.Static.";
        var found = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[prefix.Length..];
            var type = name.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8"
                : name.EndsWith(".svg", StringComparison.Ordinal) ? "image/svg+xml"
                : "text/javascript; charset=utf-8";
            found[name] = (type, copy.ToArray());
        }
        return found;
    }
}
