using FactDesk.Api.Claims;
using FactDesk.Api.Claims.Publishing;
using Shouldly;
using static FactDesk.Domain.Tests.Claims.ClaimStory;

namespace FactDesk.Domain.Tests.Claims;

public class PublishingTests
{
    private static PublishFactCheck Publish(string? url = "https://news.example/fc/1") => new(ClaimId, url, Senior, Now);

    [Fact]
    public void An_approved_verdict_is_published_and_closes_the_claim()
    {
        var claim = Given(WithApprovedVerdict);
        var published = PublishFactCheckDecision.Decide(claim, Publish()).ShouldBeSingleEvent().ShouldBeOfType<FactCheckPublished>();
        published.ShouldBe(new FactCheckPublished(ClaimId, "https://news.example/fc/1", Senior, Now));
        var next = claim.Apply(published);
        next.Status.ShouldBe(ClaimStatus.Published);
        next.IsClosed.ShouldBeTrue();
        next.Publication!.Verdict.Rating.ShouldBe(Rating.Misleading);
    }

    [Fact]
    public void A_fact_check_can_be_published_before_its_url_is_known()
    {
        ((FactCheckPublished)PublishFactCheckDecision.Decide(Given(WithApprovedVerdict), Publish(null)).ShouldBeSingleEvent()).Url.ShouldBeNull();
    }

    [Theory]
    [InlineData(nameof(JustFlagged))]
    [InlineData(nameof(InReview))]
    [InlineData(nameof(WithASource))]
    [InlineData(nameof(WithProposedVerdict))]
    public void Only_an_approved_verdict_can_be_published(string situation)
    {
        PublishFactCheckDecision.Decide(Situation(situation), Publish()).ShouldBreak("publish-needs-approval");
    }

    [Theory]
    [MemberData(nameof(ClosedClaims), MemberType = typeof(ClaimStory))]
    public void A_closed_claim_is_not_published_again(string situation)
    {
        PublishFactCheckDecision.Decide(Situation(situation), Publish()).ShouldBreak("claim-is-closed");
    }
}
