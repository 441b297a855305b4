using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Http;
using FactDesk.EventStore;

namespace FactDesk.Api.Documents;

/// <summary>Checks that a flagged quote occurs in its document, or in a near-identical copy of it (422 otherwise).</summary>
public static class QuoteInDocument
{
    public static async Task RequireAsync(PostgresEventStore store, Guid documentId, string quote, CancellationToken ct)
    {
        var document = StateFolder<Document>.Instance.Fold(await store.ReadStreamAsync(documentId, ct: ct))
            ?? throw Problems.Fail(Problems.Unprocessable("unknown-document", "The document does not exist.",
                $"There is no document with id {documentId}.", new Dictionary<string, string[]> { ["documentId"] = ["No document has this id."] }));
        if (QuoteMatching.FindQuote(document.Text, quote) is not null) return;
        if (document.DuplicateOf is { } original
            && StateFolder<Document>.Instance.Fold(await store.ReadStreamAsync(original, ct: ct)) is { } copy
            && QuoteMatching.FindQuote(copy.Text, quote) is not null) return;
        throw Problems.Fail(Problems.Unprocessable("quote-not-in-document", "The quote does not occur in the document.",
            "The quote must be words of the document's text (whitespace and typographic quotes are ignored).",
            new Dictionary<string, string[]> { ["quote"] = ["Not found in the document's text."] }));
    }
}
