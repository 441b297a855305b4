using FactDesk.Api.Http;
using FactDesk.EventStore;

namespace FactDesk.Api.Discrepancies;

public enum DiscrepancyKind { Numeric, Date, Attribution, Other }
public enum DiscrepancyStatus { Open, Resolved }
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

    public static Discrepancy Create(DiscrepancyOpened e) => new(
        e.DiscrepancyId, e.ClaimIds, e.SourceIds, e.Kind, e.Description, e.Values, DiscrepancyStatus.Open, e.By, e.At, null, e.At);

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
