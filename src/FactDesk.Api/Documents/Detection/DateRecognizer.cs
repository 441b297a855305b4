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
        foreach (Match m in DayMonthYear().SafeMatches(text))
        {
            // The pattern admits "February 30, 2024", "31 June 2024", "0 March 2024" and year 0000; no such day exists.
            if (!TryDate(Year(m), MonthNumber(m), int.Parse(m.Groups["day"].Value, CultureInfo.InvariantCulture), out var date))
                continue;
            yield return Mention(m, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null, 0.75);
        }

        foreach (Match m in DayMonth().SafeMatches(text))
        {
            // Without a year, a day in news copy is the latest one not after publication ("in the week to 21 March").
            var month = MonthNumber(m);
            var day = int.Parse(m.Groups["day"].Value, CultureInfo.InvariantCulture);
            var year = (month, day).CompareTo((publishedOn.Month, publishedOn.Day)) <= 0 ? publishedOn.Year : publishedOn.Year - 1;
            if (!TryDate(year, month, day, out var date))
                continue;
            yield return Mention(m, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Resolved(publishedOn), 0.65);
        }

        foreach (Match m in MonthYear().SafeMatches(text))
            yield return Mention(m, $"{Year(m):D4}-{MonthNumber(m):D2}", PartNote(m), 0.7);

        foreach (Match m in SeasonYear().SafeMatches(text))
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

        foreach (Match m in RelativePeriod().SafeMatches(text))
        {
            var relation = m.Groups["rel"].Value.ToLowerInvariant();
            var offset = relation switch { "last" => -1, "next" => 1, _ => 0 };
            var resolved = m.Groups["unit"].Value.ToLowerInvariant() switch
            {
                "year" => YearOf(publishedOn.Year + offset),
                "month" => MonthsFrom(publishedOn, offset),
                _ => DaysFrom(publishedOn, 7 * offset),
            };
            // Beyond the calendar (next week from 9999-12-31): there is no date to resolve to.
            if (resolved is null)
                continue;
            yield return Mention(m, resolved, Resolved(publishedOn), 0.6);
        }

        foreach (Match m in EndOfYear().SafeMatches(text))
        {
            // "by the end of the year": the year of publication, or the next one when the article says so.
            var year = m.Groups["next"].Success ? publishedOn.Year + 1 : publishedOn.Year;
            if (YearOf(year) is { } resolved)
                yield return Mention(m, resolved, Resolved(publishedOn), 0.55);
        }

        foreach (Match m in Ago().SafeMatches(text))
        {
            // The pattern allows at most three digits or a number word, so the amount always parses and fits an int.
            if (!NewsNumbers.TryParse(m.Groups["n"].Value, out var written))
                continue;
            var amount = (int)written;
            var unit = m.Groups["unit"].Value.ToLowerInvariant().TrimEnd('s');
            var resolved = unit switch
            {
                "decade" => YearOf(publishedOn.Year - 10 * amount),
                "year" => YearOf(publishedOn.Year - amount),
                "month" => MonthsFrom(publishedOn, -amount),
                "week" => DaysFrom(publishedOn, -7 * amount),
                _ => DaysFrom(publishedOn, -amount),
            };
            if (resolved is null)
                continue;
            yield return Mention(m, resolved, Resolved(publishedOn), 0.55);
        }

        foreach (Match m in RelativeMonth().SafeMatches(text))
        {
            var month = MonthNumber(m);
            var year = m.Groups["rel"].Value.ToLowerInvariant() switch
            {
                // "last September" is the most recent September before the publication month.
                "last" => month < publishedOn.Month ? publishedOn.Year : publishedOn.Year - 1,
                "next" => month > publishedOn.Month ? publishedOn.Year : publishedOn.Year + 1,
                _ => publishedOn.Year,
            };
            if (YearOf(year) is null)
                continue;
            yield return Mention(m, $"{year:D4}-{month:D2}", Resolved(publishedOn), 0.6);
        }

        foreach (Match m in BareMonth().SafeMatches(text))
        {
            var month = MonthNumber(m);
            var name = m.Groups["month"].Value;
            // "May" and "March" are also verbs; only count them after a word that introduces a date.
            if (name is "May" or "March" && !m.Groups["lead"].Success)
                continue;
            // Without a year, a month in news copy is the latest one not after publication.
            var year = month <= publishedOn.Month ? publishedOn.Year : publishedOn.Year - 1;
            if (YearOf(year) is null)
                continue;
            var monthGroup = m.Groups["month"];
            yield return new ValueMention(monthGroup.Index, monthGroup.Index + monthGroup.Length, ClaimKinds.Date,
                new NormalizedValue(null, null, null, null, $"{year:D4}-{month:D2}", monthGroup.Value, Resolved(publishedOn)), 0.55);
        }

        foreach (Match m in PartOfYear().SafeMatches(text))
            yield return Mention(m, $"{Year(m):D4}", PartNote(m), 0.55);

        foreach (Match m in Year().SafeMatches(text))
        {
            if (Context.FollowsProperName(text, m.Index))
                continue;
            var end = m.Index + m.Length;
            var isCitation = m.Index > 0 && text[m.Index - 1] == '(' && end < text.Length && text[end] == ')';
            yield return Mention(m, m.Groups["year"].Value, isCitation ? "citation year" : null, isCitation ? 0.15 : 0.5);
        }
    }

    /// <summary>A calendar day, or false when the article names one that does not exist.</summary>
    private static bool TryDate(int year, int month, int day, out DateOnly date)
    {
        var exists = year is >= 1 and <= 9999 && day >= 1 && day <= DateTime.DaysInMonth(year, month);
        date = exists ? new DateOnly(year, month, day) : default;
        return exists;
    }

    // Relative dates are resolved with checked bounds rather than AddMonths/AddDays, which throw at the calendar's ends.
    private static string? YearOf(int year) => year is >= 1 and <= 9999 ? $"{year:D4}" : null;

    private static string? MonthsFrom(DateOnly date, int months)
    {
        var index = date.Year * 12 + date.Month - 1 + months;
        return YearOf(index / 12) is { } year ? $"{year}-{index % 12 + 1:D2}" : null;
    }

    private static string? DaysFrom(DateOnly date, int days)
    {
        var dayNumber = (long)date.DayNumber + days;
        return dayNumber >= DateOnly.MinValue.DayNumber && dayNumber <= DateOnly.MaxValue.DayNumber
            ? DateOnly.FromDayNumber((int)dayNumber).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : null;
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

    [GeneratedRegex(@"\b(?<day>[0-3]?\d)(?:st|nd|rd|th)?\s+" + Month + @",?\s+(?<year>\d{4})\b|\b" + Month + @"\s+(?<day>[0-3]?\d)(?:st|nd|rd|th)?,\s*(?<year>\d{4})\b", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex DayMonthYear();

    [GeneratedRegex(@"\b(?<day>[0-3]?\d)(?:st|nd|rd|th)?\s+" + Month + @"\b(?!,?\s+\d)|\b" + Month + @"\s+(?<day>[0-3]?\d)(?:st|nd|rd|th)\b(?!,?\s*\d)", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex DayMonth();

    [GeneratedRegex(@"\b(?:(?<part>(?i:early|late|mid-?))\s*)?" + Month + @",?\s+(?:of\s+)?(?<year>(?:1[89]|20)\d\d)\b", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex MonthYear();

    [GeneratedRegex(@"\b(?:(?i:the)\s+)?(?<season>(?i:fall|autumn|spring|summer|winter))\s+(?:of\s+)?(?<year>(?:1[89]|20)\d\d)\b", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex SeasonYear();

    [GeneratedRegex(@"\b(?<rel>(?i:last|this|next))\s+(?<unit>(?i:month|year|week))(?:['’]s)?\b", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex RelativePeriod();

    [GeneratedRegex(@"\b(?i:the\s+end\s+of\s+(?:the\s+|this\s+|(?<next>next)\s+)year)\b", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex EndOfYear();

    [GeneratedRegex(@"\b(?<n>\d{1,3}|" + NewsNumbers.Words + @")\s+(?<unit>(?i:years?|months?|weeks?|days?|decades?))\s+(?i:ago)\b", RegexOptions.IgnoreCase, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Ago();

    [GeneratedRegex(@"\b(?<rel>(?i:last|this|next))\s+" + Month + @"(?:['’]s)?\b", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex RelativeMonth();

    [GeneratedRegex(@"(?:(?<lead>\b(?i:in|on|by|since|until|from|during|early|late|mid|a|the|this|that|each|every|of|last|next|came|before|after)\s+)|\b)" + Month + @"\b(?!\s+\d)", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex BareMonth();

    [GeneratedRegex(@"\b(?<part>(?i:early|late|mid-?))\s*(?<year>(?:1[89]|20)\d\d)\b(?!['’]?s\b)", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex PartOfYear();

    [GeneratedRegex(@"(?<![\w$£€¥.,\\/'’-])(?<year>(?:1[89]|20)\d\d)(?:['’]s\b)?(?![\w%\uFE0F\u20E3]|[.,]\d|\s+dollars)", RegexOptions.None, TimedMatching.TimeoutMilliseconds)]
    private static partial Regex Year();
}
