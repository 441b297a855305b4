using FactDesk.Api.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;

namespace FactDesk.Api.Identity;

/// <summary>
/// Pages sign in through the newsroom's issuer where <c>Identity:ClientId</c> is set: ASP.NET Core's OpenID Connect
/// handler runs the authorization code flow with PKCE, and the person it returns (mapped to a name and one FactDesk
/// role, as bearer tokens are) starts an ordinary page session. A person with no FactDesk role gets no session.
/// </summary>
public static class IssuerSignIn
{
    public const string Scheme = "IssuerSignIn";
    public const string StartPath = "/signin/issuer";
    public const string CallbackPath = "/signin/issuer/callback";
    /// <summary>The sign-in page's query when the issuer's sign-in came back without a FactDesk principal.</summary>
    public const string RefusedParameter = "issuer";

    public static AuthenticationBuilder AddIssuerSignIn(this AuthenticationBuilder auth, IssuerOptions issuer)
    {
        if (!issuer.SignsInPages) return auth;
        return auth.AddOpenIdConnect(Scheme, o =>
        {
            o.SignInScheme = PageSessionHandler.SchemeName;
            o.Authority = issuer.Authority;
            o.ClientId = issuer.ClientId;
            o.ClientSecret = string.IsNullOrWhiteSpace(issuer.ClientSecret) ? null : issuer.ClientSecret;
            o.RequireHttpsMetadata = issuer.RequireHttpsMetadata;
            o.ResponseType = "code";
            o.UsePkce = true;
            // The issuer redirects back with a GET, so the correlation and nonce cookies can be Lax rather than None.
            o.ResponseMode = "query";
            o.CallbackPath = CallbackPath;
            o.MapInboundClaims = false;
            o.SaveTokens = false;
            o.GetClaimsFromUserInfoEndpoint = false;
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Events = new OpenIdConnectEvents
            {
                OnTokenValidated = context =>
                {
                    if (issuer.ToFactDeskPrincipal(context.Principal!, PageSessionHandler.SchemeName) is { } principal)
                    {
                        context.Principal = principal;
                        context.Properties!.IsPersistent = true;
                    }
                    else context.Fail(IssuerTokens.NoRole);
                    return Task.CompletedTask;
                },
                // Hook point for the sign-in failures counter (issue 16, point 3): a page sign-in through the issuer that
                // failed (no FactDesk role, a refused or forged answer, the person declined) passes here once.
                OnRemoteFailure = context =>
                {
                    context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(IssuerSignIn))
                        .LogInformation("A page sign-in through the issuer was refused: {Reason}", context.Failure?.Message);
                    context.Response.StatusCode = StatusCodes.Status303SeeOther;
                    context.Response.Headers.Location = $"/signin?{RefusedParameter}=refused";
                    context.HandleResponse();
                    return Task.CompletedTask;
                },
            };
        });
    }
}
