using FactDesk.TamperEvidence;
using FactDesk.Api.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FactDesk.Api.Audit.Reverifying;

/// <summary>
/// <c>POST /api/audit/verification/full</c>: an auditor's (or senior editor's) explicit request to re-verify the whole
/// log in the background: 202 with the run's <c>Location</c>, followed at <c>GET /api/audit/verification/full/{id}</c>
/// (progress, then the result). One runs at a time and at most one starts per <c>Audit:FullVerificationInterval</c>:
/// otherwise 429 with <c>Retry-After</c>. The same <c>Idempotency-Key</c> answers the run it started again.
/// </summary>
public sealed class RequestFullVerificationEndpoint : IEndpoint
{
    /// <summary>Who may ask for a full re-verification and follow it: not tools, not editors.</summary>
    public const string Policy = "audit-the-log";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/audit/verification/full", async (HttpContext http, FullVerifications runs) =>
            {
                var key = (string?)http.Request.Headers["Idempotency-Key"];
                if (key is not null && !IdempotencyStore.IsValidKey(key))
                    return Problems.Result(Problems.Validation("Idempotency-Key", "Idempotency-Key must be 1-255 printable ASCII characters."));
                try
                {
                    var request = await runs.RequestAsync(http.User.Actor().Name, key, http.RequestAborted);
                    if (request.Accepted is not { } accepted)
                    {
                        var seconds = (int)Math.Ceiling(request.RetryAfter!.Value.TotalSeconds);
                        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        return Problems.Result(Problems.Make(429, "full-verification-too-soon", "A full re-verification ran or was asked for too recently.",
                            $"One full re-verification runs at a time, and one may start every {runs.Interval.TotalMinutes:0.##} minutes: retry in {seconds} s."));
                    }
                    if (request.Replayed) http.Response.Headers["Idempotent-Replayed"] = "true";
                    return Results.Accepted(accepted.StatusUrl, accepted);
                }
                catch (Exception e) when (CommandPipeline.IsDatabaseUnavailable(e))
                {
                    return Problems.Result(Problems.Unavailable());
                }
            })
            .RequireAuthorization(Policy)
            .WithName("RequestFullVerification").WithTags("Audit")
            .WithDescription("Re-verifies the whole log's hash chains in the background (no body). 202 with Location of the run; 429 with Retry-After while one runs " +
                "or when one was asked for within Audit:FullVerificationInterval (default 10 minutes). An intact run moves the verification checkpoint to where it ended.")
            .Produces<FullVerificationAccepted>(202).ProducesProblem(400).ProducesProblem(401).ProducesProblem(429)
            // Not a command on a stream (no ETag, no If-Match), but it honours Idempotency-Key as every POST does.
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "Idempotency-Key", In = ParameterLocation.Header,
                    Description = "1-255 printable characters: the same key answers the run it started again (Idempotent-Replayed: true).",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255 },
                });
                return Task.CompletedTask;
            });

        app.MapGet("/api/audit/verification/full/{id}", (string id, HttpContext http, FullVerifications runs) => Reads.Guard(http, async () =>
            {
                var runId = EndpointDiscovery.ParseId(id);
                return await runs.FindAsync(runId, http.RequestAborted) is { } run
                    ? Reads.Json(run)
                    : Problems.Result(Problems.NotFound("full re-verification", id));
            }))
            .RequireAuthorization(Policy)
            .WithName("GetFullVerification").WithTags("Audit")
            .WithDescription("{ id, status (running, done, failed, abandoned), requestedBy, requestedAt, finishedAt, eventsTotal, eventsChecked, progress (0 to 1), result }: " +
                "a full re-verification's progress and, once done, what it found ({ ok, eventsChecked, firstBrokenPosition, problem, ledgerHead, verifiedTo }).")
            .Produces<FullVerificationRun>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(404);
    }
}

/// <summary>Wires incremental verification, full re-verifications and who may ask for them; settings from <c>Audit:</c>.</summary>
public static class AuditVerificationSetup
{
    public static IServiceCollection AddAuditVerification(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => configuration.GetSection("Audit").Get<Verifying.AuditVerificationOptions>() ?? new Verifying.AuditVerificationOptions());
        services.AddSingleton<ChainRangeCheck>();
        services.AddSingleton<Verifying.IncrementalVerifier>();
        services.AddSingleton<FullVerifications>();
        services.AddSingleton(Verifying.IncrementalVerifier.Table());
        services.AddSingleton(FullVerifications.Table());
        services.AddAuthorizationBuilder().AddPolicy(RequestFullVerificationEndpoint.Policy, p => p.RequireRole(Roles.SeniorEditor, Roles.Auditor));
        return services;
    }
}
