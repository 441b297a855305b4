using FactDesk.Api.Discrepancies;
using FactDesk.Api.Http;

namespace FactDesk.Api.Claims.GettingDetails;

/// <summary><c>GET /api/claims/{id}</c>: the claim from its events, now or as it was at <c>?version=</c> or <c>?asOf=</c>.</summary>
public sealed class GetClaimEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/claims/{id}", (string id, HttpContext http, CommandPipeline pipeline) => Reads.Guard(http, async () =>
            {
                var claimId = EndpointDiscovery.ParseId(id);
                var (version, asOf) = Reads.PointInTime(http.Request);
                var (claim, at, events) = await Reads.LoadAsync<Claim>(pipeline.Store, claimId, "claim", version, asOf, http.RequestAborted);
                // A past claim shows its discrepancies as they were then, not as the projection holds them now.
                var discrepancies = version is null && asOf is null
                    ? await ClaimDiscrepancies.CurrentAsync(pipeline.Store, claimId, http.RequestAborted)
                    : await ClaimDiscrepancies.AsOfAsync(pipeline.Store, claimId, asOf ?? events[^1].RecordedAt, http.RequestAborted);
                return Reads.Json(ClaimView.From(claim, at) with { Discrepancies = discrepancies }, at);
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("GetClaim").WithTags("Claims")
            .WithQuery(
                new QueryParameter("version", "The claim as it was at this version (past the current one: 404). Not with asOf.") { Type = "integer", Format = "int64", Minimum = 1, Example = "2" },
                QueryParameter.Timestamp("asOf", "The claim as it was at this moment. Not with version."))
            .AnswersWithVersion()
            .Produces<ClaimView>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(404);
}

/// <summary>The claim as tools and pages see it.</summary>
public sealed record ClaimView(
    Guid Id, long Version, string Quote, Guid? DocumentId, string? Prefix, string? Suffix, string Reason, Priority Priority,
    DateTimeOffset? DueAt, Assertion? Assertion, ClaimStatus Status, string? Assignee, Actor FlaggedBy, DateTimeOffset FlaggedAt,
    IReadOnlyList<Source> Sources, Verdict? Verdict, Publication? Publication, string? ClosingReason, DateTimeOffset LastChangedAt)
{
    /// <summary>Discrepancies that link this claim; they live in their own streams, so they do not move the claim's version.</summary>
    public IReadOnlyList<ClaimDiscrepancy> Discrepancies { get; init; } = [];

    public static ClaimView From(Claim c, long version) => new(
        c.Id, version, c.Quote, c.DocumentId, c.Prefix, c.Suffix, c.Reason, c.Priority, c.DueAt, c.Assertion, c.Status, c.Assignee,
        c.FlaggedBy, c.FlaggedAt, c.Sources, c.Verdict, c.Publication, c.ClosingReason, c.LastChangedAt);
}
