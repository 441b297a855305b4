using FactDesk.Api.Claims;
using FactDesk.Api.Claims.Assigning;
using Shouldly;
using static FactDesk.Domain.Tests.Claims.ClaimStory;

namespace FactDesk.Domain.Tests.Claims;

public class AssigningTests
{
    private static AssignClaim Assign(string to) => new(ClaimId, to, Editor, Now);

    [Fact]
    public void A_flagged_claim_is_assigned_and_goes_into_review()
    {
        var claim = Given(JustFlagged);
        var assigned = AssignClaimDecision.Decide(claim, Assign("Jon Berg")).ShouldBeSingleEvent().ShouldBeOfType<ClaimAssigned>();
        assigned.ShouldBe(new ClaimAssigned(ClaimId, "Jon Berg", Editor, Now));
        claim.Apply(assigned).Status.ShouldBe(ClaimStatus.InReview);
    }

    [Fact]
    public void A_claim_in_review_can_be_handed_to_another_editor()
    {
        AssignClaimDecision.Decide(Given(InReview), Assign("Jon Berg")).ShouldBeSingleEvent()
            .ShouldBeOfType<ClaimAssigned>().Assignee.ShouldBe("Jon Berg");
    }

    [Fact]
    public void Reassigning_keeps_a_proposed_verdict_where_it_is()
    {
        var claim = Given(WithProposedVerdict);
        var assigned = (ClaimAssigned)AssignClaimDecision.Decide(claim, Assign("Jon Berg")).ShouldBeSingleEvent();
        claim.Apply(assigned).Status.ShouldBe(ClaimStatus.VerdictProposed);
    }

    [Fact]
    public void Assigning_to_whoever_already_has_it_changes_nothing()
    {
        AssignClaimDecision.Decide(Given(InReview), Assign("Mara Lind")).ShouldChangeNothing();
    }

    [Fact]
    public void The_assignee_name_is_stored_without_surrounding_spaces()
    {
        ((ClaimAssigned)AssignClaimDecision.Decide(Given(JustFlagged), Assign("  Jon Berg ")).ShouldBeSingleEvent()).Assignee.ShouldBe("Jon Berg");
    }

    [Theory]
    [MemberData(nameof(ClosedClaims), MemberType = typeof(ClaimStory))]
    public void A_closed_claim_cannot_be_assigned(string situation)
    {
        AssignClaimDecision.Decide(Situation(situation), Assign("Jon Berg")).ShouldBreak("claim-is-closed");
    }
}
