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
    SignInThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Scheme = "Bearer";

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

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header)) return Task.FromResult(AuthenticateResult.NoResult());
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.Fail("The Authorization header must be 'Bearer <token>'."));
        var principal = Match(header["Bearer ".Length..].Trim(), auth.CurrentValue.Principals);
        if (principal is null || !Roles.All.Contains(principal.Role))
        {
            throttle.RecordFailure(SignInThrottle.ClientKey(Context));
            return Task.FromResult(AuthenticateResult.Fail("Unknown token."));
        }
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, principal.Name), new Claim(ClaimTypes.Role, principal.Role)], Scheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
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
