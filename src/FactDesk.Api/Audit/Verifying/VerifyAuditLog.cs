using FactDesk.Api.Http;

namespace FactDesk.Api.Audit.Verifying;

/// <summary>
/// <c>GET /api/audit/verification</c>: verifies the hash chains of what came after the stored checkpoint (at most
/// <c>Audit:MaxEventsPerCall</c> events; <c>remaining</c> says how many are left for the next call) and moves the
/// checkpoint on when intact. Answers the contract's <c>{ ok, eventsChecked, firstBrokenPosition }</c> for that range.
/// What lies before the checkpoint is re-verified only by a full re-verification, which an auditor asks for.
/// Tools may not call it (the contract's second round); editors, senior editors and auditors may.
/// </summary>
public sealed class VerifyAuditLogEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit/verification", (HttpContext http, IncrementalVerifier verifier) => Reads.Guard(http, async () =>
                Reads.Json(await verifier.VerifyAsync(http.RequestAborted))))
            .RequireAuthorization(Roles.May.Oversee)
            .WithName("VerifyAuditLog").WithTags("Audit")
            .WithDescription("{ ok, eventsChecked, firstBrokenPosition, problem, ledgerHead, verifiedFrom, verifiedTo, remaining, checkpoint }: whether the events " +
                "after the last verified checkpoint (verifiedFrom, exclusive) up to verifiedTo still match their hash chains; the checkpoint moves on when they do. " +
                "At most Audit:MaxEventsPerCall events a call: call again while remaining is above 0. Edits before the checkpoint are found by a full re-verification (POST /api/audit/verification/full).")
            .Produces<IncrementalVerification>().ProducesProblem(401);
}
