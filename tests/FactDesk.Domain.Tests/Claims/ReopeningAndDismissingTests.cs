using FactDesk.Api.Claims;
using FactDesk.Api.Claims.Dismissing;
using FactDesk.Api.Claims.Reopening;
using Shouldly;
using static FactDesk.Domain.Tests.Claims.ClaimStory;

namespace FactDesk.Domain.Tests.Claims;

public class ReopeningTests
{
    private static ReopenClaim Reopen() => new(ClaimId, " new census figures ", Editor, Now);

    [Fact]
    public void A_published_claim_is_reopened_into_review_and_keeps_its_publication_and_sources()
    {
        var claim = Given(PublishedClaim);
        var reopened = ReopenClaimDecision.Decide(claim, Reopen()).ShouldBeSingleEvent().ShouldBeOfType<ClaimReopened>();
        reopened.ShouldBe(new ClaimReopened(ClaimId, "new census figures", Editor, Now));
        var next = claim.Apply(reopened);
        next.Status.ShouldBe(ClaimStatus.InReview);
        next.Verdict.ShouldBeNull();
        next.Publication.ShouldNotBeNull();
        next.Sources.Count.ShouldBe(1);
    }

    [Fact]
    public void A_dismissed_claim_is_reopened()
    {
        var claim = Given(DismissedClaim);
        claim.Apply((ClaimReopened)ReopenClaimDecision.Decide(claim, Reopen()).ShouldBeSingleEvent()).IsClosed.ShouldBeFalse();
    }

    [Fact]
    public void A_claim_dismissed_before_assignment_reopens_as_flagged()
    {
        var claim = Given(Flagged(), Dismissed());
        claim.Apply((ClaimReopened)ReopenClaimDecision.Decide(claim, Reopen()).ShouldBeSingleEvent()).Status.ShouldBe(ClaimStatus.Flagged);
    }

    [Theory]
    [MemberData(nameof(OpenClaims), MemberType = typeof(ClaimStory))]
    public void An_open_claim_cannot_be_reopened(string situation)
    {
        ReopenClaimDecision.Decide(Situation(situation), Reopen()).ShouldBreak("claim-not-closed");
    }

    [Fact]
    public void A_reopened_claim_cannot_be_reopened_again_until_it_closes()
    {
        ReopenClaimDecision.Decide(Given([.. PublishedClaim, Reopened()]), Reopen()).ShouldBreak("claim-not-closed");
    }
}

public class DismissingTests
{
    private static DismissClaim Dismiss() => new(ClaimId, " an opinion ", Editor, Now);

    [Theory]
    [MemberData(nameof(OpenClaims), MemberType = typeof(ClaimStory))]
    public void Any_open_claim_can_be_dismissed(string situation)
    {
        var claim = Situation(situation);
        var dismissed = DismissClaimDecision.Decide(claim, Dismiss()).ShouldBeSingleEvent().ShouldBeOfType<ClaimDismissed>();
        dismissed.ShouldBe(new ClaimDismissed(ClaimId, "an opinion", Editor, Now));
        var next = claim.Apply(dismissed);
        next.Status.ShouldBe(ClaimStatus.Dismissed);
        next.ClosingReason.ShouldBe("an opinion");
    }

    [Theory]
    [MemberData(nameof(ClosedClaims), MemberType = typeof(ClaimStory))]
    public void A_closed_claim_cannot_be_dismissed(string situation)
    {
        DismissClaimDecision.Decide(Situation(situation), Dismiss()).ShouldBreak("claim-is-closed");
    }

    [Fact]
    public void A_reopened_claim_can_be_dismissed()
    {
        DismissClaimDecision.Decide(Given([.. DismissedClaim, Reopened()]), Dismiss()).ShouldBeSingleEvent().ShouldBeOfType<ClaimDismissed>();
    }
}
