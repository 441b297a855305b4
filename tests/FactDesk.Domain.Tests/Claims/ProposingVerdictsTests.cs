using FactDesk.Api.Claims;
using FactDesk.Api.Claims.ProposingVerdicts;
using Shouldly;
using static FactDesk.Domain.Tests.Claims.ClaimStory;

namespace FactDesk.Domain.Tests.Claims;

public class ProposingVerdictsTests
{
    private static ProposeVerdict Propose(string? correction = null) =>
        new(ClaimId, Rating.False, " Only 12% are. ", correction, Editor, Now);

    [Fact]
    public void An_editor_proposes_a_verdict_on_a_claim_with_a_source()
    {
        var claim = Given(WithASource);
        var proposed = ProposeVerdictDecision.Decide(claim, Propose("China is home to 12%")).ShouldBeSingleEvent().ShouldBeOfType<VerdictProposed>();
        proposed.ShouldBe(new VerdictProposed(ClaimId, Rating.False, "Only 12% are.", "China is home to 12%", Editor, Now));
        var next = claim.Apply(proposed);
        next.Status.ShouldBe(ClaimStatus.VerdictProposed);
        next.Verdict!.ProposedBy.ShouldBe(Editor);
    }

    [Fact]
    public void A_verdict_is_not_proposed_before_anyone_is_assigned()
    {
        ProposeVerdictDecision.Decide(Given(Flagged(), SourceAttached()), Propose()).ShouldBreak("claim-not-in-review");
    }

    [Fact]
    public void A_blank_correction_is_stored_as_none()
    {
        ((VerdictProposed)ProposeVerdictDecision.Decide(Given(WithASource), Propose("   ")).ShouldBeSingleEvent()).Correction.ShouldBeNull();
    }

    [Fact]
    public void A_verdict_needs_a_source()
    {
        ProposeVerdictDecision.Decide(Given(InReview), Propose()).ShouldBreak("verdict-needs-a-source");
    }

    [Fact]
    public void A_verdict_needs_a_source_that_is_not_retracted()
    {
        ProposeVerdictDecision.Decide(Given([.. WithASource, SourceRetracted()]), Propose()).ShouldBreak("verdict-needs-a-source");
    }

    [Theory]
    [InlineData(nameof(WithProposedVerdict))]
    [InlineData(nameof(WithApprovedVerdict))]
    public void A_second_verdict_cannot_be_proposed_over_a_standing_one(string situation)
    {
        ProposeVerdictDecision.Decide(Situation(situation), Propose()).ShouldBreak("verdict-already-proposed");
    }

    [Fact]
    public void After_a_rejection_a_new_verdict_can_be_proposed()
    {
        ProposeVerdictDecision.Decide(Given([.. WithProposedVerdict, Rejected()]), Propose()).ShouldBeSingleEvent().ShouldBeOfType<VerdictProposed>();
    }

    [Fact]
    public void After_reopening_a_published_claim_a_new_verdict_can_be_proposed()
    {
        ProposeVerdictDecision.Decide(Given([.. PublishedClaim, Reopened()]), Propose()).ShouldBeSingleEvent().ShouldBeOfType<VerdictProposed>();
    }

    [Theory]
    [MemberData(nameof(ClosedClaims), MemberType = typeof(ClaimStory))]
    public void A_closed_claim_gets_no_verdict(string situation)
    {
        var claim = Situation(situation);
        ProposeVerdictDecision.Decide(claim.Sources.Count == 0 ? claim.Apply(SourceAttached()) : claim, Propose()).ShouldBreak("claim-is-closed");
    }
}
