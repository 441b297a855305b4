using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FactDesk.Api.Http;

/// <summary>
/// Signed-in page sessions. The cookie holds a random session id, never the token; the server keeps only the id's
/// SHA-256, so a leaked memory dump or log line cannot be replayed as a cookie. Sessions live in memory: a restart signs
/// everyone out, which is acceptable for a newsroom desk and keeps tokens out of the database.
/// </summary>
public sealed class PageSessions(TimeProvider clock)
{
    public const string CookieName = "factdesk_session";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);
    private readonly ConcurrentDictionary<string, PageSession> _sessions = new(StringComparer.Ordinal);

    public sealed record PageSession(string Name, string Role, string TokenSha256, DateTimeOffset ExpiresAt);

    /// <summary>Starts a session for the principal and answers the id to put in the cookie.</summary>
    public string Start(PrincipalOptions principal)
    {
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _sessions[Digest(id)] = new PageSession(principal.Name, principal.Role, principal.TokenSha256, clock.GetUtcNow() + Lifetime);
        ForgetExpired();
        return id;
    }

    public PageSession? Find(string id)
    {
        if (id.Length is 0 or > 100 || !_sessions.TryGetValue(Digest(id), out var session)) return null;
        if (session.ExpiresAt > clock.GetUtcNow()) return session;
        _sessions.TryRemove(Digest(id), out _);
        return null;
    }

    public void End(string id)
    {
        _sessions.TryRemove(Digest(id), out _);
        _flashes.TryRemove(Digest(id), out _);
    }

    /// <summary>How long a refusal waits for the page it redirects to: long enough for a slow network, short enough to forget.</summary>
    public static readonly TimeSpan FlashLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Refusals kept at once per session; a tab that never follows its redirect cannot grow the map.</summary>
    private const int FlashesPerSession = 8;

    private readonly ConcurrentDictionary<string, List<StoredFlash>> _flashes = new(StringComparer.Ordinal);

    /// <summary>A refused form handed from its POST to the GET it redirects to (post/redirect/get): what was typed and why it was refused.</summary>
    public sealed record Flash(string Form, string Anchor, Dictionary<string, string[]> Values, string Message, IDictionary<string, string[]> Errors);

    private sealed record StoredFlash(string Key, Flash Flash, DateTimeOffset ExpiresAt);

    /// <summary>Keeps a refusal for the session's next page and answers the key the redirect carries, or null without a live session.</summary>
    public string? Keep(string sessionId, Flash flash)
    {
        if (Find(sessionId) is null) return null;
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        var now = clock.GetUtcNow();
        var list = _flashes.GetOrAdd(Digest(sessionId), _ => []);
        lock (list)
        {
            list.RemoveAll(f => f.ExpiresAt <= now);
            if (list.Count >= FlashesPerSession) list.RemoveAt(0);
            list.Add(new StoredFlash(key, flash, now + FlashLifetime));
        }
        return key;
    }

    /// <summary>Takes the refusal once: a reload of the page shows it as it is now, never the refusal again (and never re-submits).</summary>
    public Flash? Take(string sessionId, string key)
    {
        if (!_flashes.TryGetValue(Digest(sessionId), out var list)) return null;
        lock (list)
        {
            var found = list.FirstOrDefault(f => f.Key == key && f.ExpiresAt > clock.GetUtcNow());
            list.RemoveAll(f => f.Key == key);
            return found?.Flash;
        }
    }

    private static string Digest(string id) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)));

    private void ForgetExpired()
    {
        var now = clock.GetUtcNow();
        foreach (var stale in _sessions.Where(s => s.Value.ExpiresAt <= now).Select(s => s.Key).ToList())
        {
            _sessions.TryRemove(stale, out _);
            _flashes.TryRemove(stale, out _);
        }
    }

    public static CookieOptions CookieFor(HttpRequest request) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        Path = "/",
        MaxAge = Lifetime,
    };
}

/// <summary>
/// Authenticates the editors' pages by the session cookie. Used only by page routes (and the queue's live feed, which a
/// page's EventSource calls and cannot send a bearer header); the JSON API keeps bearer tokens, so a cookie alone can
/// never drive it.
/// </summary>
public sealed class PageSessionHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, PageSessions sessions,
    IOptionsMonitor<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "PageSession";

    /// <summary>The routes a page script calls with the cookie: the review queue's server-sent events.</summary>
    public static bool IsPageFeed(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Path.Equals("/api/queue/events", StringComparison.OrdinalIgnoreCase)
        && string.IsNullOrEmpty(request.Headers.Authorization) && request.Cookies.ContainsKey(PageSessions.CookieName);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(PageSessions.CookieName, out var id) || string.IsNullOrEmpty(id))
            return Task.FromResult(AuthenticateResult.NoResult());
        if (sessions.Find(id) is not { } session)
            return Task.FromResult(AuthenticateResult.Fail("The session has ended."));
        // A token removed from the configuration, or a principal whose role changed, ends its sessions at once.
        if (!auth.CurrentValue.Principals.Any(p => p.Name == session.Name && p.Role == session.Role
                && string.Equals(p.TokenSha256, session.TokenSha256, StringComparison.OrdinalIgnoreCase)))
        {
            sessions.End(id);
            return Task.FromResult(AuthenticateResult.Fail("The session's principal is no longer configured."));
        }
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, session.Name), new Claim(ClaimTypes.Role, session.Role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>Pages send the reader to sign in and come back; the feed answers 401 like any API route.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Request.Path.StartsWithSegments("/api"))
            return Problems.Write(Context, Problems.Unauthorized());
        var back = HttpMethods.IsGet(Request.Method) ? (Request.Path + Request.QueryString).ToString() : "/";
        Response.StatusCode = StatusCodes.Status303SeeOther;
        Response.Headers.Location = "/signin?returnUrl=" + Uri.EscapeDataString(back);
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        if (Request.Path.StartsWithSegments("/api"))
            return Problems.Write(Context, Problems.Forbidden(Context.User.FindFirstValue(ClaimTypes.Role)));
        return Pages.PageResults.Forbidden(Context);
    }
}
