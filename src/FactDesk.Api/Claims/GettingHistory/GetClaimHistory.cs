using System.Text.Json;
using FactDesk.Api.Http;

namespace FactDesk.Api.Claims.GettingHistory;

/// <summary><c>GET /api/claims/{id}/history</c>: every event of the claim in order, with who, when, why and its hash.</summary>
public sealed class GetClaimHistoryEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/claims/{id}/history", (string id, HttpContext http, CommandPipeline pipeline) => Reads.Guard(http, async () =>
            {
                var claimId = EndpointDiscovery.ParseId(id);
                var (_, version, events) = await Reads.LoadAsync<Claim>(pipeline.Store, claimId, "claim", null, null, http.RequestAborted);
                var entries = events.Select(e => new ClaimHistoryEntry(
                    e.Position, e.Version, e.EventId, e.Type, e.DataJson, e.Metadata.ActorName, e.Metadata.ActorRole, e.RecordedAt,
                    e.Metadata.CorrelationId, e.Metadata.CausationId, Convert.ToHexStringLower(e.Hash))).ToArray();
                return Reads.Json(new ClaimHistory(claimId, version, entries), version);
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("GetClaimHistory").WithTags("Claims")
            .AnswersWithVersion()
            .Produces<ClaimHistory>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(404);
}

/// <summary>The claim's log as auditors read it.</summary>
public sealed record ClaimHistory(Guid Id, long Version, IReadOnlyList<ClaimHistoryEntry> Events);

/// <summary>One event as stored: <c>data</c> is the stored JSON, <c>hash</c> its link in the tamper-evidence chain (hex).</summary>
public sealed record ClaimHistoryEntry(
    long Position, long Version, Guid EventId, string Type, JsonElement Data, string Actor, string Role, DateTimeOffset RecordedAt,
    string CorrelationId, string CausationId, string Hash);
