using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Documents;

/// <summary>
/// Checks that a flagged quote occurs in its document or in any near-identical copy of the same article (the original
/// it copies, or another copy of that original), and answers 422 otherwise.
/// </summary>
public static class QuoteInDocument
{
    /// <summary>Answers the article the quote belongs to: the original document of the family (the first ingested copy).</summary>
    public static async Task<Guid> RequireAsync(TamperEvidentLog store, Guid documentId, string quote, CancellationToken ct)
    {
        var document = await LoadAsync(store, documentId, ct)
            ?? throw Problems.Fail(Problems.Unprocessable("unknown-document", "The document does not exist.",
                $"There is no document with id {documentId}.", new Dictionary<string, string[]> { ["documentId"] = ["No document has this id."] }));
        var article = document.DuplicateOf ?? document.Id;
        if (QuoteMatching.FindQuote(document.Text, quote) is not null) return article;
        foreach (var relativeId in await FamilyAsync(store, article, ct))
            if (relativeId != document.Id && await LoadAsync(store, relativeId, ct) is { } relative
                && QuoteMatching.FindQuote(relative.Text, quote) is not null)
                return article;
        throw Problems.Fail(Problems.Unprocessable("quote-not-in-document", "The quote does not occur in the document.",
            "The quote must be words of the document's text or of a near-identical copy of it (whitespace and typographic quotes are ignored).",
            new Dictionary<string, string[]> { ["quote"] = ["Not found in the document's text."] }));
    }

    private static async Task<Document?> LoadAsync(TamperEvidentLog store, Guid id, CancellationToken ct) =>
        StateFolder<Document>.Instance.Fold(await store.ReadStreamAsync(id, ct: ct));

    /// <summary>The original and every copy of it, oldest first (the documents table is inline, so copies are there at once).</summary>
    private static async Task<IReadOnlyList<Guid>> FamilyAsync(TamperEvidentLog store, Guid article, CancellationToken ct)
    {
        await using var command = store.DataSource.CreateCommand(
            $"select id from {StoreSetup.Schema}.documents where id = $1 or duplicate_of = $1 order by ingested_at, id");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = article });
        var family = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) family.Add(reader.GetGuid(0));
        return family;
    }
}
