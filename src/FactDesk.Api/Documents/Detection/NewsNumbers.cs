using System.Globalization;

namespace FactDesk.Api.Documents.Detection;

/// <summary>Regex fragments and parsers for numbers as reporters write them ("1,200", "one billion", "a billion").</summary>
internal static class NewsNumbers
{
    public const string Digits = @"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?";

    public const string Words =
        "(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|" +
        "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a|an)";

    public const string Scale = "(?:thousand|million|billion|trillion|bn|tn)";

    /// <summary>Words before a number that bound it; the article's own wording is kept in the expression.</summary>
    public const string Qualifier =
        @"(?:(?:more\s+than|over|above|upwards\s+of|at\s+least|nearly|almost|about|around|roughly|approximately|" +
        @"some|an\s+estimated|up\s+to|at\s+most|less\s+than|fewer\s+than|under|below|just\s+over|just\s+under|" +
        @"close\s+to)\s+(?:a\s+)?)";

    private static readonly Dictionary<string, decimal> WordValues = new(StringComparer.OrdinalIgnoreCase)
    {
        ["a"] = 1, ["an"] = 1, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6,
        ["seven"] = 7, ["eight"] = 8, ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12,
        ["thirteen"] = 13, ["fourteen"] = 14, ["fifteen"] = 15, ["sixteen"] = 16, ["seventeen"] = 17,
        ["eighteen"] = 18, ["nineteen"] = 19, ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40, ["fifty"] = 50,
        ["sixty"] = 60, ["seventy"] = 70, ["eighty"] = 80, ["ninety"] = 90,
        ["first"] = 1, ["second"] = 2, ["third"] = 3, ["fourth"] = 4, ["fifth"] = 5, ["sixth"] = 6,
        ["seventh"] = 7, ["eighth"] = 8, ["ninth"] = 9, ["tenth"] = 10,
    };

    public static bool IsWord(string number) => WordValues.ContainsKey(number);

    /// <summary>The value of a number word ("second", "three"); for patterns that capture only words from the table.</summary>
    public static decimal WordValue(string word) => WordValues[word];

    /// <summary>
    /// The value of a written number, or false when it is beyond what <see cref="decimal"/> holds (a client may send
    /// "$100000000000000000000000000000"); the recogniser then skips that mention rather than failing the article.
    /// </summary>
    public static bool TryParse(string number, out decimal value) =>
        WordValues.TryGetValue(number, out value) ||
        decimal.TryParse(number.Replace(",", ""), NumberStyles.Number, CultureInfo.InvariantCulture, out value);

    /// <summary>
    /// <paramref name="number"/> times the scale word, or false when the product would overflow <see cref="decimal"/>.
    /// </summary>
    public static bool TryScale(string number, string? scale, out decimal value)
    {
        value = 0;
        return TryParse(number, out var parsed) && TryMultiply(parsed, ScaleOf(scale), out value);
    }

    // decimal arithmetic always throws on overflow; estimating the magnitude in double first (15 significant digits,
    // far more than the headroom below decimal.MaxValue ≈ 7.9e28 needs) avoids paying for an exception per mention.
    private const double Representable = 7e28;

    public static bool TryMultiply(decimal a, decimal b, out decimal product)
    {
        var fits = Math.Abs((double)a * (double)b) < Representable;
        product = fits ? a * b : 0;
        return fits;
    }

    public static bool TryDivide(decimal a, decimal b, out decimal quotient)
    {
        var fits = b != 0 && Math.Abs((double)a / (double)b) < Representable;
        quotient = fits ? a / b : 0;
        return fits;
    }

    public static decimal ScaleOf(string? scale) => scale?.ToLowerInvariant() switch
    {
        null or "" => 1m,
        "thousand" or "thousands" or "k" => 1_000m,
        "million" or "millions" or "m" or "mn" => 1_000_000m,
        "billion" or "billions" or "bn" => 1_000_000_000m,
        "trillion" or "trillions" or "tn" => 1_000_000_000_000m,
        _ => 1m,
    };

    public static string QualifierOf(string? qualifierWords)
    {
        var words = string.Join(' ', (qualifierWords ?? "").ToLowerInvariant()
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(w => w != "a"));
        return words switch
        {
            "" => ValueQualifiers.Exact,
            "more than" or "over" or "above" or "upwards of" or "just over" => ValueQualifiers.MoreThan,
            "at least" => ValueQualifiers.AtLeast,
            "less than" or "fewer than" or "under" or "below" or "just under" => ValueQualifiers.LessThan,
            "up to" or "at most" => ValueQualifiers.AtMost,
            _ => ValueQualifiers.Approximately,
        };
    }

    /// <summary>Puts a bound into the right field: a lower bound or point in Number, an upper bound in UpperNumber.</summary>
    public static (decimal? Number, decimal? Upper) Bounds(decimal value, string qualifier) =>
        qualifier is ValueQualifiers.LessThan or ValueQualifiers.AtMost ? (null, value) : (value, null);
}
