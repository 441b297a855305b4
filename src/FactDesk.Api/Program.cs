using FactDesk.Api.Audit.SigningCheckpoints;
using FactDesk.Api.Audit.Reverifying;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.Api.Identity;
using FactDesk.Api.Pages;
using FactDesk.Api.Sessions;
using FactDesk.Api.Queue.FollowingTheQueue;
using FactDesk.Api.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics;
using JasperFx;
using Wolverine;

if (args is ["demo", "load", ..]) return await FactDesk.Api.Demo.DemoDatasetLoader.RunAsync(args[2..]);
if (args is ["transparency-log", ..]) return FactDesk.Api.Audit.SigningCheckpoints.SigningKeyCommand.Run(args[1..]);

var builder = WebApplication.CreateBuilder(args);
builder.Host.UseWolverine(options =>
{
    CommandBus.Configure(options, builder.Configuration);
    FactDesk.Api.Webhooks.WebhookSending.Configure(options, builder.Configuration);
});
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = RequestBody.MaxBytes);
builder.AddConnectionLimits();
builder.AddTrustedProxies();
builder.Services.AddSingleton(builder.Configuration.GetSection("LiveFeeds").Get<LiveFeedOptions>() ?? new LiveFeedOptions());
builder.Services.AddSingleton(services =>
{
    var options = services.GetRequiredService<LiveFeedOptions>();
    return new LiveFeedLimits(options, options.MaxTotal ?? Math.Max(1, services.GetRequiredService<ConnectionFigures>().MaxOpen / 4));
});
builder.Services.Configure<AuthOptions>(builder.Configuration.GetSection("Auth"));
builder.Services.AddPrincipalsCheck();
builder.Services.AddFactDeskStore(builder.Configuration);
builder.Services.AddTransparencyLog(builder.Configuration);
builder.Services.AddSingleton<SignInThrottle>();
builder.Services.AddCommandRateLimits(builder.Configuration);
builder.Services.AddProblemDetails();
builder.Services.AddFactDeskOpenApi();
builder.Services.AddSingleton<IReviewQueueReader, ProjectedQueueReader>();
builder.Services.AddSingleton<IAuditTrail, ProjectedAuditTrail>();
var issuer = builder.Configuration.ReadIssuer();
builder.Services.AddSingleton(issuer);
builder.Services.AddAuthentication(BearerTokenHandler.SchemeName)
    // The queue page's EventSource cannot send a bearer header: only that feed may fall back to the page session cookie.
    .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName,
        o => o.ForwardDefaultSelector = http => PageSessionHandler.IsPageFeed(http.Request) ? PageSessionHandler.SchemeName : null)
    // Page sessions: cookie authentication over Data Protection keys and session records in PostgreSQL.
    .AddPageSessions(builder.Configuration, issuer.SignsInPages)
    // The newsroom's OpenID Connect issuer, where configured (Identity:*): its JWTs beside the static tokens.
    .AddIssuerTokens(issuer)
    // Pages sign in through the same issuer where Identity:ClientId is set (code flow with PKCE).
    .AddIssuerSignIn(issuer);
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(Roles.May.Read, p => p.RequireRole(Roles.All))
    .AddPolicy(Roles.May.Flag, p => p.RequireRole(Roles.Tool, Roles.Editor, Roles.SeniorEditor))
    .AddPolicy(Roles.May.Edit, p => p.RequireRole(Roles.Editor, Roles.SeniorEditor))
    .AddPolicy(Roles.May.SignOff, p => p.RequireRole(Roles.SeniorEditor))
    .AddPolicy(Roles.May.Oversee, p => p.RequireRole(Roles.Editor, Roles.SeniorEditor, Roles.Auditor))
    .AddPolicy(PagePolicies.Read, p => p.AddAuthenticationSchemes(PageSessionHandler.SchemeName).RequireRole(Roles.All))
    .AddPolicy(PagePolicies.Flag, p => p.AddAuthenticationSchemes(PageSessionHandler.SchemeName).RequireRole(Roles.Tool, Roles.Editor, Roles.SeniorEditor))
    .AddPolicy(PagePolicies.Edit, p => p.AddAuthenticationSchemes(PageSessionHandler.SchemeName).RequireRole(Roles.Editor, Roles.SeniorEditor))
    .AddPolicy(PagePolicies.SignOff, p => p.AddAuthenticationSchemes(PageSessionHandler.SchemeName).RequireRole(Roles.SeniorEditor));
builder.Services.AddFactDeskDataProtection();
builder.Services.AddAntiforgery(o =>
{
    o.Cookie.Name = "factdesk_antiforgery";
    o.Cookie.SameSite = SameSiteMode.Strict;
    o.Cookie.HttpOnly = true;
    o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
    // Security.cs sends X-Frame-Options: DENY on every answer already.
    o.SuppressXFrameOptionsHeader = true;
});
builder.Services.ConfigureHttpJsonOptions(o => JsonDefaults.Configure(o.SerializerOptions));
builder.AddFactDeskTelemetry();
builder.Services.AddAuditVerification(builder.Configuration);
MessagingStart.StartMessagingOnceTheSchemaExists(builder.Services);

var app = builder.Build();
app.UseForwardedHeaders();
app.Logger.LogInformation("Open files allowed: {FileLimit}; connections at most {MaxOpen}, idle ones without a valid token at most {MaxIdle}; live feeds at most {MaxFeeds}",
    app.Services.GetRequiredService<ConnectionFigures>().FileLimit, app.Services.GetRequiredService<ConnectionFigures>().MaxOpen,
    app.Services.GetRequiredService<ConnectionGate>().MaxIdleUnauthenticated, app.Services.GetRequiredService<LiveFeedLimits>().MaxTotal);
app.UseExceptionHandler(errors => errors.Run(http =>
{
    var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
    return Problems.Write(http, error is not null && CommandPipeline.IsDatabaseUnavailable(error)
        ? Problems.Unavailable()
        : Problems.Make(500, "internal", "Something went wrong on our side.", "The error was logged; nothing you sent caused it."));
}));
app.UseStatusCodePages(async context =>
{
    var http = context.HttpContext;
    if (http.Response.HasStarted || http.Response.ContentLength > 0) return;
    await Problems.Write(http, http.Response.StatusCode switch
    {
        404 => Problems.Make(404, "not-found", "No such route.", $"{http.Request.Method} {http.Request.Path} is not a FactDesk route."),
        405 => Problems.Make(405, "method-not-allowed", "Method not allowed.", $"{http.Request.Path} does not accept {http.Request.Method}."),
        var status => Problems.Make(status, "http-" + status, "The request failed.", null),
    });
});
// Outside the connection gate and authorization, so refused commands (401, 403, 429, 503) are counted too.
app.UseFactDeskTelemetry();
app.UseConnectionGate();
app.UseSecurityHeaders();
app.UseCorrelationIds();
app.UseAuthentication();
app.UseAuthorization();
// After authorization: the limiter's partition is the principal, and a refused request (401, 403) spends nothing.
app.UseRateLimiter();
app.UseAntiforgery();
app.MapOpenApi();
app.MapFactDeskEndpoints();
// JasperFx's command line for the critter stack's own verbs (`codegen write` regenerates Internal/Generated,
// `describe`, `resources`, `projections`); anything else, including a test host's arguments, just serves.
if (args is ["codegen" or "describe" or "resources" or "check-env" or "help" or "?", ..]) return await app.RunJasperFxCommands(args);
// Projections: JasperFx's `projections` drives Marten's daemon (the async ones); FactDesk's `replay-projections` (any
// projection, replayed in one transaction) and `projection-dead-letters` sit beside it. The schema is brought up to date first, as the service would at start-up.
if (args is ["projections" or "replay-projections" or "projection-dead-letters", ..])
{
    await app.Services.GetRequiredService<FactDesk.TamperEvidence.TamperEvidentLog>().MigrateAsync();
    return await app.RunJasperFxCommands(args);
}
app.Run();
return 0;

/// <summary>Entry point type, visible to WebApplicationFactory in the HTTP tests.</summary>
public partial class Program;
