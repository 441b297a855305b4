using FactDesk.Api.Http;

namespace FactDesk.Api.Discrepancies.GettingDetails;

/// <summary><c>GET /api/discrepancies/{id}</c>: the discrepancy from its events, now or at <c>?version=</c> / <c>?asOf=</c>.</summary>
public sealed class GetDiscrepancyEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/discrepancies/{id}", (string id, HttpContext http, CommandPipeline pipeline) => Reads.Guard(http, async () =>
            {
                var discrepancyId = EndpointDiscovery.ParseId(id);
                var (version, asOf) = Reads.PointInTime(http.Request);
                var (discrepancy, at, _) = await Reads.LoadAsync<Discrepancy>(pipeline.Store, discrepancyId, "discrepancy", version, asOf, http.RequestAborted);
                return Reads.Json(DiscrepancyView.From(discrepancy, at), at);
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("GetDiscrepancy").WithTags("Discrepancies")
            .WithQuery(
                new QueryParameter("version", "The discrepancy as it was at this version (past the current one: 404). Not with asOf.") { Type = "integer", Format = "int64", Minimum = 1 },
                QueryParameter.Timestamp("asOf", "The discrepancy as it was at this moment. Not with version."))
            .AnswersWithVersion()
            .Produces<DiscrepancyView>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(404);
}

/// <summary>A discrepancy as tools and pages see it.</summary>
public sealed record DiscrepancyView(
    Guid Id, long Version, IReadOnlyList<Guid> ClaimIds, IReadOnlyList<Guid> SourceIds, DiscrepancyKind Kind, string Description,
    IReadOnlyList<DiscrepancyValue> Values, DiscrepancyStatus Status, Actor OpenedBy, DateTimeOffset OpenedAt,
    DiscrepancyResolution? Resolution, DateTimeOffset LastChangedAt, string? Measure, IReadOnlyList<ProposedStatement> Statements,
    DiscrepancyReview? Confirmation, DiscrepancyReview? Decline)
{
    public static DiscrepancyView From(Discrepancy d, long version) => new(
        d.Id, version, d.ClaimIds, d.SourceIds, d.Kind, d.Description, d.Values, d.Status, d.OpenedBy, d.OpenedAt, d.Resolution, d.LastChangedAt,
        d.Measure, d.Statements, d.Confirmation, d.Decline);
}
