using FactDesk.Api.Http;
using FactDesk.EventStore;

namespace FactDesk.Api.Audit.Verifying;

/// <summary>
/// <c>GET /api/audit/verification</c>: recomputes every stream's hash chain and the global ledger from the stored
/// events and names the first position found edited, deleted or out of place. Covers the ledger as far as the
/// runner has chained it; the stream chains cover every event.
/// </summary>
public sealed class VerifyAuditLogEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit/verification", (HttpContext http, LogVerifier verifier) => Reads.Guard(http, async () =>
                Reads.Json(await verifier.VerifyAsync(http.RequestAborted))))
            .RequireAuthorization(Roles.May.Read)
            .WithName("VerifyAuditLog").WithTags("Audit")
            .WithDescription("{ ok, eventsChecked, firstBrokenPosition, problem, ledgerHead }: whether the log still matches its hash chains.")
            .Produces<VerificationResult>().ProducesProblem(401);
}
