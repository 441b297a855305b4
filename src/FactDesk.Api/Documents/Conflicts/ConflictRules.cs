using System.Globalization;
using FactDesk.Api.Documents.Detection;

namespace FactDesk.Api.Documents.Conflicts;

/// <summary>Two statements from different documents that state the same measure with values that cannot both be right.</summary>
public sealed record Conflict(Statement Earlier, Statement Later, string Measure, string Explanation);

/// <summary>
/// When two statements conflict. Deliberately precise rather than eager: a false alarm costs an editor's time, a
/// missed one is still caught by a person reading the copy. Pure.
/// <list type="number">
/// <item>Same measure (<see cref="SameMeasure"/>): same kind and unit, each one's subject named by the other (and every name
/// inside the value's own words), no clashing
/// identifiers ("R1" vs "V3"), and enough content words shared.</item>
/// <item>Same moment: figures about "now" only compare when published within <see cref="SnapshotWindowDays"/> days;
/// assertions with different as-of dates never compare.</item>
/// <item>Values disagree (<see cref="Disagreement"/>): numbers by more than <see cref="RelativeTolerance"/> after
/// qualifiers ("over 400" is any number above 400), dates at the coarser precision of the two, ranks by rank.</item>
/// </list>
/// </summary>
public static class ConflictRules
{
    /// <summary>Share of the smaller key's words the other must also have.</summary>
    public const double WordOverlapThreshold = 0.5;
    public const int MinSharedWords = 2;
    /// <summary>Figures within 5% of each other are the same figure rounded differently.</summary>
    public const decimal RelativeTolerance = 0.05m;
    /// <summary>Two "now" figures this far apart may both have been true at their time.</summary>
    public const int SnapshotWindowDays = 31;

    public static Conflict? Find(Statement earlier, Statement later)
    {
        if (earlier.Family == later.Family) return null;
        if (!SameMeasure(earlier.Key, later.Key)) return null;
        if (!SameMoment(earlier, later)) return null;
        var explanation = Disagreement(earlier, later);
        return explanation is null ? null : new Conflict(earlier, later, MeasureLabel(earlier, later), explanation);
    }

    /// <summary>
    /// The conflicts to propose when <paramref name="later"/> arrives, given the earlier statements about its measure
    /// (first stored first). A disagreement between two values is proposed once, however many documents repeat either
    /// value (<see cref="Repeats"/>: the same value, not merely one within tolerance, so that repeating is transitive):
    /// <list type="bullet">
    /// <item>of earlier statements that repeat each other and contradict the new one, only the first stored is
    /// proposed against it;</item>
    /// <item>nothing is proposed against an earlier statement that an earlier one repeating the new one contradicts:
    /// when the later of those two arrived, a proposal between the same two values was made (by these same rules).</item>
    /// </list>
    /// Without this, a figure repeated in many articles would raise one proposal per pair of articles.
    /// </summary>
    public static IReadOnlyList<Conflict> ToPropose(IReadOnlyList<Statement> earlier, Statement later)
    {
        var proposed = new List<Conflict>();
        List<(int Index, Statement Statement)>? repeaters = null;
        for (var i = 0; i < earlier.Count; i++)
        {
            if (Find(earlier[i], later) is not { } conflict) continue;
            if (proposed.Any(p => Repeats(p.Earlier, conflict.Earlier))) continue;
            repeaters ??= earlier.Select((s, index) => (index, s)).Where(r => Repeats(r.s, later)).ToList();
            if (repeaters.Any(r => (r.Index < i ? Find(r.Statement, earlier[i]) : Find(earlier[i], r.Statement)) is not null)) continue;
            proposed.Add(conflict);
        }
        return proposed;
    }

    /// <summary>
    /// True when two statements of different documents (or a claim) state the same measure, at the same moment, with the
    /// same value: number, bounds, qualifier, unit, currency, dates and note alike.
    /// </summary>
    public static bool Repeats(Statement a, Statement b) =>
        a.Family != b.Family && SameValue(a.Value, b.Value) && SameMeasure(a.Key, b.Key) && SameMoment(a, b);

    private static bool SameValue(NormalizedValue a, NormalizedValue b) =>
        a.Number == b.Number && a.UpperNumber == b.UpperNumber && a.Qualifier == b.Qualifier && a.Unit == b.Unit
        && a.Currency == b.Currency && a.Date == b.Date && a.UpperDate == b.UpperDate && a.Note == b.Note;

    /// <summary>True when two keys describe the same measure of the same thing.</summary>
    public static bool SameMeasure(MeasureKey a, MeasureKey b)
    {
        if (a.Kind != b.Kind || !a.IsAboutSomething || !b.IsAboutSomething) return false;
        if (!SameUnit(a, b)) return false;

        var wordsA = a.Words.ToHashSet();
        var wordsB = b.Words.ToHashSet();
        // Each must name what the other is about: "Qwen" downloads are not "Llama" downloads.
        if (!a.Subject.Any(wordsB.Contains) || !b.Subject.Any(wordsA.Contains)) return false;
        // "400 Qwen models" and "120 Tongyi models" of one company are counts of different things.
        if (!a.Decisive.All(wordsB.Contains) || !b.Decisive.All(wordsA.Contains)) return false;

        var idsA = a.Identifiers.ToHashSet();
        var idsB = b.Identifiers.ToHashSet();
        if (idsA.Count > 0 && idsB.Count > 0 && !idsA.Overlaps(idsB)) return false;

        var shared = wordsA.Intersect(wordsB).ToList();
        if (shared.Count < MinSharedWords) return false;
        // Sharing only "China" and a unit ("models") says nothing about being the same measure; a ranked thing
        // ("car exporter") is specific enough on its own.
        var unitWords = a.Kind == ClaimKinds.Ranking ? new HashSet<string>() : UnitWords(a);
        if (!shared.Any(w => !MeasureKeys.BroadNames.Contains(w) && !unitWords.Contains(w))) return false;
        var smaller = Math.Min(wordsA.Count, wordsB.Count);
        return smaller > 0 && (double)shared.Count / smaller >= WordOverlapThreshold;
    }

    /// <summary>Why the two values cannot both be right, or null when they agree (or cannot be compared).</summary>
    public static string? Disagreement(Statement a, Statement b) => a.Kind switch
    {
        ClaimKinds.Date => DatesDisagree(a.Value, b.Value),
        ClaimKinds.Ranking => RanksDisagree(a.Value, b.Value),
        ClaimKinds.Money => AmountsDisagree(a.Value, b.Value),
        ClaimKinds.Ratio => a.Value.Note == b.Value.Note ? NumbersDisagree(a.Value, b.Value, RelativeTolerance) : null,
        _ => NumbersDisagree(a.Value, b.Value, RelativeTolerance),
    };

    private static bool SameMoment(Statement a, Statement b)
    {
        if (a.Kind == ClaimKinds.Date) return true; // a date names its own moment
        if (a.AsOf is not null && b.AsOf is not null) return a.AsOf == b.AsOf;
        if ((a.IsSnapshot || b.IsSnapshot) && a.PublishedOn is { } pa && b.PublishedOn is { } pb)
            return Math.Abs(pa.DayNumber - pb.DayNumber) <= SnapshotWindowDays;
        return true;
    }

    private static bool SameUnit(MeasureKey a, MeasureKey b)
    {
        if (a.Kind is ClaimKinds.Count or ClaimKinds.Ratio)
            return a.Unit is not null && b.Unit is not null && LastWord(a.Unit) == LastWord(b.Unit);
        if (a.Kind == ClaimKinds.Ranking && a.Unit is not null && b.Unit is not null)
            return LastWord(a.Unit) == LastWord(b.Unit);
        if (a.Kind == ClaimKinds.Ranking && (a.Unit ?? b.Unit) is { } only)
            return (a.Unit is null ? a : b).Words.Contains(LastWord(only));
        return true;
    }

    private static string LastWord(string unit) => unit.Split(' ')[^1];

    private static IReadOnlySet<string> UnitWords(MeasureKey key) => key.Unit?.Split(' ').ToHashSet() ?? [];

    private static string MeasureLabel(Statement a, Statement b) =>
        a.Key.Label.Length >= b.Key.Label.Length && a.ClaimId is null ? a.Key.Label : b.Key.Label;

    /// <summary>The bounds a stated number allows, or null when it only gives an order of magnitude.</summary>
    public static (decimal? Low, decimal? High)? Bounds(NormalizedValue value)
    {
        if (value.Note?.Contains("order of magnitude", StringComparison.Ordinal) == true) return null;
        var n = value.Number;
        var upper = value.UpperNumber;
        return value.Qualifier switch
        {
            ValueQualifiers.MoreThan or ValueQualifiers.AtLeast => n is null ? null : (n, null),
            ValueQualifiers.LessThan or ValueQualifiers.AtMost => (upper ?? n) is { } top ? (null, top) : null,
            ValueQualifiers.Range => n is null || upper is null ? null : (n, upper),
            // "roughly 13 times": a writer who hedges allows a tenth either way.
            ValueQualifiers.Approximately => n is null ? null : (n * 0.9m, n * 1.1m),
            _ => n is null ? null : upper is null ? (n, n) : (n, upper),
        };
    }

    private static string? NumbersDisagree(NormalizedValue a, NormalizedValue b, decimal tolerance)
    {
        if (Bounds(a) is not { } x || Bounds(b) is not { } y) return null;
        var separated = Above(y.Low, x.High, tolerance) || Above(x.Low, y.High, tolerance);
        return separated ? $"{Show(a)} and {Show(b)} cannot both hold (tolerance {tolerance:P0})." : null;
    }

    // True when low is above high by more than the tolerance (relative to high): then the ranges cannot meet.
    private static bool Above(decimal? low, decimal? high, decimal tolerance) =>
        low is { } l && high is { } h && l > h + Math.Abs(h) * tolerance;

    private static string? AmountsDisagree(NormalizedValue a, NormalizedValue b)
    {
        if (a.Currency == b.Currency) return NumbersDisagree(a, b, RelativeTolerance);
        if (a.Currency is null || b.Currency is null) return null;
        // Different currencies: use the article's own stated conversion if it gives one, else rough reference rates,
        // with the reference rates' own slack, since rates drift over the years between articles.
        if (a.Conversion is { } ca && ca.Currency == b.Currency)
            return NumbersDisagree(a with { Number = ca.Amount, UpperNumber = null, Currency = ca.Currency }, b, RelativeTolerance);
        if (b.Conversion is { } cb && cb.Currency == a.Currency)
            return NumbersDisagree(a, b with { Number = cb.Amount, UpperNumber = null, Currency = cb.Currency }, RelativeTolerance);
        if (ExchangeRates.UsdValueOf(a.Currency) is not { } ra || ExchangeRates.UsdValueOf(b.Currency) is not { } rb) return null;
        return NumbersDisagree(InUsd(a, ra), InUsd(b, rb), ExchangeRates.PlausibleDeviation);
    }

    private static NormalizedValue InUsd(NormalizedValue v, decimal rate) =>
        v with { Number = v.Number * rate, UpperNumber = v.UpperNumber * rate, Currency = "USD" };

    private static string? RanksDisagree(NormalizedValue a, NormalizedValue b)
    {
        if (a.Number is not { } ra || b.Number is not { } rb) return null; // "one of the largest" names no rank
        var (aLow, aHigh) = (ra, a.UpperNumber ?? ra);
        var (bLow, bHigh) = (rb, b.UpperNumber ?? rb);
        return aHigh < bLow || bHigh < aLow ? $"Rank {Show(a)} and rank {Show(b)} cannot both hold." : null;
    }

    private enum Precision { Year, Month, Day }

    /// <summary>The span of time a stated date covers, as (first day, last day) and how precisely it was stated.</summary>
    public static (DateOnly First, DateOnly Last, int Precision)? Span(NormalizedValue value)
    {
        if (value.Qualifier is { } q && q != ValueQualifiers.Exact) return null;
        if (value.Date is not { } date || Parse(date) is not { } start) return null;
        var end = value.UpperDate is { } upper && Parse(upper) is { } u ? u : start;
        return (start.First, end.Last, (int)start.Precision);
    }

    private static string? DatesDisagree(NormalizedValue a, NormalizedValue b)
    {
        if (Span(a) is not { } x || Span(b) is not { } y) return null;
        // Compare at the coarser precision: "2025" and "January 2025" agree; "2024-12" and "2025-01" do not.
        var precision = (Precision)Math.Min(x.Precision, y.Precision);
        var (xFirst, xLast) = Coarsen(x.First, x.Last, precision, Vague(a));
        var (yFirst, yLast) = Coarsen(y.First, y.Last, precision, Vague(b));
        return xLast < yFirst || yLast < xFirst ? $"{Show(a)} and {Show(b)} are different {precision.ToString().ToLowerInvariant()}s." : null;
    }

    // "two years ago" resolved against a publication date may be off by one either way.
    private static bool Vague(NormalizedValue v) => v.Original?.Contains("ago", StringComparison.OrdinalIgnoreCase) == true;

    private static (long First, long Last) Coarsen(DateOnly first, DateOnly last, Precision precision, bool vague)
    {
        long Key(DateOnly d) => precision switch
        {
            Precision.Year => d.Year,
            Precision.Month => d.Year * 12L + d.Month - 1,
            _ => d.DayNumber,
        };
        var slack = vague ? 1 : 0;
        return (Key(first) - slack, Key(last) + slack);
    }

    private static (DateOnly First, DateOnly Last, Precision Precision)? Parse(string iso)
    {
        var parts = iso.Split('-');
        if (parts.Length is < 1 or > 3 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _))) return null;
        var year = int.Parse(parts[0], CultureInfo.InvariantCulture);
        if (year is < 1 or > 9999) return null;
        if (parts.Length == 1) return (new DateOnly(year, 1, 1), new DateOnly(year, 12, 31), Precision.Year);
        var month = int.Parse(parts[1], CultureInfo.InvariantCulture);
        if (month is < 1 or > 12) return null;
        if (parts.Length == 2) return (new DateOnly(year, month, 1), new DateOnly(year, month, DateTime.DaysInMonth(year, month)), Precision.Month);
        var day = int.Parse(parts[2], CultureInfo.InvariantCulture);
        if (day < 1 || day > DateTime.DaysInMonth(year, month)) return null;
        var date = new DateOnly(year, month, day);
        return (date, date, Precision.Day);
    }

    /// <summary>How a value reads to an editor: the article's own words, else the normalised form.</summary>
    public static string Show(NormalizedValue v) =>
        v.Original?.Trim() is { Length: > 0 } original ? $"\"{original}\"" + (v.Date is { } d ? $" ({d}{(v.UpperDate is { } u ? "–" + u : "")})" : "")
        : v.Date ?? v.Number?.ToString(CultureInfo.InvariantCulture) ?? v.UpperNumber?.ToString(CultureInfo.InvariantCulture) ?? "?";
}
