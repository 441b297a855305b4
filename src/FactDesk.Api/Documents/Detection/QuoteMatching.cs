using System.Text;

namespace FactDesk.Api.Documents.Detection;

/// <summary>
/// Finds a quote in an article regardless of how the copy was typeset: typographic vs straight quotes and dashes,
/// markdown escapes and emphasis, line wrapping and page breaks.
/// </summary>
public static class QuoteMatching
{
    public static string Normalize(string text) => NormalizeWithMap(text).Normalized;

    /// <summary>Code-point span [start, end) of <paramref name="quote"/> in <paramref name="text"/>, or null.</summary>
    public static (int Start, int End)? FindQuote(string text, string quote)
    {
        var wanted = Normalize(quote);
        if (wanted.Length == 0)
            return null;

        var (normalized, codePointOf) = NormalizeWithMap(text);
        var index = normalized.IndexOf(wanted, StringComparison.Ordinal);
        if (index < 0)
            index = normalized.IndexOf(wanted, StringComparison.OrdinalIgnoreCase);
        if (index < 0)
            return null;
        return (codePointOf[index], codePointOf[index + wanted.Length - 1] + 1);
    }

    /// <summary>Normalised text plus, for each of its UTF-16 units, the code-point offset it came from.</summary>
    internal static (string Normalized, List<int> CodePointOf) NormalizeWithMap(string text)
    {
        var output = new StringBuilder(text.Length);
        var codePointOf = new List<int>(text.Length);
        var codePoint = -1;
        for (var i = 0; i < text.Length; i++)
        {
            codePoint++;
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                Append(output, codePointOf, codePoint, c, text[++i]);
                continue;
            }

            // Markdown escapes such as "US\$800" carry no meaning of their own.
            if (c == '\\' && i + 1 < text.Length && char.IsAscii(text[i + 1]) && (char.IsPunctuation(text[i + 1]) || char.IsSymbol(text[i + 1])))
                continue;
            // Emphasis markers differ between the markdown and the plain copy of the same story.
            if (c == '*')
                continue;
            if (c is '\u00AD' or '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF')
                continue;

            if (char.IsWhiteSpace(c))
            {
                if (output.Length > 0 && output[^1] != ' ')
                    Append(output, codePointOf, codePoint, ' ');
                continue;
            }

            switch (c)
            {
                case '\u2018' or '\u2019' or '\u201A' or '\u201B' or '\u2032' or '\u02BC':
                    Append(output, codePointOf, codePoint, '\'');
                    break;
                case '\u201C' or '\u201D' or '\u201E' or '\u201F' or '\u2033' or '\u00AB' or '\u00BB':
                    Append(output, codePointOf, codePoint, '"');
                    break;
                case '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2015' or '\u2212':
                    Append(output, codePointOf, codePoint, '-');
                    break;
                case '\u2026':
                    Append(output, codePointOf, codePoint, '.');
                    Append(output, codePointOf, codePoint, '.');
                    Append(output, codePointOf, codePoint, '.');
                    break;
                default:
                    Append(output, codePointOf, codePoint, c);
                    break;
            }
        }

        if (output.Length > 0 && output[^1] == ' ')
        {
            output.Length--;
            codePointOf.RemoveAt(codePointOf.Count - 1);
        }
        return (output.ToString(), codePointOf);
    }

    private static void Append(StringBuilder output, List<int> codePointOf, int codePoint, params ReadOnlySpan<char> chars)
    {
        foreach (var c in chars)
        {
            output.Append(c);
            codePointOf.Add(codePoint);
        }
    }
}
