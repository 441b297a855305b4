using System.Text.Json;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using Npgsql;

namespace FactDesk.Api.Documents.Conflicts;

/// <summary>What the desk holds that a new statement may be compared with, as the conflict finder keeps it.</summary>
public static class HeldStatements
{
    private const string S = StoreSetup.Schema;

    /// <summary>
    /// Statements of other documents (and flagged claims) that pass <see cref="ConflictRules.SameMeasure"/>'s word tests
    /// with <paramref name="statement"/> (the held one as the earlier), first stored first: each names the other's subject and
    /// holds the other's decisive words; they share at least <see cref="ConflictRules.MinSharedWords"/> words, one of them
    /// neither a broad name ("China") nor a word of the held one's unit, and enough of the shorter one's words. The rules
    /// still decide (unit, identifiers, moment, values); reading only these keeps a statement's comparisons to the few
    /// about its measure instead of every statement sharing one word, and a <paramref name="limit"/> from filling up
    /// with statements about something else. A test checks that no pair the rules match is left out.
    /// </summary>
    public static async Task<List<Statement>> ComparableWithAsync(NpgsqlConnection connection, Statement statement, int? limit, CancellationToken ct)
    {
        var held = new List<Statement>();
        var words = statement.Key.Words.Distinct().ToArray();
        await using var cmd = new NpgsqlCommand($"""
            select c.statement::text from {S}.conflict_statements c
            cross join lateral (
                select count(*) as shared,
                       count(*) filter (where w <> all($7) and (c.kind = $8
                           or w <> all(coalesce(string_to_array(c.statement->'key'->>'unit', ' '), array[]::text[])))) as telling,
                       (select count(distinct h) from unnest(c.measure_words) h) as held_words
                from (select distinct unnest(c.measure_words) as w) held where w = any($3)
            ) m
            where c.kind = $1 and c.family <> $2 and c.measure_words && $4 and c.measure_words @> $5
              and c.statement->'key'->'subject' ?| $3
              and coalesce(c.statement->'key'->'decisive', '[]') <@ to_jsonb($3)
              and m.shared >= $6 and m.telling >= 1
              and m.shared >= $10 * least(m.held_words, $9)
            order by c.position, c.id
            {(limit is { } n ? $"limit {n}" : "")}
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = statement.Kind });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = statement.Family });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = words });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = statement.Key.Subject.Distinct().ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = statement.Key.Decisive.Distinct().ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ConflictRules.MinSharedWords });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = MeasureKeys.BroadNames.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Detection.ClaimKinds.Ranking });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = words.Length });
        cmd.Parameters.Add(new NpgsqlParameter<double> { TypedValue = ConflictRules.WordOverlapThreshold });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            if (JsonSerializer.Deserialize<Statement>(reader.GetString(0), JsonDefaults.Options) is { } s) held.Add(s);
        return held;
    }
}
