using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FactDesk.Api.Http;

/// <summary>
/// Signed-in page sessions, kept in PostgreSQL so every instance knows them and a restart keeps editors signed in. The
/// cookie is ASP.NET Core's authentication cookie (protected with the shared Data Protection keys) and carries a random
/// session id; the table holds only the id's SHA-256, so a database dump cannot be replayed as a cookie. Signing out
/// revokes the row, which ends the session on every instance within <see cref="PageSessionOptions.RecheckAfter"/>.
/// </summary>
public sealed class PageSessions(NpgsqlDataSource dataSource, TimeProvider clock, PageSessionOptions options)
{
    private const string S = StoreSetup.Schema;
    public const string CookieName = "factdesk_session";
    public const string SessionIdClaim = "factdesk:session";
    /// <summary>Sessions begun with a static token carry its digest, so removing the token from the configuration ends them.</summary>
    public const string TokenDigestClaim = "factdesk:token-sha256";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    /// <summary>The page sessions and the flash messages that belong to them (gone with their session).</summary>
    public static IEnumerable<Weasel.Core.ISchemaObject> SchemaObjects()
    {
        var sessions = SchemaTables.For(S, "page_sessions");
        sessions.AddColumn("id_sha256", "text").AsPrimaryKey();
        sessions.AddColumn("name", "text").NotNull();
        sessions.AddColumn("role", "text").NotNull();
        sessions.AddColumn("created_at", "timestamptz").NotNull().DefaultValueByExpression("clock_timestamp()");
        sessions.AddColumn("expires_at", "timestamptz").NotNull();
        sessions.AddColumn("revoked_at", "timestamptz");
        yield return sessions;

        var flashes = SchemaTables.For(S, "page_flashes");
        flashes.AddColumn("session_sha256", "text").NotNull()
            .ForeignKeyTo(sessions, "id_sha256", "page_flashes_session_sha256_fkey", Weasel.Core.CascadeAction.Cascade, Weasel.Core.CascadeAction.NoAction);
        flashes.AddColumn("key", "text").NotNull();
        flashes.AddColumn("flash", "jsonb").NotNull();
        flashes.AddColumn("expires_at", "timestamptz").NotNull();
        yield return flashes.PrimaryKey("session_sha256", "key");
    }

    /// <summary>When each session on this instance was last found live in the table.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _checked = new(StringComparer.Ordinal);

    /// <summary>Records a new session for the principal and answers its id (for the cookie's ticket).</summary>
    public async Task<string> StartAsync(string name, string role, CancellationToken ct)
    {
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var cmd = dataSource.CreateCommand($"""
            with expired as (delete from {S}.page_sessions where expires_at < now() - interval '1 day')
            insert into {S}.page_sessions (id_sha256, name, role, expires_at) values ($1, $2, $3, $4);
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Digest(id) });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = role });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() + Lifetime });
        await cmd.ExecuteNonQueryAsync(ct);
        _checked[Digest(id)] = clock.GetUtcNow();
        return id;
    }

    /// <summary>True while the session is neither revoked nor expired; a live answer is trusted for <see cref="PageSessionOptions.RecheckAfter"/>.</summary>
    public async Task<bool> IsLiveAsync(string id, CancellationToken ct)
    {
        if (id.Length is 0 or > 100) return false;
        var digest = Digest(id);
        var now = clock.GetUtcNow();
        if (_checked.TryGetValue(digest, out var at) && now - at < options.RecheckAfter) return true;
        await using var cmd = dataSource.CreateCommand($"select exists (select 1 from {S}.page_sessions where id_sha256 = $1 and revoked_at is null and expires_at > now())");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = digest });
        var live = (bool)(await cmd.ExecuteScalarAsync(ct))!;
        if (live) _checked[digest] = now;
        else _checked.TryRemove(digest, out _);
        if (_checked.Count > 10_000) foreach (var stale in _checked.Where(c => now - c.Value >= options.RecheckAfter).Select(c => c.Key).ToList()) _checked.TryRemove(stale, out _);
        return live;
    }

    /// <summary>Revokes the session (on every instance: each rechecks the row) and drops its refusals.</summary>
    public async Task EndAsync(string id, CancellationToken ct)
    {
        _checked.TryRemove(Digest(id), out _);
        await using var cmd = dataSource.CreateCommand($"""
            with refusals as (delete from {S}.page_flashes where session_sha256 = $1)
            update {S}.page_sessions set revoked_at = clock_timestamp() where id_sha256 = $1 and revoked_at is null;
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Digest(id) });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>How long a refusal waits for the page it redirects to: long enough for a slow network, short enough to forget.</summary>
    public static readonly TimeSpan FlashLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Refusals kept at once per session; a tab that never follows its redirect cannot grow the table.</summary>
    private const int FlashesPerSession = 8;

    /// <summary>A refused form handed from its POST to the GET it redirects to (post/redirect/get): what was typed and why it was refused.</summary>
    public sealed record Flash(string Form, string Anchor, Dictionary<string, string[]> Values, string Message, IDictionary<string, string[]> Errors);

    /// <summary>Keeps a refusal for the session's next page (on whichever instance serves it) and answers the key the redirect carries.</summary>
    public async Task<string?> KeepAsync(string sessionId, Flash flash, CancellationToken ct)
    {
        if (!await IsLiveAsync(sessionId, ct)) return null;
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        await using var cmd = dataSource.CreateCommand($"""
            with stale as (delete from {S}.page_flashes where session_sha256 = $1 and (expires_at <= now() or key in (
                select key from {S}.page_flashes where session_sha256 = $1 order by expires_at desc offset {FlashesPerSession - 1})))
            insert into {S}.page_flashes (session_sha256, key, flash, expires_at) values ($1, $2, $3::jsonb, $4);
            """);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Digest(sessionId) });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(flash) });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() + FlashLifetime });
        await cmd.ExecuteNonQueryAsync(ct);
        return key;
    }

    /// <summary>Takes the refusal once: a reload of the page shows it as it is now, never the refusal again (and never re-submits).</summary>
    public async Task<Flash?> TakeAsync(string sessionId, string key, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"delete from {S}.page_flashes where session_sha256 = $1 and key = $2 returning flash::text, expires_at > now()");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Digest(sessionId) });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct) || !reader.GetBoolean(1)) return null;
        return JsonSerializer.Deserialize<Flash>(reader.GetString(0));
    }

    private static string Digest(string id) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
}

/// <summary><c>PageSessions:RecheckAfter</c>: how long an instance trusts that a session it checked is still live (default 5 s).</summary>
public sealed class PageSessionOptions
{
    public TimeSpan RecheckAfter { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The page session scheme: ASP.NET Core cookie authentication, used only by page routes (and the queue's live feed,
/// which a page's EventSource calls and cannot send a bearer header); the JSON API keeps bearer tokens, so a cookie
/// alone can never drive it.
/// </summary>
public static class PageSessionHandler
{
    public const string SchemeName = "PageSession";

    /// <summary>The routes a page script calls with the cookie: the review queue's server-sent events.</summary>
    public static bool IsPageFeed(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Path.Equals("/api/queue/events", StringComparison.OrdinalIgnoreCase)
        && string.IsNullOrEmpty(request.Headers.Authorization) && request.Cookies.ContainsKey(PageSessions.CookieName);

    public static AuthenticationBuilder AddPageSessions(this AuthenticationBuilder auth, IConfiguration configuration, bool signInThroughIssuer)
    {
        auth.Services.AddSingleton(configuration.GetSection("PageSessions").Get<PageSessionOptions>() ?? new PageSessionOptions());
        auth.Services.AddSingleton<PageSessions>();
        foreach (var table in PageSessions.SchemaObjects()) auth.Services.AddSingleton(table);
        return auth.AddCookie(SchemeName, o =>
        {
            o.Cookie.Name = PageSessions.CookieName;
            o.Cookie.HttpOnly = true;
            // The issuer's redirect back is a cross-site navigation: a Strict cookie set there would not be sent on the
            // redirect that follows it, so with issuer sign-in the cookie is Lax (forms still need the anti-forgery token).
            o.Cookie.SameSite = signInThroughIssuer ? SameSiteMode.Lax : SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = PageSessions.Lifetime;
            o.SlidingExpiration = false;
            o.Events = new CookieAuthenticationEvents
            {
                OnSigningIn = async context =>
                {
                    var user = context.Principal!;
                    var sessions = context.HttpContext.RequestServices.GetRequiredService<PageSessions>();
                    var id = await sessions.StartAsync(user.FindFirstValue(ClaimTypes.Name)!, user.FindFirstValue(ClaimTypes.Role)!, context.HttpContext.RequestAborted);
                    ((ClaimsIdentity)user.Identity!).AddClaim(new Claim(PageSessions.SessionIdClaim, id));
                },
                OnValidatePrincipal = async context =>
                {
                    var user = context.Principal!;
                    var services = context.HttpContext.RequestServices;
                    var sessions = services.GetRequiredService<PageSessions>();
                    var id = user.FindFirstValue(PageSessions.SessionIdClaim);
                    var live = id is not null && await sessions.IsLiveAsync(id, context.HttpContext.RequestAborted);
                    // A token removed from the configuration, or a principal whose role changed, ends its sessions at once.
                    if (live && user.FindFirstValue(PageSessions.TokenDigestClaim) is { } digest
                        && !services.GetRequiredService<IOptionsMonitor<AuthOptions>>().CurrentValue.Principals.Any(p =>
                            p.Name == user.FindFirstValue(ClaimTypes.Name) && p.Role == user.FindFirstValue(ClaimTypes.Role)
                            && string.Equals(p.TokenSha256, digest, StringComparison.OrdinalIgnoreCase)))
                    {
                        await sessions.EndAsync(id!, context.HttpContext.RequestAborted);
                        live = false;
                    }
                    if (live) return;
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(SchemeName);
                },
                // Pages send the reader to sign in and come back (303, as every page redirect); the feed answers 401 like any API route.
                OnRedirectToLogin = context =>
                {
                    var http = context.HttpContext;
                    if (http.Request.Path.StartsWithSegments("/api")) return Problems.Write(http, Problems.Unauthorized());
                    var back = HttpMethods.IsGet(http.Request.Method) ? (http.Request.Path + http.Request.QueryString).ToString() : "/";
                    http.Response.StatusCode = StatusCodes.Status303SeeOther;
                    http.Response.Headers.Location = "/signin?returnUrl=" + Uri.EscapeDataString(back);
                    return Task.CompletedTask;
                },
                OnRedirectToAccessDenied = context =>
                {
                    var http = context.HttpContext;
                    return http.Request.Path.StartsWithSegments("/api")
                        ? Problems.Write(http, Problems.Forbidden(http.User.FindFirstValue(ClaimTypes.Role)))
                        : Pages.PageResults.Forbidden(http);
                },
            };
        });
    }
}
