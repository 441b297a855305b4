using FactDesk.Api.Documents.Detection;
using Npgsql;

namespace FactDesk.Api.Documents.Conflicts;

/// <summary>
/// Marks, at ingestion, each offered candidate whose value disagrees with what the desk already holds about the same
/// measure (statements of other documents and of flagged claims, as the conflict finder keeps them), by the same rules
/// the conflict finder proposes discrepancies with.
/// </summary>
public static class Plausibility
{
    /// <summary>Ingestion stays bounded on a long article: only so many candidates are looked up.</summary>
    public const int MaxCandidatesChecked = 300;

    private const int MaxDisagreementsPerCandidate = 3;
    /// <summary>Held statements compared with each candidate at most (the first stored of those that can be about its measure).</summary>
    private const int MaxHeldCompared = 50;

    public static async Task<IReadOnlyList<CandidateClaim>> MarkAsync(
        NpgsqlDataSource db, Guid documentId, Guid family, DateOnly publishedOn, IReadOnlyList<CandidateClaim> candidates, CancellationToken ct)
    {
        var marked = candidates.ToList();
        var checkedCount = 0;
        await using var connection = await db.OpenConnectionAsync(ct);
        for (var i = 0; i < marked.Count && checkedCount < MaxCandidatesChecked; i++)
        {
            if (marked[i].Withheld || Statements.FromCandidate(documentId, family, publishedOn, i, marked[i]) is not { } statement ||
                !statement.Key.IsAboutSomething)
                continue;
            checkedCount++;
            var disagreements = (await HeldStatements.ComparableWithAsync(connection, statement, MaxHeldCompared, ct))
                .Select(held => ConflictRules.Find(held, statement))
                .OfType<Conflict>()
                .Take(MaxDisagreementsPerCandidate)
                .Select(c => new ValueDisagreement(c.Earlier.DocumentId, c.Earlier.ClaimId, c.Earlier.Quote, ConflictRules.Show(c.Earlier.Value), c.Explanation))
                .ToList();
            if (disagreements.Count > 0)
                marked[i] = marked[i] with { Disagreements = disagreements };
        }
        return marked;
    }
}
