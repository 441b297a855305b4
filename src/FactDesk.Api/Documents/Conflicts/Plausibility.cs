using System.Text.Json;
using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
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
    private const string S = StoreSetup.Schema;

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
            var disagreements = (await HeldAsync(connection, statement, ct))
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

    private static async Task<List<Statement>> HeldAsync(NpgsqlConnection connection, Statement statement, CancellationToken ct)
    {
        var held = new List<Statement>();
        await using var cmd = new NpgsqlCommand($"""
            select statement::text from {S}.conflict_statements
            where kind = $1 and family <> $2 and measure_words && $3
            order by position, id
            limit 50
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = statement.Kind });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = statement.Family });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = statement.Key.Words.ToArray() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            if (JsonSerializer.Deserialize<Statement>(reader.GetString(0), JsonDefaults.Options) is { } s) held.Add(s);
        return held;
    }
}
