using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FactDesk.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FactDesk.Api.Tests.SigningIn;

/// <summary>
/// The newsroom's OpenID Connect issuer, as small as a test needs: a real Kestrel server on 127.0.0.1 with its own RSA
/// signing key, a discovery document and JWKS, an authorize endpoint that approves <see cref="SignedInPerson"/> at once
/// (redirecting back with a code) and a token endpoint that checks the code's PKCE verifier and answers an id_token.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key = NewKey("issuer-key-1");
    private readonly ConcurrentDictionary<string, Grant> _codes = new(StringComparer.Ordinal);

    /// <summary>Who the authorize endpoint approves: their claims go into the id_token.</summary>
    public Dictionary<string, object> SignedInPerson { get; set; } = [];

    /// <summary>Each authorize request's query, as it arrived.</summary>
    public ConcurrentQueue<IQueryCollection> Authorizations { get; } = new();
    public int TokensRedeemed => _redeemed;
    private int _redeemed;

    private sealed record Grant(string ClientId, string RedirectUri, string Challenge, string? Nonce, Dictionary<string, object> Person);

    private TestIssuer(WebApplication app) => _app = app;

    public string Url => _app.Urls.Single();

    public static RsaSecurityKey NewKey(string keyId) => new(RSA.Create(2048)) { KeyId = keyId };

    public static async Task<TestIssuer> StartAsync()
    {
        var app = LoopbackApp.Create();
        var issuer = new TestIssuer(app);
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer.Url,
            ["authorization_endpoint"] = issuer.Url + "/authorize",
            ["token_endpoint"] = issuer.Url + "/token",
            ["jwks_uri"] = issuer.Url + "/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        }));
        app.MapGet("/jwks", () =>
        {
            var p = issuer._key.Rsa.ExportParameters(false);
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = issuer._key.KeyId,
                n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) } } });
        });
        app.MapGet("/authorize", issuer.Authorize);
        // A Task<IResult> method group would bind as a RequestDelegate and never execute its result: execute it here.
        app.MapPost("/token", async (HttpContext http) => await (await issuer.RedeemAsync(http)).ExecuteAsync(http));
        await app.StartAsync();
        return issuer;
    }

    private IResult Authorize(HttpContext http)
    {
        var q = http.Request.Query;
        Authorizations.Enqueue(q);
        if (q["response_type"] != "code" || q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]))
            return Results.BadRequest("code flow with PKCE (S256) only");
        var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _codes[code] = new Grant(q["client_id"]!, q["redirect_uri"]!, q["code_challenge"]!, q["nonce"], new(SignedInPerson));
        return Results.Redirect($"{q["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(q["state"].ToString())}");
    }

    private async Task<IResult> RedeemAsync(HttpContext http)
    {
        var form = await http.Request.ReadFormAsync();
        if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var grant))
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        var verifierDigest = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString())));
        if (verifierDigest != grant.Challenge || form["redirect_uri"] != grant.RedirectUri || form["client_id"] != grant.ClientId)
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        Interlocked.Increment(ref _redeemed);
        var claims = new Dictionary<string, object>(grant.Person);
        if (grant.Nonce is not null) claims["nonce"] = grant.Nonce;
        var idToken = Issue(claims, audience: grant.ClientId);
        return Results.Json(new { id_token = idToken, access_token = idToken, token_type = "Bearer", expires_in = 300 });
    }

    /// <summary>A token as this issuer signs it; each argument lets a test make it wrong in one way.</summary>
    public string Issue(Dictionary<string, object> claims, string audience, DateTime? expires = null, string? issuer = null, SecurityKey? signedWith = null)
    {
        var until = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Url,
            Audience = audience,
            IssuedAt = until.AddMinutes(-20),
            NotBefore = until.AddMinutes(-20),
            Expires = until,
            Claims = claims,
            SigningCredentials = new SigningCredentials(signedWith ?? _key, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with otherwise valid claims.</summary>
    public string IssueUnsigned(Dictionary<string, object> claims, string audience)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new Dictionary<string, object>(claims)
        {
            ["iss"] = Url, ["aud"] = audience, ["iat"] = now.ToUnixTimeSeconds(), ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(10).ToUnixTimeSeconds(),
        };
        return Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload)) + ".";
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
