namespace FactDesk.Api.Http;

/// <summary>Takes <c>X-Correlation-Id</c> from the request (or makes one) and echoes it, so a tool can follow its command into the events.</summary>
public static class Correlation
{
    public const string Header = "X-Correlation-Id";

    public static IApplicationBuilder UseCorrelationIds(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var given = (string?)http.Request.Headers[Header];
        var id = given is { Length: > 0 and <= 128 } && given.All(c => c is >= '!' and <= '~') ? given : Guid.NewGuid().ToString();
        http.Items[Header] = id;
        http.Response.Headers[Header] = id;
        await next();
    });

    public static string CorrelationId(this HttpContext http) => http.Items[Header] as string ?? Guid.NewGuid().ToString();
}
