using System.Text.Json;
using FactDesk.Api.Claims;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Npgsql;
using NpgsqlTypes;

namespace FactDesk.Api.Documents.Conflicts;

/// <summary>
/// Finds statements in different documents that disagree, and queues a discrepancy proposal for each.
/// <para>
/// Why an outbox: a projection cannot append events (appends take their own connection and transaction), and
/// appending after commit from here would be lost on a crash between the two. So this async projection only writes
/// rows, in the runner's transaction together with its checkpoint: the statements it has seen and one "pending"
/// proposal per conflict. <see cref="DiscrepancyProposer"/> then appends <see cref="Discrepancies.DiscrepancyProposed"/>
/// for each pending row and marks it done. The stream id is derived from the conflict, and the append expects no
/// stream, so a row proposed twice (a crash before marking it done, a rebuild, two instances) is proposed once.
/// </para>
/// Async because comparing with everything said before is too slow to sit inside an ingest's transaction.
/// </summary>
public sealed class ConflictFinderProjection : IProjection
{
    public const string ProjectionName = "conflict-finder";
    private const string S = StoreSetup.Schema;
    private static readonly JsonSerializerOptions Json = JsonDefaults.Options;

    public string Name => ProjectionName;
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Async;
    // A rebuild may forget the proposal rows: re-found conflicts get the same ids and their appends find the stream there.
    public IReadOnlyList<string> Tables { get; } = ["conflict_proposals", "conflict_statements", "conflict_documents"];

    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = Declare();

    private static IReadOnlyList<Weasel.Core.ISchemaObject> Declare()
    {
        var documents = SchemaTables.For(S, "conflict_documents");
        documents.AddColumn("id", "uuid").AsPrimaryKey();
        documents.AddColumn("family", "uuid").NotNull();
        documents.AddColumn("published_on", "date").NotNull();

        var statements = SchemaTables.For(S, "conflict_statements");
        statements.AddColumn("id", "text").AsPrimaryKey();
        statements.AddColumn("document_id", "uuid");
        statements.AddColumn("claim_id", "uuid");
        statements.AddColumn("family", "uuid").NotNull();
        statements.AddColumn("published_on", "date");
        statements.AddColumn("kind", "text").NotNull();
        statements.AddColumn("measure_words", "text[]").NotNull();
        statements.AddColumn("normalized_value", "jsonb").NotNull();
        statements.AddColumn("quote", "text").NotNull();
        statements.AddColumn("statement", "jsonb").NotNull();
        statements.AddColumn("position", "bigint").NotNull();
        statements.Index("conflict_statements_by_words", ["measure_words"], method: Weasel.Postgresql.Tables.IndexMethod.gin)
            .Index("conflict_statements_by_document", ["document_id"]);

        var proposals = SchemaTables.For(S, "conflict_proposals");
        proposals.AddColumn("discrepancy_id", "uuid").AsPrimaryKey();
        proposals.AddColumn("proposal", "jsonb").NotNull();
        proposals.AddColumn("status", "text").NotNull().DefaultValueByExpression("'pending'::text");
        proposals.AddColumn("found_at", "bigint").NotNull();
        proposals.AddColumn("proposed_at", "timestamptz");
        proposals.Check("status", "status = ANY (ARRAY['pending'::text, 'done'::text])")
            .Index("conflict_proposals_pending", ["found_at"], where: "status = 'pending'");
        return [documents, statements, proposals];
    }

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case DocumentIngested ingested:
                    await RememberDocumentAsync(connection, ingested, ct);
                    break;
                case ClaimCandidatesDetected detected:
                    var (family, publishedOn) = await DocumentAsync(connection, detected.DocumentId, ct)
                        ?? (detected.DocumentId, DateOnly.FromDateTime(detected.At.UtcDateTime));
                    // Detection can be re-run: the latest candidates replace the earlier ones.
                    await using (var forget = new NpgsqlCommand($"delete from {S}.conflict_statements where document_id = $1 and claim_id is null", connection))
                    {
                        forget.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = detected.DocumentId });
                        await forget.ExecuteNonQueryAsync(ct);
                    }
                    var candidates = detected.Candidates
                        .Select((c, i) => Statements.FromCandidate(detected.DocumentId, family, publishedOn, i, c))
                        .OfType<Statement>();
                    foreach (var statement in candidates)
                        await CompareAndRememberAsync(connection, statement, e.Position, ct);
                    break;
                // Only claims anchored in a document: the finder compares what documents say, and a free-standing
                // claim has no publication to place it in time or to tell it apart from the desk's own notes.
                case ClaimFlagged { DocumentId: { } documentId } flagged:
                    var document = await DocumentAsync(connection, documentId, ct);
                    var claimStatements = Statements.FromClaim(flagged, document?.Family ?? documentId,
                        document?.PublishedOn ?? DateOnly.FromDateTime(flagged.At.UtcDateTime));
                    foreach (var statement in claimStatements)
                        await CompareAndRememberAsync(connection, statement, e.Position, ct);
                    break;
            }
        }
    }

    private static async Task RememberDocumentAsync(NpgsqlConnection connection, DocumentIngested ingested, CancellationToken ct)
    {
        // A copy joins its original's family, so the two never "disagree" with each other.
        await using var cmd = new NpgsqlCommand($"""
            insert into {S}.conflict_documents (id, family, published_on)
            values ($1, coalesce((select family from {S}.conflict_documents where id = $2), $2, $1), $3)
            on conflict (id) do nothing
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ingested.DocumentId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)ingested.DuplicateOf ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = ingested.PublishedOn });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<(Guid Family, DateOnly PublishedOn)?> DocumentAsync(NpgsqlConnection connection, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select family, published_on from {S}.conflict_documents where id = $1", connection);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetGuid(0), reader.GetFieldValue<DateOnly>(1)) : null;
    }

    private static async Task CompareAndRememberAsync(NpgsqlConnection connection, Statement statement, long position, CancellationToken ct)
    {
        if (!statement.Key.IsAboutSomething) return; // nothing to match it on, now or later

        var earlier = await HeldStatements.ComparableWithAsync(connection, statement, limit: null, ct);

        // One statement for all the conflicts found; a disagreement repeated across many documents is proposed once.
        var proposals = ConflictRules.ToPropose(earlier, statement).Select(ConflictProposal.For).ToList();
        if (proposals.Count > 0)
        {
            await using var queue = new NpgsqlCommand($"""
                insert into {S}.conflict_proposals (discrepancy_id, proposal, found_at)
                select id, proposal, $3 from unnest($1::uuid[], $2::jsonb[]) as p(id, proposal)
                on conflict (discrepancy_id) do nothing
                """, connection);
            queue.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = proposals.Select(p => p.DiscrepancyId).ToArray() });
            queue.Parameters.Add(new NpgsqlParameter
            {
                Value = proposals.Select(p => JsonSerializer.Serialize(p, Json)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
            });
            queue.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
            await queue.ExecuteNonQueryAsync(ct);
        }

        await using var remember = new NpgsqlCommand($"""
            insert into {S}.conflict_statements
                (id, document_id, claim_id, family, published_on, kind, measure_words, normalized_value, quote, statement, position)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            on conflict (id) do update set statement = excluded.statement, measure_words = excluded.measure_words,
                normalized_value = excluded.normalized_value, quote = excluded.quote, position = excluded.position
            """, connection);
        remember.Parameters.Add(new NpgsqlParameter<string> { TypedValue = statement.Id });
        remember.Parameters.Add(new NpgsqlParameter { Value = (object?)statement.DocumentId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        remember.Parameters.Add(new NpgsqlParameter { Value = (object?)statement.ClaimId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        remember.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = statement.Family });
        remember.Parameters.Add(new NpgsqlParameter { Value = (object?)statement.PublishedOn ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Date });
        remember.Parameters.Add(new NpgsqlParameter<string> { TypedValue = statement.Kind });
        remember.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = statement.Key.Words.ToArray() });
        remember.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(statement.Value, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        remember.Parameters.Add(new NpgsqlParameter<string> { TypedValue = statement.Quote });
        remember.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(statement, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        remember.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        await remember.ExecuteNonQueryAsync(ct);
    }
}
