using System.Globalization;
using FactDesk.Api.Discrepancies;
using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Http;

namespace FactDesk.Api.Documents.Conflicts;

/// <summary>What the conflict finder will propose for one conflict: everything of <see cref="DiscrepancyProposed"/> but who and when.</summary>
public sealed record ConflictProposal(
    Guid DiscrepancyId, IReadOnlyList<Guid> ClaimIds, DiscrepancyKind Kind, string Measure, string Description,
    IReadOnlyList<DiscrepancyValue> Values, IReadOnlyList<ProposedStatement> Statements)
{
    /// <summary>Who proposes: the desk itself, not a person.</summary>
    public static readonly Actor System = new("factdesk", "system");

    public DiscrepancyProposed ToEvent(DateTimeOffset at) =>
        new(DiscrepancyId, ClaimIds, Kind, Measure, Description, Values, Statements, System, at);

    /// <summary>
    /// The proposal for a conflict. Its id is derived from the two families and the two values, so the same
    /// disagreement found twice (a candidate and then a claim flagged on the same sentence, or a replay) is one proposal.
    /// </summary>
    public static ConflictProposal For(Conflict conflict)
    {
        var (a, b) = (conflict.Earlier, conflict.Later);
        var kind = a.Kind == ClaimKinds.Date ? DiscrepancyKind.Date : DiscrepancyKind.Numeric;
        var claimIds = new[] { a.ClaimId, b.ClaimId }.OfType<Guid>().Distinct().ToArray();
        var description = Truncate(
            $"{Capitalised(conflict.Measure)}: {ConflictRules.Show(a.Value)} ({Where(a)}) vs {ConflictRules.Show(b.Value)} ({Where(b)}). {conflict.Explanation}",
            4000);
        return new ConflictProposal(IdFor(a, b), claimIds, kind, conflict.Measure, description,
            [Side(a), Side(b)], [Proposed(a), Proposed(b)]);
    }

    public static Guid IdFor(Statement a, Statement b)
    {
        var sides = new[] { Fingerprint(a), Fingerprint(b) }.Order(StringComparer.Ordinal);
        return NameBasedId.From("conflict\n" + string.Join('\n', sides));
    }

    private static string Fingerprint(Statement s)
    {
        var v = s.Value;
        string N(decimal? d) => d?.ToString("G29", CultureInfo.InvariantCulture) ?? "";
        return $"{s.Family:N}|{s.Kind}|{N(v.Number)}|{N(v.UpperNumber)}|{v.Currency}|{v.Date}|{v.UpperDate}|{v.Qualifier}";
    }

    private static string Where(Statement s) => s.ClaimId is { } claim && s.DocumentId is null
        ? $"claim {claim}"
        : $"document {s.DocumentId}{(s.PublishedOn is { } d ? $", published {d:yyyy-MM-dd}" : "")}";

    private static DiscrepancyValue Side(Statement s) =>
        new(Truncate(s.ClaimId is { } claim ? $"claim {claim}" : $"document {s.DocumentId}", 200),
            Truncate(s.Expression, 2000), Truncate(s.Quote, 2000));

    private static ProposedStatement Proposed(Statement s) =>
        new(s.DocumentId, s.ClaimId, s.PublishedOn, s.Quote, s.Expression, s.Kind, s.Value);

    private static string Capitalised(string text) => text.Length == 0 ? "A measure" : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
