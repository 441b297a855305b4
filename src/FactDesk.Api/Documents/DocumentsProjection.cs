using FactDesk.Api.Claims;
using FactDesk.Api.Documents.Duplicates;
using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using Npgsql;
using NpgsqlTypes;

namespace FactDesk.Api.Documents;

/// <summary>
/// Documents with their fingerprints (to find earlier copies of an article) and the claims flagged on each.
/// Inline, so a copy ingested right after its original is already recognised.
/// </summary>
public sealed class DocumentsProjection : IProjection
{
    public const string ProjectionName = "documents";
    private const string Schema = StoreSetup.Schema;

    public string Name => ProjectionName;
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Inline;
    public IReadOnlyList<string> Tables { get; } = ["document_claims", "documents"];

    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = Declare();

    private static IReadOnlyList<Weasel.Core.ISchemaObject> Declare()
    {
        var documents = SchemaTables.For(Schema, "documents");
        documents.AddColumn("id", "uuid").AsPrimaryKey();
        documents.AddColumn("title", "text").NotNull();
        documents.AddColumn("outlet", "text");
        documents.AddColumn("published_on", "date").NotNull();
        documents.AddColumn("duplicate_of", "uuid");
        documents.AddColumn("shingles", "bigint[]").NotNull();
        documents.AddColumn("ingested_at", "timestamptz").NotNull();
        documents.Index("documents_shingles", ["shingles"], method: Weasel.Postgresql.Tables.IndexMethod.gin)
            .Index("documents_duplicate_of", ["duplicate_of"], where: "duplicate_of is not null");

        var claims = SchemaTables.For(Schema, "document_claims");
        claims.AddColumn("document_id", "uuid").NotNull();
        claims.AddColumn("claim_id", "uuid").NotNull();
        claims.AddColumn("quote", "text").NotNull();
        claims.AddColumn("flagged_at", "timestamptz").NotNull();
        claims.PrimaryKey("document_id", "claim_id");
        return [documents, claims];
    }

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        // One round trip for all the events handed over (a rebuild hands over thousands at a time), in their order.
        await using var batch = new NpgsqlBatch(connection);
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case DocumentIngested ingested:
                    {
                        var cmd = new NpgsqlBatchCommand($"""
                        insert into {Schema}.documents (id, title, outlet, published_on, duplicate_of, shingles, ingested_at)
                        values ($1, $2, $3, $4, $5, $6, $7)
                        on conflict (id) do nothing
                        """);
                        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ingested.DocumentId });
                        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ingested.Title });
                        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)ingested.Outlet ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                        cmd.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = ingested.PublishedOn });
                        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)ingested.DuplicateOf ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
                        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = DuplicateFinder.Fingerprint(ingested.Text) });
                        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = ingested.At });
                        batch.BatchCommands.Add(cmd);
                    }
                    break;
                case ClaimFlagged { DocumentId: { } documentId } flagged:
                    {
                        var cmd = new NpgsqlBatchCommand($"""
                        insert into {Schema}.document_claims (document_id, claim_id, quote, flagged_at)
                        values ($1, $2, $3, $4)
                        on conflict do nothing
                        """);
                        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = documentId });
                        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = flagged.ClaimId });
                        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = flagged.Quote });
                        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = flagged.At });
                        batch.BatchCommands.Add(cmd);
                    }
                    break;
            }
        }
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(ct);
    }
}
