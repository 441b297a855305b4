using FactDesk.Api.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace FactDesk.Api.Identity;

/// <summary>
/// Bearer tokens from the newsroom's OpenID Connect issuer, checked with ASP.NET Core's JWT bearer handler against the
/// issuer's discovery document and JWKS (signature, issuer, audience, lifetime; unsigned tokens are refused). The
/// static-token scheme stays the default: it hands a token shaped like a JWT that matches no static token to this
/// scheme, so tools keep their tokens and every refusal is the same 401 problem+json.
/// </summary>
public static class IssuerTokens
{
    public const string Scheme = "IssuerBearer";

    /// <summary>The issuer's person had no FactDesk role: no principal, so 401 like an unknown token.</summary>
    public const string NoRole = "The issuer's token names no FactDesk role.";

    public static IssuerOptions ReadIssuer(this IConfiguration configuration) =>
        configuration.GetSection(IssuerOptions.Section).Get<IssuerOptions>() ?? new IssuerOptions();

    public static AuthenticationBuilder AddIssuerTokens(this AuthenticationBuilder auth, IssuerOptions issuer)
    {
        if (!issuer.AcceptsTokens) return auth;
        return auth.AddJwtBearer(Scheme, o =>
        {
            o.Authority = issuer.Authority;
            o.Audience = issuer.Audience;
            o.RequireHttpsMetadata = issuer.RequireHttpsMetadata;
            // The issuer's claim names as sent ("roles", "name", "sub"), so Identity:RoleClaim means what the issuer says.
            o.MapInboundClaims = false;
            o.TokenValidationParameters.RequireSignedTokens = true;
            o.TokenValidationParameters.RequireExpirationTime = true;
            o.TokenValidationParameters.ClockSkew = TimeSpan.FromMinutes(1);
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    if (issuer.ToFactDeskPrincipal(context.Principal!, Scheme) is { } principal) context.Principal = principal;
                    else context.Fail(NoRole);
                    return Task.CompletedTask;
                },
                // Hook point for the sign-in failures counter (issue 16, point 3): every refused issuer token
                // (expired, wrong audience or issuer, bad or missing signature, no FactDesk role) passes here once.
                OnAuthenticationFailed = _ => Task.CompletedTask,
            };
        });
    }

    /// <summary>Three dot-separated parts: a JWS compact serialisation (an unsigned one ends in an empty part).</summary>
    public static bool LooksLikeJwt(string token) => token.Count(c => c == '.') == 2 && token.Length > 10;
}
