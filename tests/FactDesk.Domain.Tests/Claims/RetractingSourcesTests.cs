using FactDesk.Api.Claims;
using FactDesk.Api.Claims.RetractingSources;
using Shouldly;
using static FactDesk.Domain.Tests.Claims.ClaimStory;

namespace FactDesk.Domain.Tests.Claims;

public class RetractingSourcesTests
{
    private static RetractSource Retract(Guid sourceId) => new(ClaimId, sourceId, " the census was withdrawn ", Editor, Now);

    [Fact]
    public void A_source_is_retracted_and_no_longer_counts_as_evidence()
    {
        var claim = Given(WithASource);
        var retracted = RetractSourceDecision.Decide(claim, Retract(FirstSource)).ShouldBeSingleEvent().ShouldBeOfType<SourceRetracted>();
        retracted.ShouldBe(new SourceRetracted(ClaimId, FirstSource, "the census was withdrawn", Editor, Now));
        var next = claim.Apply(retracted);
        next.ActiveSources.ShouldBeEmpty();
        next.Sources.Single().IsRetracted.ShouldBeTrue();
    }

    [Fact]
    public void An_unknown_source_cannot_be_retracted()
    {
        RetractSourceDecision.Decide(Given(WithASource), Retract(SecondSource)).ShouldBreak(RetractSourceDecision.UnknownSource);
    }

    [Fact]
    public void A_retracted_source_cannot_be_retracted_again()
    {
        RetractSourceDecision.Decide(Given([.. WithASource, SourceRetracted()]), Retract(FirstSource)).ShouldBreak("source-already-retracted");
    }

    [Theory]
    [InlineData(nameof(WithProposedVerdict))]
    [InlineData(nameof(WithApprovedVerdict))]
    public void The_last_source_of_a_standing_verdict_cannot_be_retracted(string situation)
    {
        RetractSourceDecision.Decide(Situation(situation), Retract(FirstSource)).ShouldBreak("verdict-needs-a-source");
    }

    [Fact]
    public void One_of_several_sources_of_a_proposed_verdict_can_be_retracted()
    {
        var claim = Given([Flagged(), Assigned(), SourceAttached(), SourceAttached(SecondSource), Proposed()]);
        RetractSourceDecision.Decide(claim, Retract(FirstSource)).ShouldBeSingleEvent().ShouldBeOfType<SourceRetracted>();
    }

    [Fact]
    public void A_retracted_source_does_not_hold_up_a_verdict()
    {
        // Only SecondSource is live, so retracting it would leave the verdict on nothing.
        var claim = Given([Flagged(), SourceAttached(), SourceAttached(SecondSource), SourceRetracted(), Proposed()]);
        RetractSourceDecision.Decide(claim, Retract(SecondSource)).ShouldBreak("verdict-needs-a-source");
    }

    [Theory]
    [MemberData(nameof(ClosedClaims), MemberType = typeof(ClaimStory))]
    public void A_source_of_a_closed_claim_cannot_be_retracted(string situation)
    {
        var claim = Situation(situation);
        claim = claim.Sources.Count == 0 ? claim.Apply(SourceAttached()) : claim;
        RetractSourceDecision.Decide(claim, Retract(FirstSource)).ShouldBreak("claim-is-closed");
    }
}
