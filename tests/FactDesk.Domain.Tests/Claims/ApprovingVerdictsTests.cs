using FactDesk.Api.Claims;
using FactDesk.Api.Claims.ApprovingVerdicts;
using FactDesk.Api.Http;
using Shouldly;
using static FactDesk.Domain.Tests.Claims.ClaimStory;

namespace FactDesk.Domain.Tests.Claims;

public class ApprovingVerdictsTests
{
    private static ApproveVerdict Approve(Actor by, string? note = " checked the census ") => new(ClaimId, note, by, Now);

    [Fact]
    public void A_senior_editor_approves_a_verdict_proposed_by_an_editor()
    {
        var claim = Given(WithProposedVerdict);
        var approved = ApproveVerdictDecision.Decide(claim, Approve(Senior)).ShouldBeSingleEvent().ShouldBeOfType<VerdictApproved>();
        approved.ShouldBe(new VerdictApproved(ClaimId, "checked the census", Senior, Now));
        var next = claim.Apply(approved);
        next.Status.ShouldBe(ClaimStatus.Approved);
        next.Verdict!.ApprovedBy.ShouldBe(Senior);
    }

    [Fact]
    public void A_senior_editor_cannot_approve_a_verdict_they_proposed()
    {
        ApproveVerdictDecision.Decide(Given([.. WithASource, Proposed(Senior)]), Approve(Senior)).ShouldBreak("approver-is-proposer");
    }

    [Fact]
    public void Another_senior_editor_approves_a_verdict_a_senior_editor_proposed()
    {
        ApproveVerdictDecision.Decide(Given([.. WithASource, Proposed(Senior)]), Approve(SecondSenior)).ShouldBeSingleEvent().ShouldBeOfType<VerdictApproved>();
    }

    [Theory]
    [InlineData(nameof(JustFlagged))]
    [InlineData(nameof(InReview))]
    [InlineData(nameof(WithASource))]
    public void There_is_nothing_to_approve_without_a_proposed_verdict(string situation)
    {
        ApproveVerdictDecision.Decide(Situation(situation), Approve(Senior)).ShouldBreak("no-verdict-to-approve");
    }

    [Fact]
    public void A_rejected_verdict_cannot_be_approved()
    {
        ApproveVerdictDecision.Decide(Given([.. WithProposedVerdict, Rejected()]), Approve(Senior)).ShouldBreak("no-verdict-to-approve");
    }

    [Fact]
    public void Approving_again_what_you_approved_changes_nothing()
    {
        ApproveVerdictDecision.Decide(Given(WithApprovedVerdict), Approve(Senior)).ShouldChangeNothing();
    }

    [Fact]
    public void A_verdict_approved_by_one_senior_editor_is_not_approved_again_by_another()
    {
        ApproveVerdictDecision.Decide(Given(WithApprovedVerdict), Approve(SecondSenior)).ShouldBreak("verdict-already-approved");
    }

    [Theory]
    [MemberData(nameof(ClosedClaims), MemberType = typeof(ClaimStory))]
    public void A_closed_claim_cannot_be_approved(string situation)
    {
        ApproveVerdictDecision.Decide(Situation(situation), Approve(SecondSenior)).ShouldBreak("claim-is-closed");
    }
}
