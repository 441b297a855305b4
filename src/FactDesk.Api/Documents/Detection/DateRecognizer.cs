using System.Globalization;
using System.Text.RegularExpressions;

namespace FactDesk.Api.Documents.Detection;

/// <summary>
/// Finds calendar and relative dates. Relative ones ("last month", "two years ago") are resolved against the
/// publication date and keep the article's words in <see cref="NormalizedValue.Original"/>.
/// </summary>
internal static partial class DateRecognizer
{
    private const string Month = "(?<month>January|February|March|April|May|June|July|August|September|October|November|December)";

    public static IEnumerable<ValueMention> Find(string text, DateOnly publishedOn)
    {
        foreach (Match m in DayMonthYear().Matches(text))
        {
            var date = new DateOnly(Year(m), MonthNumber(m), int.Parse(m.Groups["day"].Value, CultureInfo.InvariantCulture));
            yield return Mention(m, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null, 0.75);
        }

        foreach (Match m in MonthYear().Matches(text))
            yield return Mention(m, $"{Year(m):D4}-{MonthNumber(m):D2}", PartNote(m), 0.7);

        foreach (Match m in SeasonYear().Matches(text))
        {
            var (first, last) = m.Groups["season"].Value.ToLowerInvariant() switch
            {
                "spring" => (3, 5),
                "summer" => (6, 8),
                "winter" => (12, 14),
                _ => (9, 11),
            };
            var year = Year(m);
            var upper = last > 12 ? $"{year + 1:D4}-{last - 12:D2}" : $"{year:D4}-{last:D2}";
            var season = Mention(m, $"{year:D4}-{first:D2}", "northern-hemisphere season", 0.65);
            yield return season with { Value = season.Value with { UpperDate = upper } };
        }

        foreach (Match m in RelativePeriod().Matches(text))
        {
            var relation = m.Groups["rel"].Value.ToLowerInvariant();
            var offset = relation switch { "last" => -1, "next" => 1, _ => 0 };
            var resolved = m.Groups["unit"].Value.ToLowerInvariant() switch
            {
                "year" => $"{publishedOn.Year + offset:D4}",
                "month" => publishedOn.AddMonths(offset).ToString("yyyy-MM", CultureInfo.InvariantCulture),
                _ => publishedOn.AddDays(7 * offset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            };
            yield return Mention(m, resolved, Resolved(publishedOn), 0.6);
        }

        foreach (Match m in Ago().Matches(text))
        {
            var amount = (int)NewsNumbers.Parse(m.Groups["n"].Value);
            var unit = m.Groups["unit"].Value.ToLowerInvariant().TrimEnd('s');
            var resolved = unit switch
            {
                "decade" => $"{publishedOn.Year - 10 * amount:D4}",
                "year" => $"{publishedOn.Year - amount:D4}",
                "month" => publishedOn.AddMonths(-amount).ToString("yyyy-MM", CultureInfo.InvariantCulture),
                "week" => publishedOn.AddDays(-7 * amount).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                _ => publishedOn.AddDays(-amount).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            };
            yield return Mention(m, resolved, Resolved(publishedOn), 0.55);
        }

        foreach (Match m in RelativeMonth().Matches(text))
        {
            var month = MonthNumber(m);
            var year = m.Groups["rel"].Value.ToLowerInvariant() switch
            {
                // "last September" is the most recent September before the publication month.
                "last" => month < publishedOn.Month ? publishedOn.Year : publishedOn.Year - 1,
                "next" => month > publishedOn.Month ? publishedOn.Year : publishedOn.Year + 1,
                _ => publishedOn.Year,
            };
            yield return Mention(m, $"{year:D4}-{month:D2}", Resolved(publishedOn), 0.6);
        }

        foreach (Match m in BareMonth().Matches(text))
        {
            var month = MonthNumber(m);
            var name = m.Groups["month"].Value;
            // "May" and "March" are also verbs; only count them after a word that introduces a date.
            if (name is "May" or "March" && !m.Groups["lead"].Success)
                continue;
            // Without a year, a month in news copy is the latest one not after publication.
            var year = month <= publishedOn.Month ? publishedOn.Year : publishedOn.Year - 1;
            var monthGroup = m.Groups["month"];
            yield return new ValueMention(monthGroup.Index, monthGroup.Index + monthGroup.Length, ClaimKinds.Date,
                new NormalizedValue(null, null, null, null, $"{year:D4}-{month:D2}", monthGroup.Value, Resolved(publishedOn)), 0.55);
        }

        foreach (Match m in PartOfYear().Matches(text))
            yield return Mention(m, $"{Year(m):D4}", PartNote(m), 0.55);

        foreach (Match m in Year().Matches(text))
        {
            if (Context.FollowsProperName(text, m.Index))
                continue;
            var end = m.Index + m.Length;
            var isCitation = m.Index > 0 && text[m.Index - 1] == '(' && end < text.Length && text[end] == ')';
            yield return Mention(m, m.Groups["year"].Value, isCitation ? "citation year" : null, isCitation ? 0.15 : 0.5);
        }
    }

    private static ValueMention Mention(Match m, string date, string? note, double score) =>
        new(m.Index, m.Index + m.Length, ClaimKinds.Date,
            new NormalizedValue(null, null, null, null, date, m.Value, note), score);

    private static string Resolved(DateOnly publishedOn) =>
        $"resolved against publication date {publishedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

    private static string? PartNote(Match m) =>
        m.Groups["part"].Success ? $"{m.Groups["part"].Value.TrimEnd('-').ToLowerInvariant()} part of the period" : null;

    private static int Year(Match m) => int.Parse(m.Groups["year"].Value, CultureInfo.InvariantCulture);

    private static int MonthNumber(Match m) =>
        DateTime.ParseExact(m.Groups["month"].Value, "MMMM", CultureInfo.InvariantCulture).Month;

    [GeneratedRegex(@"\b(?<day>[0-3]?\d)(?:st|nd|rd|th)?\s+" + Month + @",?\s+(?<year>\d{4})\b|\b" + Month + @"\s+(?<day>[0-3]?\d)(?:st|nd|rd|th)?,\s*(?<year>\d{4})\b")]
    private static partial Regex DayMonthYear();

    [GeneratedRegex(@"\b(?:(?<part>(?i:early|late|mid-?))\s*)?" + Month + @",?\s+(?:of\s+)?(?<year>(?:1[89]|20)\d\d)\b")]
    private static partial Regex MonthYear();

    [GeneratedRegex(@"\b(?:(?i:the)\s+)?(?<season>(?i:fall|autumn|spring|summer|winter))\s+(?:of\s+)?(?<year>(?:1[89]|20)\d\d)\b")]
    private static partial Regex SeasonYear();

    [GeneratedRegex(@"\b(?<rel>(?i:last|this|next))\s+(?<unit>(?i:month|year|week))(?:['’]s)?\b")]
    private static partial Regex RelativePeriod();

    [GeneratedRegex(@"\b(?<n>\d{1,3}|" + NewsNumbers.Words + @")\s+(?<unit>(?i:years?|months?|weeks?|days?|decades?))\s+(?i:ago)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Ago();

    [GeneratedRegex(@"\b(?<rel>(?i:last|this|next))\s+" + Month + @"(?:['’]s)?\b")]
    private static partial Regex RelativeMonth();

    [GeneratedRegex(@"(?:(?<lead>\b(?i:in|on|by|since|until|from|during|early|late|mid|a|the|this|that|each|every|of|last|next|came|before|after)\s+)|\b)" + Month + @"\b(?!\s+\d)")]
    private static partial Regex BareMonth();

    [GeneratedRegex(@"\b(?<part>(?i:early|late|mid-?))\s*(?<year>(?:1[89]|20)\d\d)\b(?!['’]?s\b)")]
    private static partial Regex PartOfYear();

    [GeneratedRegex(@"(?<![\w$£€¥.,\\/'’-])(?<year>(?:1[89]|20)\d\d)(?:['’]s\b)?(?![\w%\uFE0F\u20E3]|[.,]\d|\s+dollars)")]
    private static partial Regex Year();
}
