using FactDesk.Api.Claims;
using FactDesk.Api.Claims.RejectingVerdicts;
using Shouldly;
using static FactDesk.Domain.Tests.Claims.ClaimStory;

namespace FactDesk.Domain.Tests.Claims;

public class RejectingVerdictsTests
{
    private static RejectVerdict Reject() => new(ClaimId, " one source is not enough ", Senior, Now);

    [Theory]
    [InlineData(nameof(WithProposedVerdict))]
    [InlineData(nameof(WithApprovedVerdict))]
    public void A_senior_editor_rejects_a_standing_verdict_and_the_claim_returns_to_review(string situation)
    {
        var claim = Situation(situation);
        var rejected = RejectVerdictDecision.Decide(claim, Reject()).ShouldBeSingleEvent().ShouldBeOfType<VerdictRejected>();
        rejected.ShouldBe(new VerdictRejected(ClaimId, "one source is not enough", Senior, Now));
        var next = claim.Apply(rejected);
        next.Status.ShouldBe(ClaimStatus.InReview);
        next.Verdict.ShouldBeNull();
    }

    [Fact]
    public void A_proposer_may_withdraw_their_own_verdict_by_rejecting_it()
    {
        var claim = Given([.. WithASource, Proposed(Senior)]);
        RejectVerdictDecision.Decide(claim, Reject()).ShouldBeSingleEvent().ShouldBeOfType<VerdictRejected>();
    }

    [Theory]
    [InlineData(nameof(JustFlagged))]
    [InlineData(nameof(WithASource))]
    public void There_is_nothing_to_reject_without_a_verdict(string situation)
    {
        RejectVerdictDecision.Decide(Situation(situation), Reject()).ShouldBreak("no-verdict-to-reject");
    }

    [Theory]
    [MemberData(nameof(ClosedClaims), MemberType = typeof(ClaimStory))]
    public void A_closed_claim_cannot_have_its_verdict_rejected(string situation)
    {
        RejectVerdictDecision.Decide(Situation(situation), Reject()).ShouldBreak("claim-is-closed");
    }
}
