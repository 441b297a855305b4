using FactDesk.Api.Http;
using Microsoft.Extensions.Options;
using static FactDesk.Api.Pages.Html;

namespace FactDesk.Api.Pages;

/// <summary>
/// <c>/signin</c>: trade a token for a session cookie (HttpOnly, SameSite=Strict, Secure over https). A wrong token counts
/// against the same throttle as unknown bearer tokens; a valid token is never refused by it. <c>POST /signout</c> ends the session.
/// </summary>
public sealed class SignInPage : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/signin", (HttpContext http) => Render(http, null, http.Request.Query["returnUrl"]))
            .AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/signin", (HttpContext http, PageSessions sessions, SignInThrottle throttle, IOptionsMonitor<AuthOptions> auth) => PageResults.Guard(http, async () =>
        {
            if (await PageResults.RefuseForgery(http) is { } refused) return refused;
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var token = form["token"].ToString().Trim();
            var returnUrl = form["returnUrl"].ToString();
            var principal = token.Length is > 0 and <= 1000 ? BearerTokenHandler.Match(token, auth.CurrentValue.Principals) : null;
            if (principal is null || !Roles.All.Contains(principal.Role))
            {
                http.RequestServices.GetRequiredService<Telemetry.FactDeskMetrics>().SignInFailed("page", principal is null ? "unknown" : "no-role");
                var address = SignInThrottle.ClientAddress(http);
                if (throttle.IsBlocked(address, token, out var retryAfter))
                {
                    http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
                    return Render(http, $"Too many failed sign-ins from here; try again in {(int)Math.Ceiling(retryAfter.TotalSeconds)} s.", returnUrl, 429);
                }
                throttle.RecordFailure(address, token);
                return Render(http, "That token is not known to FactDesk.", returnUrl, 401);
            }
            http.Response.Cookies.Append(PageSessions.CookieName, sessions.Start(principal), PageSessions.CookieFor(http.Request));
            return PageResults.SeeOther(LocalOnly(returnUrl));
        })).AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/signout", (HttpContext http, PageSessions sessions) => PageResults.Guard(http, async () =>
        {
            if (await PageResults.RefuseForgery(http) is { } refused) return refused;
            if (http.Request.Cookies.TryGetValue(PageSessions.CookieName, out var id)) sessions.End(id);
            http.Response.Cookies.Delete(PageSessions.CookieName, PageSessions.CookieFor(http.Request));
            return PageResults.SeeOther("/signin");
        })).RequireAuthorization(PagePolicies.Read).ExcludeFromDescription();
    }

    /// <summary>Only paths on this site, so the sign-in form cannot be used to bounce someone to another site.</summary>
    public static string LocalOnly(string? url) =>
        url is { Length: > 0 and < 2000 } && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal)
        && !url.StartsWith("/\\", StringComparison.Ordinal) && !url.Any(char.IsControl)
            ? url : "/";

    private static IResult Render(HttpContext http, string? error, string? returnUrl, int status = 200)
    {
        var page = new PageContext(http);
        var described = error is null ? "" : " aria-invalid=\"true\" aria-describedby=\"signin-token-error\"";
        var body = $"""
            <form method="post" action="/signin" class="card narrow">
              {page.AntiforgeryField()}
              <input type="hidden" name="returnUrl" value="{E(LocalOnly(returnUrl))}">
              <div class="field"><label for="signin-token">Your FactDesk token</label>
              <input id="signin-token" name="token" type="password" autocomplete="current-password" required{described}>
              {(error is null ? "" : $"<p class=\"field-error\" id=\"signin-token-error\">{E(error)}</p>")}</div>
              <button type="submit">Sign in</button>
            </form>
            <p class="muted">The token is the one your desk administrator gave you for the API; the page keeps a session, not the token.</p>
            """;
        return PageResults.Page(page, "Sign in", body, status);
    }
}
