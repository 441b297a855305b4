using System.Globalization;
using System.Text.RegularExpressions;
using FactDesk.Api.Claims;
using FactDesk.Api.Documents.Detection;

namespace FactDesk.Api.Documents.Conflicts;

/// <summary>
/// One checkable value as some document (or flagged claim) states it, ready to be compared with what others state.
/// <see cref="Family"/> is the document together with its near-identical copies (or the claim alone when it has no
/// document): statements of one family never conflict, since copies of an article repeat the same words.
/// <see cref="IsSnapshot"/> marks values that describe "now" ("there are now 30 IRPs"), which change with time.
/// </summary>
public sealed record Statement(
    string Id, Guid? DocumentId, Guid? ClaimId, Guid Family, DateOnly? PublishedOn, MeasureKey Key, NormalizedValue Value,
    string Quote, string Expression, bool IsSnapshot, string? AsOf = null)
{
    public string Kind => Key.Kind;
}

/// <summary>Turns detected candidates and flagged claims into <see cref="Statement"/>s. Pure.</summary>
public static partial class Statements
{
    /// <summary>A detected candidate; null for values that are not claims about the world (a book's citation year).</summary>
    public static Statement? FromCandidate(Guid documentId, Guid family, DateOnly publishedOn, int index, CandidateClaim candidate)
    {
        if (candidate.Value.Note == "citation year") return null;
        // Withheld values are not the article's own; comparisons and durations carry no measure to hold against another.
        if (candidate.Section != ArticleSections.Body || candidate.Kind is ClaimKinds.Comparison or ClaimKinds.Duration) return null;
        var (start, length) = ExpressionSpan(candidate);
        var key = MeasureKeys.FromSentence(candidate.Kind, candidate.Value.Unit, candidate.Quote, start, length);
        return new Statement($"candidate:{documentId:N}:{index}", documentId, null, family, publishedOn, key, candidate.Value,
            candidate.Quote, candidate.Expression, IsSnapshot(candidate.Quote));
    }

    /// <summary>
    /// A flagged claim: its structured assertion when it has a value that can be read, else whatever values the
    /// detector finds in its quote (read against <paramref name="publishedOn"/>, the document's date or the day it was flagged).
    /// </summary>
    public static IReadOnlyList<Statement> FromClaim(ClaimFlagged flagged, Guid family, DateOnly publishedOn)
    {
        if (flagged.Assertion is { Value: { } text } assertion && ReadAssertedValue(text, assertion.Unit) is { } read)
        {
            var key = MeasureKeys.FromAssertion(read.Kind, read.Value.Unit, assertion.Subject, assertion.Metric);
            return
            [
                new Statement($"claim:{flagged.ClaimId:N}:0", flagged.DocumentId, flagged.ClaimId, family, publishedOn, key, read.Value,
                    flagged.Quote, text, IsSnapshot(flagged.Quote), NormaliseAsOf(assertion.AsOf)),
            ];
        }
        // Someone flagged the quote, so every value in it is worth comparing, however low detection scored it.
        return ClaimDetector.Detect(flagged.Quote, publishedOn, includeAll: true)
            .Select((c, i) => FromCandidate(flagged.DocumentId ?? flagged.ClaimId, family, publishedOn, i, c) is { } s
                ? s with { Id = $"claim:{flagged.ClaimId:N}:{i}", DocumentId = flagged.DocumentId, ClaimId = flagged.ClaimId }
                : null)
            .OfType<Statement>()
            .ToList();
    }

    /// <summary>
    /// Reads an assertion's value ("36", "36%", "$47 billion", "over 400", "2025-01") with its unit ("%", "USD", "models",
    /// "rank"). Null when it is not a number, a rank or an ISO date: such assertions are compared by people, not here.
    /// </summary>
    public static (string Kind, NormalizedValue Value)? ReadAssertedValue(string value, string? unit)
    {
        var text = value.Trim();
        if (text.Length == 0 || text.Length > 200) return null;
        var unitText = unit?.Trim();
        if (IsoDate().IsMatch(text) && (unitText is null or "" || unitText.Equals("date", StringComparison.OrdinalIgnoreCase)))
            return (ClaimKinds.Date, new NormalizedValue(null, null, null, null, text, value, null) { Qualifier = ValueQualifiers.Exact });

        var m = AssertedNumber().Match(text);
        if (!m.Success) return null;
        if (!decimal.TryParse(m.Groups["n"].Value.Replace(",", ""), NumberStyles.Number, CultureInfo.InvariantCulture, out var number))
            return null;
        number *= m.Groups["mag"].Value.ToLowerInvariant() switch
        {
            "thousand" or "k" => 1_000m,
            "million" or "m" or "mn" => 1_000_000m,
            "billion" or "bn" or "b" => 1_000_000_000m,
            "trillion" or "tn" or "t" => 1_000_000_000_000m,
            _ => 1m,
        };
        var qualifier = m.Groups["q"].Value.ToLowerInvariant().Trim() switch
        {
            "over" or "more than" or "above" or "upwards of" => ValueQualifiers.MoreThan,
            "at least" => ValueQualifiers.AtLeast,
            "under" or "less than" or "below" or "fewer than" => ValueQualifiers.LessThan,
            "at most" or "up to" => ValueQualifiers.AtMost,
            "about" or "around" or "roughly" or "approximately" or "nearly" or "almost" or "some" or "~" => ValueQualifiers.Approximately,
            _ => ValueQualifiers.Exact,
        };
        var (low, high) = qualifier is ValueQualifiers.LessThan or ValueQualifiers.AtMost ? ((decimal?)null, (decimal?)number) : (number, null);
        var symbol = m.Groups["cur"].Value;
        var suffix = m.Groups["suffix"].Value.Trim();
        var unitWord = unitText is { Length: > 0 } ? unitText : suffix;

        if (suffix == "%" || unitWord is "%" || IsWord(unitWord, "percent", "per cent", "percentage", "pct"))
            return (ClaimKinds.Percentage, new NormalizedValue(low, high, "%", null, null, value, null) { Qualifier = qualifier });
        var currency = CurrencyOf(symbol) ?? CurrencyOf(unitWord);
        if (currency is not null)
            return (ClaimKinds.Money, new NormalizedValue(low, high, null, currency, null, value, null) { Qualifier = qualifier });
        if (IsWord(unitWord, "rank", "ranking", "place", "position"))
            return (ClaimKinds.Ranking, new NormalizedValue(low, high, null, null, null, value, null) { Qualifier = qualifier });
        if (IsWord(unitWord, "times", "x", "fold"))
            return (ClaimKinds.Ratio, new NormalizedValue(low, high, "times", null, null, value, null) { Qualifier = qualifier });
        return (ClaimKinds.Count, new NormalizedValue(low, high, unitWord.Length == 0 ? null : unitWord, null, null, value, null) { Qualifier = qualifier });
    }

    // Figures about "now" go stale: "there are now 30 IRPs" and "there are now 35 IRPs" a year apart need not disagree.
    public static bool IsSnapshot(string sentence) => SnapshotCue().IsMatch(sentence);

    private static (int Start, int Length) ExpressionSpan(CandidateClaim candidate)
    {
        // Offsets are code points into the article; the quote starts at candidate.Start.
        var codePointOffset = candidate.ExpressionStart - candidate.Start;
        var quote = candidate.Quote;
        if (codePointOffset >= 0 && candidate.ExpressionEnd > candidate.ExpressionStart)
        {
            var index = 0;
            for (var seen = 0; seen < codePointOffset && index < quote.Length; seen++)
                index += char.IsHighSurrogate(quote[index]) && index + 1 < quote.Length ? 2 : 1;
            if (index < quote.Length) return (index, Math.Min(candidate.Expression.Length, quote.Length - index));
        }
        var found = quote.IndexOf(candidate.Expression, StringComparison.Ordinal);
        return found >= 0 ? (found, candidate.Expression.Length) : (0, quote.Length);
    }

    private static string? NormaliseAsOf(string? asOf) =>
        string.IsNullOrWhiteSpace(asOf) ? null : asOf.Trim().Length >= 10 ? asOf.Trim()[..10] : asOf.Trim();

    private static bool IsWord(string text, params string[] words) => words.Any(w => text.Equals(w, StringComparison.OrdinalIgnoreCase));

    private static string? CurrencyOf(string text) => text.Trim() switch
    {
        "$" or "US$" or "USD" or "usd" or "dollars" or "US dollars" => "USD",
        "€" or "EUR" or "euros" => "EUR",
        "£" or "GBP" or "pounds" => "GBP",
        "¥" or "CNY" or "RMB" or "yuan" or "renminbi" => "CNY",
        var code when code.Length == 3 && code.All(char.IsUpper) && ExchangeRates.UsdValueOf(code) is not null => code,
        _ => null,
    };

    [GeneratedRegex(@"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"^(?<q>over|more than|above|upwards of|at least|under|less than|below|fewer than|at most|up to|about|around|roughly|approximately|nearly|almost|some|~)?\s*(?<cur>US\$|\$|€|£|¥)?\s*(?<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?<mag>thousand|million|billion|trillion|bn|mn|tn|k|m|b|t)?\b\s*(?<suffix>%|[\p{L} ]{0,40})$", RegexOptions.IgnoreCase)]
    private static partial Regex AssertedNumber();

    [GeneratedRegex(@"\b(?:now|currently|so far|to date|as of|today|at present|at the moment)\b|\b(?:has|have)\s+(?:\w+ly\s+)?(?:\w+ed|become|grown|risen|fallen|built|won|seen|shown|hit)\b", RegexOptions.IgnoreCase)]
    private static partial Regex SnapshotCue();
}
