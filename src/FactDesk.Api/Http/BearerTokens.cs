using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FactDesk.Api.Http;

/// <summary>One configured principal: <c>Auth:Principals</c> entries hold the SHA-256 of the token, never the token.</summary>
public sealed class PrincipalOptions
{
    public string Name { get; set; } = "";
    public string Role { get; set; } = "";
    public string TokenSha256 { get; set; } = "";
}

public sealed class AuthOptions
{
    public List<PrincipalOptions> Principals { get; set; } = [];
}

/// <summary>Maps <c>Authorization: Bearer &lt;token&gt;</c> to a principal by comparing SHA-256 digests in constant time.</summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptionsMonitor<AuthOptions> auth,
    SignInThrottle throttle, Identity.IssuerOptions issuer, Telemetry.FactDeskMetrics metrics)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Finds the principal whose stored digest matches; every entry is compared so timing does not reveal which.</summary>
    public static PrincipalOptions? Match(string token, IEnumerable<PrincipalOptions> principals)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        PrincipalOptions? found = null;
        foreach (var principal in principals)
        {
            var stored = TryParseHex(principal.TokenSha256);
            if (stored is not null && CryptographicOperations.FixedTimeEquals(digest, stored) && found is null) found = principal;
        }
        return found;
    }

    private static byte[]? TryParseHex(string hex)
    {
        try { return hex.Length == 64 ? Convert.FromHexString(hex) : null; }
        catch (FormatException) { return null; }
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            metrics.SignInFailed("token", "malformed");
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <token>'.");
        }
        var token = header["Bearer ".Length..].Trim();
        var principal = Match(token, auth.CurrentValue.Principals);
        if (principal is not null && Roles.All.Contains(principal.Role))
        {
            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, principal.Name), new Claim(ClaimTypes.Role, principal.Role)], SchemeName);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
        }
        if (issuer.AcceptsTokens && Identity.IssuerTokens.LooksLikeJwt(token))
        {
            // The issuer's scheme has already made FactDesk's principal (name and one role) or refused the token.
            var issued = await Context.AuthenticateAsync(Identity.IssuerTokens.Scheme);
            if (issued.Succeeded) return AuthenticateResult.Success(new AuthenticationTicket(issued.Principal, SchemeName));
            // Every JWT begins alike: its signature, not its first characters, tells one person's token from another's.
            metrics.SignInFailed("jwt", "refused");
            Throttle(token[(token.LastIndexOf('.') + 1)..]);
            return AuthenticateResult.Fail(issued.Failure?.Message ?? "The issuer's token was refused.");
        }
        metrics.SignInFailed("token", principal is null ? "unknown" : "no-role");
        Throttle(token);
        return AuthenticateResult.Fail("Unknown token.");
    }

    /// <summary>Only unknown tokens are throttled: a valid one is never refused because of failures from its address.</summary>
    private void Throttle(string credential)
    {
        var address = SignInThrottle.ClientAddress(Context);
        if (throttle.IsBlocked(address, credential, out var retryAfter)) Context.Items[ThrottledKey] = retryAfter;
        else throttle.RecordFailure(address, credential);
    }

    private static readonly object ThrottledKey = new();

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[ThrottledKey] is TimeSpan retryAfter)
        {
            Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
            return Problems.Write(Context, SignInThrottle.TooManyFailures(retryAfter));
        }
        Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.Write(Context, Problems.Unauthorized());
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, Problems.Forbidden(Context.User.FindFirstValue(ClaimTypes.Role)));
}

public static class ActorExtensions
{
    public static Actor Actor(this ClaimsPrincipal user) =>
        new(user.FindFirstValue(ClaimTypes.Name) ?? "anonymous", user.FindFirstValue(ClaimTypes.Role) ?? "none");
}
