using FactDesk.Api.Discrepancies;
using FactDesk.Api.Discrepancies.Confirming;
using FactDesk.Api.Discrepancies.Declining;
using FactDesk.Api.Discrepancies.Resolving;
using FactDesk.Api.Documents.Conflicts;
using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Shouldly;

namespace FactDesk.Domain.Tests.Conflicts;

public class ReviewingProposalsTests
{
    private static readonly Actor Editor = new("Mara Lind", "editor");
    private static readonly DateTimeOffset Now = new(2025, 3, 21, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.NewGuid();

    private static DiscrepancyProposed Proposed() => new(Id, [], DiscrepancyKind.Date, "Deepseek R1 release", "January vs December",
        [new DiscrepancyValue("document a", "last month’s"), new DiscrepancyValue("document b", "December 2024")],
        [new ProposedStatement(Guid.NewGuid(), null, new DateOnly(2025, 2, 18), "And last month’s release of Deepseek-R1", "last month’s", ClaimKinds.Date,
            new NormalizedValue(null, null, null, null, "2025-01", "last month’s", null))],
        ConflictProposal.System, Now.AddHours(-1));

    private static Discrepancy Given(params object[] events) => StateFolder<Discrepancy>.Instance.Fold(events)!;

    [Fact]
    public void A_proposal_is_proposed_and_remembers_its_statements()
    {
        var proposal = Given(Proposed());
        proposal.Status.ShouldBe(DiscrepancyStatus.Proposed);
        proposal.OpenedBy.ShouldBe(ConflictProposal.System);
        proposal.Statements.ShouldHaveSingleItem().Expression.ShouldBe("last month’s");
        proposal.Measure.ShouldBe("Deepseek R1 release");
    }

    [Fact]
    public void Confirming_a_proposal_opens_it()
    {
        var decision = ConfirmDiscrepancyDecision.Decide(Given(Proposed()), new ConfirmDiscrepancy(Id, " real clash ", Editor, Now));
        var confirmed = decision.Events.ShouldHaveSingleItem().ShouldBeOfType<DiscrepancyConfirmed>();
        confirmed.Note.ShouldBe("real clash");
        var state = Given(Proposed(), confirmed);
        state.Status.ShouldBe(DiscrepancyStatus.Open);
        state.Confirmation!.By.ShouldBe(Editor);
    }

    [Fact]
    public void Confirming_again_changes_nothing()
    {
        var open = Given(Proposed(), new DiscrepancyConfirmed(Id, null, Editor, Now));
        var decision = ConfirmDiscrepancyDecision.Decide(open, new ConfirmDiscrepancy(Id, null, Editor, Now));
        decision.Violation.ShouldBeNull();
        decision.Events.ShouldBeEmpty();
    }

    [Fact]
    public void A_declined_proposal_cannot_be_confirmed()
    {
        var declined = Given(Proposed(), new DiscrepancyDeclined(Id, "different events", Editor, Now));
        ConfirmDiscrepancyDecision.Decide(declined, new ConfirmDiscrepancy(Id, null, Editor, Now)).Violation!.Rule.ShouldBe("discrepancy-declined");
    }

    [Fact]
    public void Declining_a_proposal_records_the_reason()
    {
        var decision = DeclineDiscrepancyDecision.Decide(Given(Proposed()), new DeclineDiscrepancy(Id, " two different events ", Editor, Now));
        var declined = decision.Events.ShouldHaveSingleItem().ShouldBeOfType<DiscrepancyDeclined>();
        declined.Reason.ShouldBe("two different events");
        var state = Given(Proposed(), declined);
        state.Status.ShouldBe(DiscrepancyStatus.Declined);
        state.Decline!.Note.ShouldBe("two different events");
    }

    [Fact]
    public void Declining_again_changes_nothing()
    {
        var declined = Given(Proposed(), new DiscrepancyDeclined(Id, "different events", Editor, Now));
        var decision = DeclineDiscrepancyDecision.Decide(declined, new DeclineDiscrepancy(Id, "still different", Editor, Now));
        decision.Violation.ShouldBeNull();
        decision.Events.ShouldBeEmpty();
    }

    [Fact]
    public void A_confirmed_discrepancy_cannot_be_declined()
    {
        var open = Given(Proposed(), new DiscrepancyConfirmed(Id, null, Editor, Now));
        DeclineDiscrepancyDecision.Decide(open, new DeclineDiscrepancy(Id, "oops", Editor, Now)).Violation!.Rule.ShouldBe("discrepancy-not-proposed");
    }

    [Fact]
    public void A_proposal_cannot_be_resolved_before_it_is_confirmed()
    {
        var resolve = new ResolveDiscrepancy(Id, DiscrepancyOutcome.ClaimStands, "the release was in January", null, [], Editor, Now);
        ResolveDiscrepancyDecision.Decide(Given(Proposed()), resolve).Violation!.Rule.ShouldBe("discrepancy-not-confirmed");
        ResolveDiscrepancyDecision.Decide(Given(Proposed(), new DiscrepancyDeclined(Id, "no", Editor, Now)), resolve).Violation!.Rule.ShouldBe("discrepancy-declined");
        ResolveDiscrepancyDecision.Decide(Given(Proposed(), new DiscrepancyConfirmed(Id, null, Editor, Now)), resolve)
            .Events.ShouldHaveSingleItem().ShouldBeOfType<DiscrepancyResolved>();
    }
}
