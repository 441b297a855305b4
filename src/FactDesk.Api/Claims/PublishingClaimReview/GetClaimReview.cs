using System.Globalization;
using System.Text.Json.Nodes;
using FactDesk.Api.Documents;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;

namespace FactDesk.Api.Claims.PublishingClaimReview;

/// <summary>
/// <c>GET /api/claims/{id}/claimreview</c>: the published fact check as schema.org <c>ClaimReview</c> JSON-LD, for search
/// engines and aggregators. 404 until a verdict is published. A claim reopened after publication keeps answering with
/// what was published, since that page is still out there until a new verdict replaces it.
/// </summary>
public sealed class GetClaimReviewEndpoint : IEndpoint
{
    public const string MediaType = "application/ld+json";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/claims/{id}/claimreview", (string id, HttpContext http, CommandPipeline pipeline, IConfiguration configuration) =>
            Reads.Guard(http, async () =>
            {
                var claimId = EndpointDiscovery.ParseId(id);
                var (claim, version, _) = await Reads.LoadAsync<Claim>(pipeline.Store, claimId, "claim", null, null, http.RequestAborted);
                if (claim.Publication is null)
                    throw Problems.Fail(Problems.Make(404, "not-published", "The fact check is not published.",
                        $"Claim {claimId} has no published verdict yet."));
                var document = claim.DocumentId is { } documentId
                    ? StateFolder<Document>.Instance.Fold(await pipeline.Store.ReadStreamAsync(documentId, ct: http.RequestAborted))
                    : null;
                var organization = configuration["FactDesk:Organization"] ?? "FactDesk";
                http.Response.Headers.ETag = ETags.Format(version);
                return Results.Text(ClaimReview.From(claim, claim.Publication, document, organization).ToJsonString(), MediaType + "; charset=utf-8");
            }))
            .RequireAuthorization(Roles.May.Read)
            .WithName("GetClaimReview").WithTags("Claims")
            .Produces(200, contentType: MediaType).ProducesValidationProblem().ProducesProblem(401).ProducesProblem(404);
}

/// <summary>Builds the JSON-LD. Keys are written by hand because schema.org names (<c>@type</c>) are not C# names.</summary>
public static class ClaimReview
{
    public const int BestRating = 5;
    public const int WorstRating = 1;

    /// <summary>
    /// The six ratings on schema.org's numeric 1 (worst) to 5 (best) scale. <c>misleading</c> sits between half-true and
    /// false: the facts may be right but the claim leaves a false impression. <c>unverifiable</c> is no point on a
    /// truth scale, so it has no <c>ratingValue</c> and is carried by <c>alternateName</c> alone.
    /// </summary>
    public static int? RatingValue(Rating rating) => rating switch
    {
        Rating.True => 5,
        Rating.MostlyTrue => 4,
        Rating.HalfTrue => 3,
        Rating.Misleading => 2,
        Rating.False => 1,
        _ => null,
    };

    public static string RatingName(Rating rating) => rating switch
    {
        Rating.True => "True",
        Rating.MostlyTrue => "Mostly true",
        Rating.HalfTrue => "Half true",
        Rating.Misleading => "Misleading",
        Rating.False => "False",
        _ => "Unverifiable",
    };

    public static JsonObject From(Claim claim, Publication publication, Document? document, string organization)
    {
        var verdict = publication.Verdict;
        var rating = new JsonObject { ["@type"] = "Rating" };
        if (RatingValue(verdict.Rating) is { } value) rating["ratingValue"] = value;
        rating["bestRating"] = BestRating;
        rating["worstRating"] = WorstRating;
        rating["alternateName"] = RatingName(verdict.Rating);

        var item = new JsonObject { ["@type"] = "Claim" };
        if (document is not null)
        {
            if (document.Url is not null)
                item["appearance"] = Drop(new JsonObject
                {
                    ["@type"] = "CreativeWork", ["url"] = document.Url, ["headline"] = document.Title,
                    ["publisher"] = document.Outlet is null ? null : new JsonObject { ["@type"] = "Organization", ["name"] = document.Outlet },
                });
            if (document.Author is not null) item["author"] = new JsonObject { ["@type"] = "Person", ["name"] = document.Author };
            else if (document.Outlet is not null) item["author"] = new JsonObject { ["@type"] = "Organization", ["name"] = document.Outlet };
            item["datePublished"] = document.PublishedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        return Drop(new JsonObject
        {
            ["@context"] = "https://schema.org",
            ["@type"] = "ClaimReview",
            ["url"] = publication.Url,
            ["claimReviewed"] = claim.Quote,
            ["reviewBody"] = verdict.Summary,
            ["reviewRating"] = rating,
            ["itemReviewed"] = item,
            ["author"] = new JsonObject { ["@type"] = "Organization", ["name"] = organization },
            ["datePublished"] = publication.At.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        });
    }

    // JSON-LD consumers treat a null as a value; unknown facts are left out instead.
    private static JsonObject Drop(JsonObject node)
    {
        foreach (var key in node.Where(p => p.Value is null).Select(p => p.Key).ToArray()) node.Remove(key);
        return node;
    }
}
