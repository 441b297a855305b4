using System.Security.Claims;
using FactDesk.Api.Http;
using FactDesk.Api.Identity;
using Microsoft.AspNetCore.Authentication;
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
        app.MapGet("/signin", (HttpContext http) => Render(http,
                http.Request.Query.ContainsKey(IssuerSignIn.RefusedParameter) ? "The newsroom's sign-in did not give you a FactDesk role, so no session was started." : null,
                http.Request.Query["returnUrl"], http.Request.Query.ContainsKey(IssuerSignIn.RefusedParameter) ? 401 : 200))
            .AllowAnonymous().ExcludeFromDescription();

        // The newsroom's issuer, where configured: the OpenID Connect handler sends the browser there and back.
        app.MapGet(IssuerSignIn.StartPath, (HttpContext http, IssuerOptions issuer) => issuer.SignsInPages
                ? Results.Challenge(new AuthenticationProperties { RedirectUri = LocalOnly(http.Request.Query["returnUrl"]) }, [IssuerSignIn.Scheme])
                : PageResults.SeeOther("/signin"))
            .AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/signin", (HttpContext http, SignInThrottle throttle, IOptionsMonitor<AuthOptions> auth) => PageResults.Guard(http, async () =>
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
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, principal.Name), new Claim(ClaimTypes.Role, principal.Role),
                new Claim(PageSessions.TokenDigestClaim, principal.TokenSha256.ToLowerInvariant())], PageSessionHandler.SchemeName);
            // The cookie handler records the session (PageSessionHandler's OnSigningIn) and sets the cookie.
            await http.SignInAsync(PageSessionHandler.SchemeName, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = true });
            return PageResults.SeeOther(LocalOnly(returnUrl));
        })).AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/signout", (HttpContext http, PageSessions sessions) => PageResults.Guard(http, async () =>
        {
            if (await PageResults.RefuseForgery(http) is { } refused) return refused;
            // Revoked in the table, so the cookie is refused by every instance, not only this one.
            if (http.User.FindFirstValue(PageSessions.SessionIdClaim) is { } id) await sessions.EndAsync(id, http.RequestAborted);
            await http.SignOutAsync(PageSessionHandler.SchemeName);
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
        var issuer = http.RequestServices.GetRequiredService<IssuerOptions>().SignsInPages
            ? $"""<p class="card narrow"><a class="button" href="{IssuerSignIn.StartPath}?returnUrl={Q(LocalOnly(returnUrl))}">Sign in with your newsroom account</a></p>"""
            : "";
        var body = issuer + $"""
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
