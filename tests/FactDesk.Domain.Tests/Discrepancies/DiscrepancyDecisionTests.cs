using FactDesk.Api.Claims;
using FactDesk.Api.Discrepancies;
using FactDesk.Api.Discrepancies.Opening;
using FactDesk.Api.Discrepancies.Resolving;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Shouldly;

namespace FactDesk.Domain.Tests.Discrepancies;

public class OpeningDiscrepancyTests
{
    private static readonly Actor Tool = new("cms-plugin", "tool");
    private static readonly DateTimeOffset Now = new(2025, 2, 3, 9, 0, 0, TimeSpan.Zero);

    internal static Claim ClaimWithSources(Guid id, params (Guid Id, bool Retracted)[] sources)
    {
        var events = new List<object> { new ClaimFlagged(id, "36% of all large language models", null, null, null, "share", Priority.Normal, null, null, Tool, Now) };
        foreach (var (sourceId, retracted) in sources)
        {
            events.Add(new SourceAttached(id, sourceId, null, "CAICT white paper", null, null, null, null, Stance.Supports, SourceKind.Primary, Tool, Now));
            if (retracted) events.Add(new SourceRetracted(id, sourceId, "wrong paper", Tool, Now));
        }
        return StateFolder<Claim>.Instance.Fold(events)!;
    }

    private static OpenDiscrepancy Open(Guid[] claims, Guid[]? sources = null) => new(
        Guid.NewGuid(), claims, sources ?? [], DiscrepancyKind.Attribution, "36% is attributed to a paper that does not say it",
        [new DiscrepancyValue("claim", "36%"), new DiscrepancyValue("white paper", null)], Tool, Now);

    [Fact]
    public void Opening_a_new_discrepancy_records_the_claims_sources_and_values()
    {
        var command = Open([Guid.NewGuid(), Guid.NewGuid()]);
        var decision = OpenDiscrepancyDecision.Decide(null, command);
        decision.Violation.ShouldBeNull();
        var opened = decision.Events.ShouldHaveSingleItem().ShouldBeOfType<DiscrepancyOpened>();
        opened.DiscrepancyId.ShouldBe(command.DiscrepancyId);
        opened.ClaimIds.ShouldBe(command.ClaimIds);
        opened.Values.ShouldBe(command.Values);
        opened.Kind.ShouldBe(DiscrepancyKind.Attribution);
        opened.By.ShouldBe(Tool);
    }

    [Fact]
    public void Opening_a_discrepancy_that_exists_is_a_rule_violation()
    {
        var command = Open([Guid.NewGuid(), Guid.NewGuid()]);
        var existing = StateFolder<Discrepancy>.Instance.Fold(OpenDiscrepancyDecision.Decide(null, command).Events);
        OpenDiscrepancyDecision.Decide(existing, command).Violation!.Rule.ShouldBe("discrepancy-already-opened");
    }

    [Fact]
    public void Every_linked_claim_must_exist()
    {
        var known = Guid.NewGuid();
        var unknown = Guid.NewGuid();
        var errors = OpenDiscrepancyDecision.CheckLinks(Open([known, unknown]),
            new Dictionary<Guid, Claim?> { [known] = ClaimWithSources(known), [unknown] = null });
        errors.Keys.ShouldBe(["claimIds[1]"]);
    }

    [Fact]
    public void Sources_must_be_attached_to_one_of_the_linked_claims()
    {
        var (claim, attached, elsewhere) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var linked = new Dictionary<Guid, Claim?> { [claim] = ClaimWithSources(claim, (attached, false)) };
        OpenDiscrepancyDecision.CheckLinks(Open([claim], [attached]), linked).ShouldBeEmpty();
        OpenDiscrepancyDecision.CheckLinks(Open([claim], [attached, elsewhere]), linked).Keys.ShouldBe(["sourceIds[1]"]);
    }

    [Fact]
    public void One_claim_without_sources_is_not_a_valid_request()
    {
        var check = new Validation();
        new OpenDiscrepancyRequest([Guid.NewGuid()], null, "numeric", "d", null).Validate(check);
        check.Errors.Keys.ShouldContain("claimIds");

        var withSource = new Validation();
        new OpenDiscrepancyRequest([Guid.NewGuid()], [Guid.NewGuid()], "numeric", "d", [new("claim", "36%", null), new("paper", null, null)]).Validate(withSource);
        withSource.IsValid.ShouldBeTrue();
    }

    [Fact]
    public void Repeated_claims_an_unknown_kind_and_a_value_without_a_side_are_field_errors()
    {
        var id = Guid.NewGuid();
        var check = new Validation();
        new OpenDiscrepancyRequest([id, id], null, "vibes", " ", [new(null, "36%", null), null]).Validate(check);
        check.Errors.Keys.ShouldBe(["claimIds", "kind", "description", "values[0].side", "values[1]"], ignoreOrder: true);
    }
}

public class ResolvingDiscrepancyTests
{
    private static readonly Actor Tool = new("cms-plugin", "tool");
    private static readonly Actor Editor = new("Mara Lind", "editor");
    private static readonly DateTimeOffset Now = new(2025, 2, 3, 9, 0, 0, TimeSpan.Zero);

    private static Discrepancy OpenDiscrepancy(Guid id, params Guid[] claims) => Discrepancy.Create(new DiscrepancyOpened(
        id, claims, [], DiscrepancyKind.Numeric, "36% or 26%?", [new("a", "36%"), new("b", "26%")], Tool, Now));

    private static ResolveDiscrepancy Resolve(Guid id, DiscrepancyOutcome outcome, params Guid[] evidence) =>
        new(id, outcome, "The white paper says 36%.", "36%", evidence, Editor, Now.AddHours(1));

    [Fact]
    public void Resolving_an_open_discrepancy_records_outcome_rationale_and_evidence()
    {
        var id = Guid.NewGuid();
        var evidence = Guid.NewGuid();
        var decision = ResolveDiscrepancyDecision.Decide(OpenDiscrepancy(id, Guid.NewGuid(), Guid.NewGuid()), Resolve(id, DiscrepancyOutcome.ClaimStands, evidence));
        var resolved = decision.Events.ShouldHaveSingleItem().ShouldBeOfType<DiscrepancyResolved>();
        resolved.Outcome.ShouldBe(DiscrepancyOutcome.ClaimStands);
        resolved.Rationale.ShouldBe("The white paper says 36%.");
        resolved.ResolvedValue.ShouldBe("36%");
        resolved.EvidenceSourceIds.ShouldBe([evidence]);
        resolved.By.ShouldBe(Editor);
    }

    [Fact]
    public void Resolving_again_with_the_same_outcome_changes_nothing()
    {
        var id = Guid.NewGuid();
        var resolved = OpenDiscrepancy(id, Guid.NewGuid(), Guid.NewGuid()).Apply(
            (DiscrepancyResolved)ResolveDiscrepancyDecision.Decide(OpenDiscrepancy(id), Resolve(id, DiscrepancyOutcome.SourcesDisagree)).Events[0]);
        var decision = ResolveDiscrepancyDecision.Decide(resolved, Resolve(id, DiscrepancyOutcome.SourcesDisagree));
        decision.Violation.ShouldBeNull();
        decision.Events.ShouldBeEmpty();
    }

    [Fact]
    public void Resolving_again_with_another_outcome_is_a_rule_violation()
    {
        var id = Guid.NewGuid();
        var resolved = OpenDiscrepancy(id).Apply(new DiscrepancyResolved(id, DiscrepancyOutcome.NotAConflict, "same figure, other year", null, [], Editor, Now));
        var violation = ResolveDiscrepancyDecision.Decide(resolved, Resolve(id, DiscrepancyOutcome.ClaimCorrected)).Violation.ShouldNotBeNull();
        violation.Rule.ShouldBe("discrepancy-already-resolved");
        violation.Detail.ShouldContain("not-a-conflict");
    }

    [Fact]
    public void Evidence_must_be_a_source_of_a_linked_claim_and_not_retracted()
    {
        var (claimId, kept, retracted, foreign) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var claim = OpeningDiscrepancyTests.ClaimWithSources(claimId, (kept, false), (retracted, true));
        ResolveDiscrepancyDecision.CheckEvidence(Resolve(Guid.NewGuid(), DiscrepancyOutcome.ClaimStands, kept), [claim]).ShouldBeEmpty();
        var errors = ResolveDiscrepancyDecision.CheckEvidence(Resolve(Guid.NewGuid(), DiscrepancyOutcome.ClaimStands, kept, retracted, foreign), [claim]);
        errors.Keys.ShouldBe(["sourceIds[1]", "sourceIds[2]"], ignoreOrder: true);
        errors["sourceIds[1]"][0].ShouldContain("retracted");
    }

    [Fact]
    public void A_corrected_claim_needs_the_resolved_value()
    {
        var check = new Validation();
        new ResolveDiscrepancyRequest("claim-corrected", "the paper says 26%", null, null).Validate(check);
        check.Errors.Keys.ShouldBe(["resolvedValue"]);
        var stands = new Validation();
        new ResolveDiscrepancyRequest("claim-stands", "the paper says 36%", null, null).Validate(stands);
        stands.IsValid.ShouldBeTrue();
    }

    [Fact]
    public void Replaying_opened_then_resolved_gives_a_resolved_discrepancy()
    {
        var id = Guid.NewGuid();
        var state = StateFolder<Discrepancy>.Instance.Fold(new object[]
        {
            new DiscrepancyOpened(id, [Guid.NewGuid(), Guid.NewGuid()], [], DiscrepancyKind.Date, "September or October?", [], Tool, Now),
            new DiscrepancyResolved(id, DiscrepancyOutcome.ClaimCorrected, "the filing says October", "October 2024", [], Editor, Now.AddDays(1)),
        })!;
        state.Status.ShouldBe(DiscrepancyStatus.Resolved);
        state.Resolution!.ResolvedValue.ShouldBe("October 2024");
        state.LastChangedAt.ShouldBe(Now.AddDays(1));
    }
}
