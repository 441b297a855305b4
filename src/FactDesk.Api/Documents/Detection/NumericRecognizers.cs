using System.Text.RegularExpressions;
using static FactDesk.Api.Documents.Detection.NewsNumbers;

namespace FactDesk.Api.Documents.Detection;

/// <summary>Finds money, percentages, ratios and counts (including measured quantities such as "3–4 nanometres").</summary>
internal static partial class NumericRecognizers
{
    private const string CurrencySymbol = @"(?:US|HK|A|C|NZ|S)?\\?\$|€|£|¥|(?:RMB|CNY|USD|EUR|GBP|HKD|JPY)\s?";
    private const string CurrencyWords =
        @"(?:Chinese\s+)?yuan|renminbi|RMB|(?:Japanese\s+)?yen|euros?|" +
        @"(?:US\s+|American\s+|Hong\s+Kong\s+|Australian\s+|Canadian\s+)?dollars|pounds(?:\s+sterling)?|(?:Indian\s+)?rupees";

    private static readonly HashSet<string> TimeUnits = new(StringComparer.OrdinalIgnoreCase)
    {
        "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours", "minute", "minutes",
        "second", "seconds", "decade", "decades", "century", "centuries", "year-old", "years-old", "quarter", "quarters",
    };

    private static readonly HashSet<string> Superlatives = new(StringComparer.OrdinalIgnoreCase)
    {
        "largest", "biggest", "fastest", "highest", "lowest", "smallest", "most", "least", "best", "worst", "top",
    };

    /// <summary>Measurement units normalised to their symbols; a number followed by one is a measured quantity.</summary>
    private static readonly Dictionary<string, string> MeasurementUnits = new(StringComparer.OrdinalIgnoreCase)
    {
        ["nanometres"] = "nm", ["nanometers"] = "nm", ["nanometre"] = "nm", ["nanometer"] = "nm", ["nm"] = "nm",
        ["micrometres"] = "µm", ["micrometers"] = "µm", ["millimetres"] = "mm", ["millimeters"] = "mm",
        ["centimetres"] = "cm", ["centimeters"] = "cm", ["metres"] = "m", ["meters"] = "m", ["km"] = "km",
        ["kilometres"] = "km", ["kilometers"] = "km", ["miles"] = "mi", ["kilograms"] = "kg", ["kg"] = "kg",
        ["tonnes"] = "t", ["tons"] = "t", ["gigawatts"] = "GW", ["GW"] = "GW", ["megawatts"] = "MW", ["MW"] = "MW",
        ["terawatt-hours"] = "TWh", ["TWh"] = "TWh", ["gigabytes"] = "GB", ["GB"] = "GB", ["terabytes"] = "TB",
        ["petaflops"] = "PFLOPS", ["exaflops"] = "EFLOPS", ["parameters"] = "parameters", ["degrees"] = "°",
    };

    /// <summary>Plurals without a final "s" that still name counted people or things.</summary>
    private static readonly HashSet<string> IrregularPlurals = new(StringComparer.OrdinalIgnoreCase)
    {
        "people", "staff", "personnel", "children", "men", "women", "police", "cattle", "sheep", "fish", "mice",
    };

    public static IEnumerable<ValueMention> Find(string text) =>
        Money(text).Concat(Percentages(text)).Concat(Ratios(text)).Concat(Counts(text)).Concat(VagueMagnitudes(text))
            .Concat(Fractions(text)).Concat(Durations(text));

    /// <summary>"about a quarter of them", "a third less per kilometre", "by a fifth": a share in words.</summary>
    private static IEnumerable<ValueMention> Fractions(string text)
    {
        foreach (Match m in Fraction().SafeMatches(text))
        {
            var parts = m.Groups["parts"].Value.ToLowerInvariant() is "a" or "an" or "one" ? 1m : WordValueOrOne(m.Groups["parts"].Value);
            var per = m.Groups["of"].Value.ToLowerInvariant().TrimEnd('s') switch
            {
                "half" or "halve" => 2m, "third" => 3m, "quarter" => 4m, "fifth" => 5m, _ => 10m,
            };
            var qualifier = QualifierOf(m.Groups["qual"].Value);
            var (number, upper) = Bounds(Math.Round(parts / per, 4), qualifier);
            var value = new NormalizedValue(number, upper, "share", null, null, m.Value, m.Groups["dir"].Success ? m.Groups["dir"].Value.ToLowerInvariant() : null)
            {
                Qualifier = qualifier,
            };
            yield return new ValueMention(m.Index, m.Index + m.Length, ClaimKinds.Ratio, value, 0.6);
        }
    }

    private static decimal WordValueOrOne(string word) => TryParse(word, out var value) ? value : 1m;

    /// <summary>"for more than a decade", "in under six years", "takes almost two hours": how long, as the article bounds it.</summary>
    private static IEnumerable<ValueMention> Durations(string text)
    {
        foreach (Match m in Duration().SafeMatches(text))
        {
            if (!TryParse(m.Groups["num"].Value, out var amount))
                continue;
            var qualifier = QualifierOf(m.Groups["qual"].Value);
            var (number, upper) = Bounds(amount, qualifier);
            var unit = m.Groups["unit"].Value.ToLowerInvariant();
            var value = new NormalizedValue(number, upper, unit.EndsWith('s') ? unit : unit + "s", null, null, m.Value, null) { Qualifier = qualifier };
            yield return new ValueMention(m.Groups["span"].Index, m.Index + m.Length, ClaimKinds.Duration, value, 0.5);
        }
    }

    private static IEnumerable<ValueMention> Money(string text)
    {
        var stated = StatedMoney(text).OrderBy(m => m.Start).ToList();
        foreach (var mention in stated)
            yield return mention;

        // "...230 billion yuan on support. Another 520 billion went on tax breaks": an amount without a currency in
        // the next sentence or two is in the currency the article just used.
        foreach (Match m in BareAmount().SafeMatches(text))
        {
            var previous = LastMoneyBefore(stated, m.Index);
            if (previous?.Value.Currency is not { } currency || m.Index - previous.End > CarriedCurrencyReach ||
                !TryScale(m.Groups["num"].Value, m.Groups["scale"].Value, out var amount))
                continue;
            var qualifier = QualifierOf(m.Groups["qual"].Value);
            var (number, upper) = Bounds(amount, qualifier);
            var value = new NormalizedValue(number, upper, null, currency, null, m.Value, $"currency carried over from \"{previous.Value.Original}\"")
            {
                Qualifier = qualifier,
            };
            yield return new ValueMention(m.Index, m.Index + m.Length, ClaimKinds.Money, value, 0.75);
        }
    }

    private const int CarriedCurrencyReach = 300;

    private static ValueMention? LastMoneyBefore(List<ValueMention> money, int position)
    {
        int low = 0, high = money.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (money[middle].End <= position) { found = middle; low = middle + 1; }
            else high = middle - 1;
        }
        return found >= 0 ? money[found] : null;
    }

    private static IEnumerable<ValueMention> StatedMoney(string text)
    {
        List<(int Index, string Currency)>? namedCurrencies = null;
        foreach (Match m in SymbolMoney().SafeMatches(text))
        {
            var (currency, note) = CurrencyFromSymbol(m.Groups["cur"].Value);
            if (currency is null && m.Groups["cur"].Value == "¥")
            {
                // "¥" is both yuan and yen: the currency the article last named decides.
                namedCurrencies ??= YenOrYuan().SafeMatches(text)
                    .Select(c => (c.Index, c.Value.ToUpperInvariant() is "YEN" or "JPY" ? "JPY" : "CNY")).ToList();
                if (LastBefore(namedCurrencies, m.Index) is { } named)
                    (currency, note) = (named, $"¥ read as {named} from the currency named earlier in the article");
            }
            if (m.Groups["base"].Success)
                note = Join(note, $"in constant {m.Groups["base"].Value} dollars");
            if (MoneyMention(text, m, currency, note) is { } mention)
                yield return mention;
        }

        foreach (Match m in WordMoney().SafeMatches(text))
        {
            var number = m.Groups["num"].Value;
            var hasScale = m.Groups["scale"].Success;
            // "in 2018 dollars" names a price base, not an amount.
            if (!hasScale && (number is "a" or "an" || (number.Length == 4 && !number.Contains(',') && TryParse(number, out var year) && year is >= 1800 and < 2100)))
                continue;
            if (MoneyMention(text, m, CurrencyFromWords(m.Groups["cur"].Value), null) is { } mention)
                yield return mention;
        }
    }

    /// <summary>Null when the amount is too large to represent: no article states one, so it is not a claim to check.</summary>
    private static ValueMention? MoneyMention(string text, Match m, string? currency, string? note)
    {
        if (!TryScale(m.Groups["num"].Value, m.Groups["scale"].Value, out var amount))
            return null;
        var qualifier = QualifierOf(m.Groups["qual"].Value);
        var (number, upper) = Bounds(amount, qualifier);
        var end = m.Index + m.Length;
        CurrencyConversion? conversion = null;

        var converted = StatedConversion().SafeMatch(text, end);
        if (converted.Success)
        {
            var (toCurrency, _) = CurrencyFromSymbol(converted.Groups["cur"].Value);
            // An unrepresentable converted amount leaves the stated amount standing on its own.
            if (toCurrency is not null && TryScale(converted.Groups["num"].Value, converted.Groups["scale"].Value, out var toAmount))
            {
                var words = converted.Value.Trim().TrimStart('(').TrimEnd(')').Trim();
                conversion = ExchangeRates.Check(amount, currency, toAmount, toCurrency, words);
                end = converted.Index + converted.Length;
            }
        }

        var expression = text[m.Index..end];
        var value = new NormalizedValue(number, upper, null, currency, null, expression, note)
        {
            Qualifier = qualifier,
            Conversion = conversion,
        };
        return new ValueMention(m.Index, end, ClaimKinds.Money, value, 0.9);
    }

    private static IEnumerable<ValueMention> Percentages(string text)
    {
        foreach (Match m in Percentage().SafeMatches(text))
        {
            if (!TryParse(m.Groups["num"].Value, out var low))
                continue;
            var qualifier = QualifierOf(m.Groups["qual"].Value);
            var (number, upper) = Bounds(low, qualifier);
            if (m.Groups["num2"].Success)
            {
                if (!TryParse(m.Groups["num2"].Value, out var high))
                    continue;
                (number, upper, qualifier) = (low, high, ValueQualifiers.Range);
            }
            var unit = m.Groups["points"].Success ? "percentage points" : "%";
            var value = new NormalizedValue(number, upper, unit, null, null, m.Value, null) { Qualifier = qualifier };
            yield return new ValueMention(m.Index, m.Index + m.Length, ClaimKinds.Percentage, value, 0.85);
        }
    }

    private static IEnumerable<ValueMention> Ratios(string text)
    {
        foreach (Match m in Ratio().SafeMatches(text))
        {
            var written = m.Groups["num"].Value;
            if (written is "a" or "an" || FollowsProperName(text, m.Index) || !TryParse(written, out var factor))
                continue;
            var qualifier = QualifierOf(m.Groups["qual"].Value);
            var value = new NormalizedValue(factor, null, "times", null, null, m.Value,
                m.Groups["cmp"].Value.ToLowerInvariant()) { Qualifier = qualifier };
            yield return new ValueMention(m.Index, m.Index + m.Length, ClaimKinds.Ratio, value, 0.8);
        }

        foreach (Match m in Proportion().SafeMatches(text))
        {
            // "one in a million" is a figure of speech, not a share.
            if (m.Groups["whole"].Value.ToLowerInvariant() is "a" or "an" ||
                !TryParse(m.Groups["part"].Value, out var part) || !TryParse(m.Groups["whole"].Value, out var whole) ||
                whole == 0 || part > whole || !TryDivide(part, whole, out var share))
                continue;
            var value = new NormalizedValue(Math.Round(share, 4), null, "share", null, null, m.Value, $"{part} in {whole}")
            {
                Qualifier = ValueQualifiers.Exact,
            };
            yield return new ValueMention(m.Index, m.Index + m.Length, ClaimKinds.Ratio, value, 0.75);
        }

        foreach (Match m in Multiple().SafeMatches(text))
        {
            var factor = m.Groups["word"].Value.ToLowerInvariant() switch { "twice" => 2m, "thrice" => 3m, _ => 0.5m };
            var value = new NormalizedValue(factor, null, "times", null, null, m.Value, m.Groups["cmp"].Value.ToLowerInvariant())
            {
                Qualifier = ValueQualifiers.Exact,
            };
            yield return new ValueMention(m.Index, m.Index + m.Length, ClaimKinds.Ratio, value, 0.75);
        }
    }

    private static IEnumerable<ValueMention> Counts(string text)
    {
        (int End, string Noun)? elided = null;
        foreach (Match m in CountNumber().SafeMatches(text))
        {
            var written = m.Groups["num"].Value;
            var isWord = IsWord(written);
            var hasScale = m.Groups["scale"].Success;
            var hasQualifier = m.Groups["qual"].Success;
            // Singular "one"/"a" without a scale asserts no quantity worth checking.
            if (!hasScale && (written.Equals("a", StringComparison.OrdinalIgnoreCase) ||
                              written.Equals("an", StringComparison.OrdinalIgnoreCase) ||
                              written.Equals("one", StringComparison.OrdinalIgnoreCase)))
                continue;
            if (!hasQualifier && FollowsProperName(text, m.Index))
                continue;
            if (!isWord && !hasScale && !written.Contains(',') && written.Length == 4 && TryParse(written, out var year) && year is >= 1800 and < 2100)
                continue;

            var numberEnd = m.Index + m.Length;
            var words = FollowingWords(text, numberEnd, 4);
            if (words.Count == 0)
            {
                // "trains roughly 10,000 engineers ..., while the Netherlands trains fewer than 1,000.": the clause
                // ends on the number and the counted noun is the one the same sentence just used.
                if (!isWord && elided is { } previous && ClauseEndsAt(text, numberEnd) &&
                    !text.AsSpan(previous.End, m.Index - previous.End).ContainsAny(SentenceEnds) &&
                    TryScale(written, m.Groups["scale"].Value, out var elidedCount))
                {
                    var (n, u) = Bounds(elidedCount, QualifierOf(m.Groups["qual"].Value));
                    yield return CountMention(text, m.Index, numberEnd, n, u, previous.Noun, QualifierOf(m.Groups["qual"].Value), 0.6);
                }
                continue;
            }
            var first = words[0];
            // "downloaded 2.3 million times": a tally of occurrences, unless a comparison follows ("3 times larger").
            if (first.Word.Equals("times", StringComparison.OrdinalIgnoreCase) && !isWord &&
                (words.Count == 1 || !Comparatives.Contains(words[1].Word)) &&
                TryScale(written, m.Groups["scale"].Value, out var occurrences))
            {
                var (n, u) = Bounds(occurrences, QualifierOf(m.Groups["qual"].Value));
                yield return CountMention(text, m.Index, first.End, n, u, "times", QualifierOf(m.Groups["qual"].Value), 0.7);
                continue;
            }
            // A spelled-out number followed by a capitalised word is a title or name ("Two Sessions").
            if (isWord && char.IsUpper(written[0]) && char.IsUpper(first.Word[0]))
                continue;
            if (TimeUnits.Contains(first.Word) || Superlatives.Contains(first.Word) ||
                first.Word.Equals("per", StringComparison.OrdinalIgnoreCase) || first.Word.Equals("percent", StringComparison.OrdinalIgnoreCase))
                continue;

            if (!TryScale(written, m.Groups["scale"].Value, out var low))
                continue;
            var qualifier = QualifierOf(m.Groups["qual"].Value);
            var (number, upper) = Bounds(low, qualifier);
            if (m.Groups["num2"].Success)
            {
                if (!TryScale(m.Groups["num2"].Value, m.Groups["scale"].Value, out var high))
                    continue;
                (number, upper, qualifier) = (low, high, ValueQualifiers.Range);
            }

            if (MeasurementUnits.TryGetValue(first.Word, out var unit))
            {
                var end = first.End;
                var bound = TrailingBound().SafeMatch(text, end);
                if (bound.Success)
                {
                    end = bound.Index + bound.Length;
                    var atMost = bound.Groups["dir"].Value.ToLowerInvariant() is "less" or "fewer" or "smaller" or "below" or "under";
                    (number, upper, qualifier) = atMost
                        ? ((decimal?)null, (decimal?)low, ValueQualifiers.AtMost)
                        : ((decimal?)low, (decimal?)null, ValueQualifiers.AtLeast);
                }
                yield return CountMention(text, m.Index, end, number, upper, unit, qualifier, 0.7);
                continue;
            }

            var noun = words.TakeWhile(w => !Stopwords.Contains(w.Word) && !w.Word.Any(char.IsDigit))
                .Take(3).FirstOrDefault(w => IsPluralNoun(w.Word));
            if (noun.Word is null || TimeUnits.Contains(noun.Word))
                continue;
            elided = (noun.End, noun.Word);
            // Small spelled-out tallies ("two monks") are facts but rarely the point of a story.
            var score = isWord && !hasScale && low < 10 ? 0.4 : 0.7;
            yield return CountMention(text, m.Index, noun.End, number, upper, noun.Word, qualifier, score);
        }
    }

    private static readonly char[] SentenceEnds = ['.', '!', '?', '\n'];

    private static readonly HashSet<string> Comparatives = new(StringComparer.OrdinalIgnoreCase)
    {
        "more", "less", "as", "larger", "bigger", "smaller", "higher", "lower", "greater", "faster", "slower",
        "cheaper", "longer", "shorter", "over", "the", "that", "what",
    };

    private static bool ClauseEndsAt(string text, int index) =>
        index == text.Length || (text[index] is '.' or ';' or ',' or ')' && (index + 1 == text.Length || !char.IsDigit(text[index + 1])));

    private static ValueMention CountMention(string text, int start, int end, decimal? number, decimal? upper, string unit, string qualifier, double score)
    {
        var expression = text[start..end];
        var value = new NormalizedValue(number, upper, unit, null, null, expression, null) { Qualifier = qualifier };
        return new ValueMention(start, end, ClaimKinds.Count, value, score);
    }

    /// <summary>"hundreds of millions of viewers": only the order of magnitude is asserted, so it is kept as a lower bound.</summary>
    private static IEnumerable<ValueMention> VagueMagnitudes(string text)
    {
        foreach (Match m in VagueMagnitude().SafeMatches(text))
        {
            var multiple = m.Groups["v"].Value.ToLowerInvariant() switch { "tens" => 10m, "dozens" => 12m, _ => 100m };
            var number = multiple * ScaleOf(m.Groups["scale"].Value);
            var noun = m.Groups["noun"].Success ? m.Groups["noun"].Value : null;
            var isMoney = noun is null && MoneyCue().SafeIsMatch(Context.Window(text, m.Index, m.Index + m.Length, 80));
            var value = new NormalizedValue(number, null, isMoney ? null : noun, null, null, m.Value, "order of magnitude only")
            {
                Qualifier = ValueQualifiers.AtLeast,
            };
            if (isMoney || noun is not null)
                yield return new ValueMention(m.Index, m.Index + m.Length, isMoney ? ClaimKinds.Money : ClaimKinds.Count, value, 0.5);
        }
    }

    private static string? LastBefore(List<(int Index, string Currency)> named, int position)
    {
        int low = 0, high = named.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (named[middle].Index < position) { found = middle; low = middle + 1; }
            else high = middle - 1;
        }
        return found >= 0 ? named[found].Currency : null;
    }

    private static bool IsPluralNoun(string word)
    {
        if (IrregularPlurals.Contains(word))
            return true;
        if (word.Length < 3 || Stopwords.Contains(word) || word.EndsWith("'s") || word.EndsWith("’s"))
            return false;
        var lower = word.ToLowerInvariant();
        return lower.EndsWith('s') && !lower.EndsWith("ss") && !lower.EndsWith("us") && !lower.EndsWith("is");
    }

    private static List<(string Word, int End)> FollowingWords(string text, int index, int count)
    {
        var words = new List<(string Word, int End)>();
        var position = index;
        while (words.Count < count)
        {
            var next = NextWord().SafeMatch(text, position);
            if (!next.Success)
                break;
            var word = next.Groups["w"];
            words.Add((word.Value, word.Index + word.Length));
            position = word.Index + word.Length;
        }
        return words;
    }

    private static (string? Currency, string? Note) CurrencyFromSymbol(string symbol) =>
        symbol.Replace("\\", "").Trim().ToUpperInvariant() switch
        {
            "US$" or "USD" => ("USD", null),
            "$" => ("USD", "bare $ read as US dollars"),
            "HK$" or "HKD" => ("HKD", null),
            "A$" => ("AUD", null),
            "C$" => ("CAD", null),
            "NZ$" => ("NZD", null),
            "S$" => ("SGD", null),
            "€" or "EUR" => ("EUR", null),
            "£" or "GBP" => ("GBP", null),
            "RMB" or "CNY" => ("CNY", null),
            "JPY" => ("JPY", null),
            _ => (null, "¥ is used for both yen and yuan"),
        };

    private static string? CurrencyFromWords(string words)
    {
        var lower = words.ToLowerInvariant();
        return lower switch
        {
            _ when lower.Contains("yuan") || lower.Contains("renminbi") || lower == "rmb" => "CNY",
            _ when lower.Contains("yen") => "JPY",
            _ when lower.StartsWith("euro") => "EUR",
            _ when lower.Contains("pound") => "GBP",
            _ when lower.Contains("rupee") => "INR",
            _ when lower.Contains("hong kong") => "HKD",
            _ when lower.Contains("australian") => "AUD",
            _ when lower.Contains("canadian") => "CAD",
            _ when lower.Contains("dollar") => "USD",
            _ => null,
        };
    }

    private static bool FollowsProperName(string text, int index) => Context.FollowsProperName(text, index);

    private static HashSet<string> Stopwords => Context.Stopwords;

    private static string? Join(string? a, string b) => a is null ? b : $"{a}; {b}";

    [GeneratedRegex(@"(?<![\w$])(?:(?<qual>" + Qualifier + @"))?(?<cur>" + CurrencySymbol + @")(?<num>" + Digits + @")(?:\s*(?<scale>" + Scale + @"|m|k)\b)?(?:\s+in\s+(?<base>\d{4})\s+dollars)?", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex SymbolMoney();

    [GeneratedRegex(@"(?<![\w$.,-])(?:(?<qual>" + Qualifier + @"))?(?<num>" + Digits + "|" + Words + @")(?:\s+(?<scale>" + Scale + @"))?\s+(?<cur>" + CurrencyWords + @")\b", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex WordMoney();

    [GeneratedRegex(@"\G\s*\(\s*(?:approximately|approx\.|about|around|roughly|some|nearly|almost|equivalent\s+to|or|~|≈)?\s*(?<cur>" + CurrencySymbol + @")(?<num>" + Digits + @")(?:\s*(?<scale>" + Scale + @"|m|k)\b)?\s*\)", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex StatedConversion();

    [GeneratedRegex(@"(?<![\w.,])(?:(?<qual>" + Qualifier + @")(?:a\s+)?)?(?<num>" + Digits + @")(?:\s*(?:–|—|-|to)\s*(?<num2>" + Digits + @"))?(?:\s?%|\s?per\s?cent\b|\s?percent\b|(?<points>\s+percentage\s+points?\b))", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Percentage();

    [GeneratedRegex(@"(?<![\w.,-])(?:(?<qual>" + Qualifier + @"))?(?<num>" + Digits + "|" + Words + @")(?:\s*times|\s*-?fold)\s+(?<cmp>cheaper|faster|more|less|larger|bigger|smaller|higher|lower|greater|slower|longer|shorter|as|that|this)\b", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Ratio();

    // "one in ten", "three out of every four": a share stated as a proportion.
    [GeneratedRegex(@"(?<![\w.,-])(?<part>\d{1,3}|" + Words + @")\s+(?:in|out\s+of)\s+(?:every\s+)?(?<whole>\d{1,3}(?:,\d{3})?|" + Words + @")\b(?![.,]\d|\s+(?:years?|months?|days?)\b)", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Proportion();

    [GeneratedRegex(@"(?<![\w$£€¥.,-])(?:(?<qual>" + Qualifier + @"))?(?<num>" + Digits + @")\s+(?<scale>million|billion|trillion|bn)\b(?=\s+(?:went|was|were|is|are|has|had|have|will|would|may|might|could|more|of\s+it|on|for|in)\b)", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex BareAmount();

    [GeneratedRegex(@"(?<![\w-])(?:(?<qual>" + Qualifier + @"))?(?<parts>a|an|one|two|three|four)[\s-](?<of>half|halves|thirds?|quarters?|fifths?|tenths?)\b(?:\s+(?<dir>less|more|fewer|cheaper|higher|lower|smaller|larger)\b|(?=\s+of\s+(?:them|that|this|those|the|its|their|what|all|\p{Lu})))", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Fraction();

    [GeneratedRegex(@"\b(?:for|in|within|over|after|under|take|takes|took|taken|lasted|lasting)\s+(?<span>(?:(?<qual>" + Qualifier + @"))?(?<num>\d{1,3}|" + Words + @")\s+(?:more\s+)?(?<unit>years?|months?|weeks?|days?|decades?|hours?|minutes?))\b(?!\s+(?:ago|old|later|earlier|before|after)\b)", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Duration();

    [GeneratedRegex(@"\b(?<word>twice|thrice|half)\s+(?<cmp>as)\b", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Multiple();

    [GeneratedRegex(@"(?<![\w$£€¥\\.,:/'’-])(?:(?<qual>" + Qualifier + @"))?(?<num>" + Digits + "|" + Words + @")(?:\s*(?:–|—|-|to)\s*(?<num2>" + Digits + "|" + Words + @"))?(?:\s+(?<scale>" + Scale + @"))?(?![\w%\uFE0F\u20E3]|[.,:]\d|\.\w|['’]s\b|-\w)", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex CountNumber();

    [GeneratedRegex(@"\G(?:\s+|-)(?<w>\p{L}[\p{L}\p{N}'’-]*)", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex NextWord();

    [GeneratedRegex(@"\G\s+(?:or|and)\s+(?<dir>less|fewer|smaller|below|under|more|greater|larger|above|over|up)\b", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex TrailingBound();

    [GeneratedRegex(@"(?<![\w])(?<v>tens|hundreds|dozens)(?:,?\s+or\s+(?:even\s+)?(?:tens|hundreds|thousands),?)?\s+of\s+(?<scale>thousands|millions|billions)(?:\s+of\s+(?<noun>\p{L}[\p{L}-]*))?", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex VagueMagnitude();

    [GeneratedRegex(@"\b(?:yuan|renminbi|RMB|CNY|yen|JPY)\b", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex YenOrYuan();

    [GeneratedRegex(@"\$|\bcost|\bbudget|\bpoured|\bspent|\binvest|\bfunding|\bdollars|\brevenue", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex MoneyCue();
}
