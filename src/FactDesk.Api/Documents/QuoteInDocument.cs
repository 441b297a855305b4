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
        if (QuoteText.Contains(document.Text, quote)) return;
        if (document.DuplicateOf is { } original
            && StateFolder<Document>.Instance.Fold(await store.ReadStreamAsync(original, ct: ct)) is { } copy
            && QuoteText.Contains(copy.Text, quote)) return;
        throw Problems.Fail(Problems.Unprocessable("quote-not-in-document", "The quote does not occur in the document.",
            "The quote must be words of the document's text (whitespace and typographic quotes are ignored).",
            new Dictionary<string, string[]> { ["quote"] = ["Not found in the document's text."] }));
    }
}

/// <summary>Quote comparison that ignores whitespace runs, typographic quotes and dashes, and markdown escapes.</summary>
public static class QuoteText
{
    public static bool Contains(string text, string quote) =>
        Normalize(text).Contains(Normalize(quote), StringComparison.Ordinal);

    public static string Normalize(string value)
    {
        var builder = new System.Text.StringBuilder(value.Length);
        var lastWasSpace = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && char.IsPunctuation(value[i + 1]) || c == '\\' && i + 1 < value.Length && value[i + 1] == '$') continue;
            c = c switch
            {
                '\u2018' or '\u2019' or '\u201A' or '\u2032' => '\'',
                '\u201C' or '\u201D' or '\u201E' or '\u2033' => '"',
                '\u2013' or '\u2014' or '\u2212' => '-',
                '\u00A0' => ' ',
                _ => c,
            };
            if (char.IsWhiteSpace(c))
            {
                if (!lastWasSpace && builder.Length > 0) builder.Append(' ');
                lastWasSpace = true;
                continue;
            }
            lastWasSpace = false;
            builder.Append(c);
        }
        return builder.ToString().TrimEnd();
    }
}
