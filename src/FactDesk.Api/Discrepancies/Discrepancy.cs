using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;

namespace FactDesk.Api.Discrepancies;

public enum DiscrepancyKind { Numeric, Date, Attribution, Other }
/// <summary>Proposed: raised by the desk's own conflict finder, waiting for an editor to confirm (then Open) or decline.</summary>
public enum DiscrepancyStatus { Open, Resolved, Proposed, Declined }
public enum DiscrepancyOutcome { ClaimStands, ClaimCorrected, SourcesDisagree, NotAConflict }

/// <summary>What one side of the conflict says. <c>Side</c> names a claim or source in the desk's words; <c>Says</c> is null when that side gives no figure of its own.</summary>
public sealed record DiscrepancyValue(string Side, string? Says, string? Note = null);

// Events of a discrepancy. A discrepancy is its own stream so it can span claims without locking them.

[EventType("discrepancy-opened.v1")]
public sealed record DiscrepancyOpened(
    Guid DiscrepancyId, IReadOnlyList<Guid> ClaimIds, IReadOnlyList<Guid> SourceIds, DiscrepancyKind Kind, string Description,
    IReadOnlyList<DiscrepancyValue> Values, Actor By, DateTimeOffset At);

[EventType("discrepancy-resolved.v1")]
public sealed record DiscrepancyResolved(
    Guid DiscrepancyId, DiscrepancyOutcome Outcome, string Rationale, string? ResolvedValue, IReadOnlyList<Guid> EvidenceSourceIds,
    Actor By, DateTimeOffset At);

/// <summary>
/// One side of a proposed discrepancy as the conflict finder read it: where it was stated (a document, a flagged claim
/// or both), the sentence, the words of the value and its normalised form.
/// </summary>
public sealed record ProposedStatement(
    Guid? DocumentId, Guid? ClaimId, DateOnly? PublishedOn, string Quote, string Expression, string Kind, NormalizedValue Value);

/// <summary>
/// The conflict finder saw two documents (or flagged claims) state the same measure with values that disagree.
/// Like <see cref="DiscrepancyOpened"/> but waiting for an editor: <c>ClaimIds</c> is empty when both sides are only
/// detected candidates, and <c>Statements</c> then says where each side stands.
/// </summary>
[EventType("discrepancy-proposed.v1")]
public sealed record DiscrepancyProposed(
    Guid DiscrepancyId, IReadOnlyList<Guid> ClaimIds, DiscrepancyKind Kind, string Measure, string Description,
    IReadOnlyList<DiscrepancyValue> Values, IReadOnlyList<ProposedStatement> Statements, Actor By, DateTimeOffset At);

/// <summary>An editor agreed the proposed conflict is real: it is open from now on like any other.</summary>
[EventType("discrepancy-confirmed.v1")]
public sealed record DiscrepancyConfirmed(Guid DiscrepancyId, string? Note, Actor By, DateTimeOffset At);

/// <summary>An editor judged the proposed conflict a false alarm; the reason teaches the next reader why.</summary>
[EventType("discrepancy-declined.v1")]
public sealed record DiscrepancyDeclined(Guid DiscrepancyId, string Reason, Actor By, DateTimeOffset At);

/// <summary>Who confirmed or declined a proposal, when, and what they said.</summary>
public sealed record DiscrepancyReview(Actor By, DateTimeOffset At, string? Note);

/// <summary>How a discrepancy was settled, and on what evidence.</summary>
public sealed record DiscrepancyResolution(
    DiscrepancyOutcome Outcome, string Rationale, string? ResolvedValue, IReadOnlyList<Guid> EvidenceSourceIds, Actor By, DateTimeOffset At);

/// <summary>A conflict between claims (or a claim and its sources), as its events make it.</summary>
public sealed record Discrepancy(
    Guid Id, IReadOnlyList<Guid> ClaimIds, IReadOnlyList<Guid> SourceIds, DiscrepancyKind Kind, string Description,
    IReadOnlyList<DiscrepancyValue> Values, DiscrepancyStatus Status, Actor OpenedBy, DateTimeOffset OpenedAt,
    DiscrepancyResolution? Resolution, DateTimeOffset LastChangedAt)
{
    public const string StreamType = "discrepancy";

    /// <summary>The two statements behind a proposal; empty for discrepancies opened by a person.</summary>
    public IReadOnlyList<ProposedStatement> Statements { get; init; } = [];

    /// <summary>The measure the conflict finder matched on ("Deepseek-R1 release"); null when opened by a person.</summary>
    public string? Measure { get; init; }

    public DiscrepancyReview? Confirmation { get; init; }
    public DiscrepancyReview? Decline { get; init; }

    public static Discrepancy Create(DiscrepancyOpened e) => new(
        e.DiscrepancyId, e.ClaimIds, e.SourceIds, e.Kind, e.Description, e.Values, DiscrepancyStatus.Open, e.By, e.At, null, e.At);

    public static Discrepancy Create(DiscrepancyProposed e) => new(
        e.DiscrepancyId, e.ClaimIds, [], e.Kind, e.Description, e.Values, DiscrepancyStatus.Proposed, e.By, e.At, null, e.At)
    {
        Statements = e.Statements,
        Measure = e.Measure,
    };

    public Discrepancy Apply(DiscrepancyConfirmed e) => this with
    {
        Status = DiscrepancyStatus.Open,
        Confirmation = new DiscrepancyReview(e.By, e.At, e.Note),
        LastChangedAt = e.At,
    };

    public Discrepancy Apply(DiscrepancyDeclined e) => this with
    {
        Status = DiscrepancyStatus.Declined,
        Decline = new DiscrepancyReview(e.By, e.At, e.Reason),
        LastChangedAt = e.At,
    };

    public Discrepancy Apply(DiscrepancyResolved e) => this with
    {
        Status = DiscrepancyStatus.Resolved,
        Resolution = new DiscrepancyResolution(e.Outcome, e.Rationale, e.ResolvedValue, e.EvidenceSourceIds, e.By, e.At),
        LastChangedAt = e.At,
    };
}

/// <summary>Checks that sources named by a discrepancy belong to the claims it links; answers field errors (422), not rule violations.</summary>
public static class DiscrepancyLinks
{
    /// <summary>Field errors for each source id that is not a source of any of <paramref name="sourcesOfLinkedClaims"/>.</summary>
    public static Dictionary<string, string[]> UnknownSources(string field, IReadOnlyList<Guid> sourceIds, IReadOnlySet<Guid> sourcesOfLinkedClaims)
    {
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < sourceIds.Count; i++)
            if (!sourcesOfLinkedClaims.Contains(sourceIds[i]))
                errors[$"{field}[{i}]"] = [$"Source {sourceIds[i]} is not attached to any of the linked claims."];
        return errors;
    }
}
