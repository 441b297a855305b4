using FactDesk.Api.Claims;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Shouldly;

namespace FactDesk.Domain.Tests.Claims;

/// <summary>The newsroom people and the events of one claim's life, to write "given these events" in one line each.</summary>
public static class ClaimStory
{
    public static readonly Guid ClaimId = Guid.Parse("0195f0a0-0000-7000-8000-000000000001");
    public static readonly Guid FirstSource = Guid.Parse("0195f0a0-0000-7000-8000-0000000000a1");
    public static readonly Guid SecondSource = Guid.Parse("0195f0a0-0000-7000-8000-0000000000a2");
    public static readonly DateTimeOffset Morning = new(2025, 3, 4, 9, 0, 0, TimeSpan.Zero);
    public static DateTimeOffset Now => Morning.AddHours(3);

    public static readonly Actor Tool = new("cms-plugin", Roles.Tool);
    public static readonly Actor Editor = new("Mara Lind", Roles.Editor);
    public static readonly Actor SecondEditor = new("Jon Berg", Roles.Editor);
    public static readonly Actor Senior = new("Tomás Ruiz", Roles.SeniorEditor);
    public static readonly Actor SecondSenior = new("Ines Vale", Roles.SeniorEditor);

    public static ClaimFlagged Flagged() => new(ClaimId, "China is home to 36% of all large language models", null, null, null,
        "a share of a world total", Priority.Normal, null, null, Tool, Morning);
    public static ClaimAssigned Assigned(string to = "Mara Lind") => new(ClaimId, to, Editor, Morning.AddMinutes(5));
    public static SourceAttached SourceAttached(Guid? sourceId = null) => new(ClaimId, sourceId ?? FirstSource, "https://stats.example/llm-census",
        null, "LLM census", "Stats Office", new DateOnly(2025, 1, 10), null, Stance.Contradicts, SourceKind.Primary, Tool, Morning.AddMinutes(10));
    public static SourceRetracted SourceRetracted(Guid? sourceId = null) => new(ClaimId, sourceId ?? FirstSource, "census was withdrawn", Editor, Morning.AddMinutes(15));
    public static VerdictProposed Proposed(Actor? by = null) => new(ClaimId, Rating.Misleading, "The share counts only released models.", null, by ?? Editor, Morning.AddMinutes(20));
    public static VerdictApproved Approved(Actor? by = null) => new(ClaimId, "good", by ?? Senior, Morning.AddMinutes(30));
    public static VerdictRejected Rejected() => new(ClaimId, "needs a second source", Senior, Morning.AddMinutes(30));
    public static FactCheckPublished Published() => new(ClaimId, "https://news.example/fact-checks/llm-share", Senior, Morning.AddMinutes(40));
    public static ClaimDismissed Dismissed() => new(ClaimId, "opinion, not a fact", Editor, Morning.AddMinutes(40));
    public static ClaimReopened Reopened() => new(ClaimId, "new census figures", Editor, Morning.AddMinutes(50));

    // Situations a claim can be in, as the events that put it there.
    public static object[] JustFlagged => [Flagged()];
    public static object[] InReview => [Flagged(), Assigned()];
    public static object[] WithASource => [Flagged(), Assigned(), SourceAttached()];
    public static object[] WithProposedVerdict => [.. WithASource, Proposed()];
    public static object[] WithApprovedVerdict => [.. WithProposedVerdict, Approved()];
    public static object[] PublishedClaim => [.. WithApprovedVerdict, Published()];
    public static object[] DismissedClaim => [Flagged(), Assigned(), Dismissed()];

    public static Claim Given(params object[] events) => StateFolder<Claim>.Instance.Fold(events)!;

    public static IEnumerable<object[]> ClosedClaims => [[nameof(PublishedClaim)], [nameof(DismissedClaim)]];
    public static IEnumerable<object[]> OpenClaims =>
        [[nameof(JustFlagged)], [nameof(InReview)], [nameof(WithASource)], [nameof(WithProposedVerdict)], [nameof(WithApprovedVerdict)]];

    /// <summary>A named situation, so theories can list them.</summary>
    public static Claim Situation(string name) => Given(name switch
    {
        nameof(JustFlagged) => JustFlagged,
        nameof(InReview) => InReview,
        nameof(WithASource) => WithASource,
        nameof(WithProposedVerdict) => WithProposedVerdict,
        nameof(WithApprovedVerdict) => WithApprovedVerdict,
        nameof(PublishedClaim) => PublishedClaim,
        nameof(DismissedClaim) => DismissedClaim,
        _ => throw new ArgumentException(name),
    });

    public static object ShouldBeSingleEvent(this Decision decision)
    {
        decision.Violation.ShouldBeNull();
        return decision.Events.ShouldHaveSingleItem();
    }

    public static void ShouldBreak(this Decision decision, string rule)
    {
        decision.Violation.ShouldNotBeNull().Rule.ShouldBe(rule);
        decision.Events.ShouldBeEmpty();
    }

    public static void ShouldChangeNothing(this Decision decision)
    {
        decision.Violation.ShouldBeNull();
        decision.Events.ShouldBeEmpty();
    }
}
