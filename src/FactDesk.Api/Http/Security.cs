using System.Collections.Concurrent;
using System.Net;

namespace FactDesk.Api.Http;

/// <summary>
/// Counts failed sign-ins (unknown bearer tokens) per client address; past the limit within the window the client
/// gets 429 until the window passes, so tokens cannot be guessed at speed.
/// </summary>
public sealed class SignInThrottle(TimeProvider clock)
{
    public const int MaxFailures = 20;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Failures> _failures = new();

    private sealed class Failures
    {
        public int Count;
        public DateTimeOffset WindowStart;
    }

    public static string ClientKey(HttpContext http) => (http.Connection.RemoteIpAddress ?? IPAddress.None).ToString();

    public bool IsBlocked(string client, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_failures.TryGetValue(client, out var failures)) return false;
        lock (failures)
        {
            var elapsed = clock.GetUtcNow() - failures.WindowStart;
            if (elapsed >= Window) return false;
            retryAfter = Window - elapsed;
            return failures.Count >= MaxFailures;
        }
    }

    public void RecordFailure(string client)
    {
        var failures = _failures.GetOrAdd(client, _ => new Failures { WindowStart = clock.GetUtcNow() });
        lock (failures)
        {
            if (clock.GetUtcNow() - failures.WindowStart >= Window) (failures.Count, failures.WindowStart) = (0, clock.GetUtcNow());
            failures.Count++;
        }
        // Keep the map from growing without bound under a spray of addresses.
        if (_failures.Count > 10_000)
            foreach (var stale in _failures.Where(f => clock.GetUtcNow() - f.Value.WindowStart >= Window).Select(f => f.Key).ToList())
                _failures.TryRemove(stale, out _);
    }
}

public static class SecurityMiddleware
{
    /// <summary>Headers every answer carries: no framing, no MIME sniffing, a strict content policy for the pages.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
                                            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
            return Task.CompletedTask;
        });
        await next();
    });

    /// <summary>Refuses clients that failed to sign in too often, before any token is checked.</summary>
    public static IApplicationBuilder UseSignInThrottle(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var throttle = http.RequestServices.GetRequiredService<SignInThrottle>();
        if (throttle.IsBlocked(SignInThrottle.ClientKey(http), out var retryAfter))
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
            await Problems.Write(http, Problems.Make(429, "too-many-failed-sign-ins", "Too many failed sign-ins.",
                $"Too many unknown tokens from this client; retry after {(int)Math.Ceiling(retryAfter.TotalSeconds)} s."));
            return;
        }
        await next();
    });
}
