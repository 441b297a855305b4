using FactDesk.Api.Http;
using FactDesk.TamperEvidence;

namespace FactDesk.Api.Claims;

public enum ClaimStatus { Flagged, InReview, VerdictProposed, Approved, Published, Dismissed }
public enum Priority { Low, Normal, High, Urgent }
public enum Stance { Supports, Contradicts, Context }
public enum SourceKind { Primary, Secondary }
public enum Rating { True, MostlyTrue, HalfTrue, Misleading, False, Unverifiable }

/// <summary>What the claim asserts, in structured form, so conflicting claims can be compared.</summary>
public sealed record Assertion(string? Subject, string? Metric, string? Value, string? Unit, string? AsOf);

// Events of a claim. Each carries who did it and when; stored names are stable and versioned.

[EventType("claim-flagged.v1")]
public sealed record ClaimFlagged(
    Guid ClaimId, string Quote, Guid? DocumentId, string? Prefix, string? Suffix, string Reason,
    Priority Priority, DateTimeOffset? DueAt, Assertion? Assertion, Actor By, DateTimeOffset At);

[EventType("claim-assigned.v1")]
public sealed record ClaimAssigned(Guid ClaimId, string Assignee, Actor By, DateTimeOffset At);

[EventType("source-attached.v1")]
public sealed record SourceAttached(
    Guid ClaimId, Guid SourceId, string? Url, string? Citation, string? Title, string? Publisher, DateOnly? PublishedOn,
    string? Quote, Stance Stance, SourceKind Kind, Actor By, DateTimeOffset At);

[EventType("source-retracted.v1")]
public sealed record SourceRetracted(Guid ClaimId, Guid SourceId, string Reason, Actor By, DateTimeOffset At);

[EventType("verdict-proposed.v1")]
public sealed record VerdictProposed(Guid ClaimId, Rating Rating, string Summary, string? Correction, Actor By, DateTimeOffset At);

[EventType("verdict-approved.v1")]
public sealed record VerdictApproved(Guid ClaimId, string? Note, Actor By, DateTimeOffset At);

[EventType("verdict-rejected.v1")]
public sealed record VerdictRejected(Guid ClaimId, string Reason, Actor By, DateTimeOffset At);

[EventType("fact-check-published.v1")]
public sealed record FactCheckPublished(Guid ClaimId, string? Url, Actor By, DateTimeOffset At);

[EventType("claim-dismissed.v1")]
public sealed record ClaimDismissed(Guid ClaimId, string Reason, Actor By, DateTimeOffset At);

[EventType("claim-reopened.v1")]
public sealed record ClaimReopened(Guid ClaimId, string Reason, Actor By, DateTimeOffset At);

public sealed record Source(
    Guid SourceId, string? Url, string? Citation, string? Title, string? Publisher, DateOnly? PublishedOn, string? Quote,
    Stance Stance, SourceKind Kind, Actor AttachedBy, DateTimeOffset AttachedAt, string? RetractionReason = null, DateTimeOffset? RetractedAt = null)
{
    public bool IsRetracted => RetractedAt is not null;
}

/// <summary>A verdict as proposed, and its sign-off once a second (senior) editor approves it.</summary>
public sealed record Verdict(Rating Rating, string Summary, string? Correction, Actor ProposedBy, DateTimeOffset ProposedAt,
    Actor? ApprovedBy = null, DateTimeOffset? ApprovedAt = null, string? ApprovalNote = null);

public sealed record Publication(string? Url, Actor By, DateTimeOffset At, Verdict Verdict);

/// <summary>A claim as its events make it. Built only by replaying them.</summary>
public sealed record Claim(
    Guid Id, string Quote, Guid? DocumentId, string? Prefix, string? Suffix, string Reason, Priority Priority,
    DateTimeOffset? DueAt, Assertion? Assertion, ClaimStatus Status, string? Assignee, Actor FlaggedBy, DateTimeOffset FlaggedAt,
    IReadOnlyList<Source> Sources, Verdict? Verdict, Publication? Publication, string? ClosingReason, DateTimeOffset LastChangedAt)
{
    public const string StreamType = "claim";

    public bool IsClosed => Status is ClaimStatus.Published or ClaimStatus.Dismissed;
    public IEnumerable<Source> ActiveSources => Sources.Where(s => !s.IsRetracted);

    public static Claim Create(ClaimFlagged e) => new(
        e.ClaimId, e.Quote, e.DocumentId, e.Prefix, e.Suffix, e.Reason, e.Priority, e.DueAt, e.Assertion,
        ClaimStatus.Flagged, null, e.By, e.At, [], null, null, null, e.At);

    public Claim Apply(ClaimAssigned e) => this with
    {
        Assignee = e.Assignee,
        Status = Status == ClaimStatus.Flagged ? ClaimStatus.InReview : Status,
        LastChangedAt = e.At,
    };

    public Claim Apply(SourceAttached e) => this with
    {
        Sources = [.. Sources, new Source(e.SourceId, e.Url, e.Citation, e.Title, e.Publisher, e.PublishedOn, e.Quote, e.Stance, e.Kind, e.By, e.At)],
        LastChangedAt = e.At,
    };

    public Claim Apply(SourceRetracted e) => this with
    {
        Sources = Sources.Select(s => s.SourceId == e.SourceId ? s with { RetractionReason = e.Reason, RetractedAt = e.At } : s).ToArray(),
        LastChangedAt = e.At,
    };

    public Claim Apply(VerdictProposed e) => this with
    {
        Verdict = new Verdict(e.Rating, e.Summary, e.Correction, e.By, e.At),
        Status = ClaimStatus.VerdictProposed,
        LastChangedAt = e.At,
    };

    // Apply methods never throw, even on a history no decide function would allow (one written straight to the log):
    // Marten folds every append into the claim's snapshot, and a throwing Apply would refuse the append itself.
    public Claim Apply(VerdictApproved e) => this with
    {
        Verdict = Verdict is null ? null : Verdict with { ApprovedBy = e.By, ApprovedAt = e.At, ApprovalNote = e.Note },
        Status = ClaimStatus.Approved,
        LastChangedAt = e.At,
    };

    public Claim Apply(VerdictRejected e) => this with { Verdict = null, Status = ClaimStatus.InReview, LastChangedAt = e.At };

    public Claim Apply(FactCheckPublished e) => this with
    {
        Publication = Verdict is null ? Publication : new Publication(e.Url, e.By, e.At, Verdict),
        Status = ClaimStatus.Published,
        ClosingReason = null,
        LastChangedAt = e.At,
    };

    public Claim Apply(ClaimDismissed e) => this with { Status = ClaimStatus.Dismissed, ClosingReason = e.Reason, LastChangedAt = e.At };

    /// <summary>Reopening returns the claim to review; its sources stay, a published verdict stays on record in <see cref="Publication"/>.</summary>
    public Claim Apply(ClaimReopened e) => this with
    {
        Status = Assignee is null ? ClaimStatus.Flagged : ClaimStatus.InReview,
        Verdict = null,
        ClosingReason = e.Reason,
        LastChangedAt = e.At,
    };
}

/// <summary>Rules shared by the claim slices.</summary>
public static class ClaimRules
{
    public static RuleViolation Closed(Claim claim) =>
        new("claim-is-closed", $"The claim is {EnumNames<ClaimStatus>.Name(claim.Status)}; reopen it first.");
}
