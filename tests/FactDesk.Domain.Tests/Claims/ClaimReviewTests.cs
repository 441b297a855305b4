using FactDesk.Api.Claims;
using FactDesk.Api.Claims.PublishingClaimReview;
using FactDesk.Api.Documents;
using Shouldly;
using static FactDesk.Domain.Tests.Claims.ClaimStory;

namespace FactDesk.Domain.Tests.Claims;

public class ClaimReviewTests
{
    [Theory]
    [InlineData(Rating.True, 5)]
    [InlineData(Rating.MostlyTrue, 4)]
    [InlineData(Rating.HalfTrue, 3)]
    [InlineData(Rating.Misleading, 2)]
    [InlineData(Rating.False, 1)]
    public void Ratings_map_onto_a_one_to_five_scale_with_true_best(Rating rating, int value)
    {
        ClaimReview.RatingValue(rating).ShouldBe(value);
    }

    [Fact]
    public void An_unverifiable_verdict_has_no_rating_value_only_its_name()
    {
        var claim = Given([.. WithASource, Proposed() with { Rating = Rating.Unverifiable }, Approved(), Published()]);
        var review = ClaimReview.From(claim, claim.Publication!, null, "Desk");
        var rating = review["reviewRating"]!.AsObject();
        rating.ContainsKey("ratingValue").ShouldBeFalse();
        rating["alternateName"]!.GetValue<string>().ShouldBe("Unverifiable");
        rating["bestRating"]!.GetValue<int>().ShouldBe(5);
    }

    [Fact]
    public void The_review_names_the_article_the_claim_appeared_in()
    {
        var claim = Given(PublishedClaim);
        var document = new Document(Guid.NewGuid(), "AI race", "text", "Daily Planet", "Lois Lane", "https://planet.example/ai",
            new DateOnly(2025, 2, 28), "en", null, Tool, Morning);
        var review = ClaimReview.From(claim, claim.Publication!, document, "Desk");
        review["@type"]!.GetValue<string>().ShouldBe("ClaimReview");
        review["claimReviewed"]!.GetValue<string>().ShouldBe(claim.Quote);
        review["url"]!.GetValue<string>().ShouldBe("https://news.example/fact-checks/llm-share");
        review["datePublished"]!.GetValue<string>().ShouldBe("2025-03-04");
        var item = review["itemReviewed"]!.AsObject();
        item["appearance"]!["url"]!.GetValue<string>().ShouldBe("https://planet.example/ai");
        item["author"]!["name"]!.GetValue<string>().ShouldBe("Lois Lane");
        item["datePublished"]!.GetValue<string>().ShouldBe("2025-02-28");
        review["reviewRating"]!["ratingValue"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public void Unknown_facts_are_left_out_rather_than_written_as_null()
    {
        var claim = Given([.. WithApprovedVerdict, Published() with { Url = null }]);
        var review = ClaimReview.From(claim, claim.Publication!, null, "Desk");
        review.ContainsKey("url").ShouldBeFalse();
        review["itemReviewed"]!.AsObject().Count.ShouldBe(1);
        review.ToJsonString().ShouldNotContain("null");
    }
}
