namespace FactDesk.Api.Documents.Detection;

/// <summary>The kinds of checkable value a candidate claim can carry.</summary>
public static class ClaimKinds
{
    public const string Percentage = "percentage";
    public const string Money = "money";
    /// <summary>Counted things and measured quantities (the unit says which: "IRPs", "nm").</summary>
    public const string Count = "count";
    public const string Ratio = "ratio";
    public const string Date = "date";
    public const string Ranking = "ranking";
    /// <summary>A placing of actors against each other with no number ("lagged behind", "closing in on the US").</summary>
    public const string Comparison = "comparison";
    /// <summary>How long something lasted or will take ("for more than a decade", "in under six years").</summary>
    public const string Duration = "duration";
}

/// <summary>How the stated value bounds the true one ("over 400" is a lower bound, not 400).</summary>
public static class ValueQualifiers
{
    public const string Exact = "exact";
    public const string Approximately = "approximately";
    public const string MoreThan = "more than";
    public const string AtLeast = "at least";
    public const string LessThan = "less than";
    public const string AtMost = "at most";
    public const string Range = "range";
}

/// <summary>
/// A sentence (or clause) that asserts one checkable value. Offsets are Unicode code points so that
/// browsers and other runtimes can anchor the same span; Prefix/Suffix follow the W3C TextQuoteSelector.
/// </summary>
public sealed record CandidateClaim(
    string Quote,
    string Prefix,
    string Suffix,
    int Start,
    int End,
    string Kind,
    string Expression,
    NormalizedValue Value,
    double Score)
{
    /// <summary>Code-point offset of <see cref="Expression"/> in the article text.</summary>
    public int ExpressionStart { get; init; }

    /// <summary>Code-point offset just past <see cref="Expression"/> in the article text.</summary>
    public int ExpressionEnd { get; init; }

    /// <summary>Where in the article the sentence stands: one of <see cref="ArticleSections"/>.</summary>
    public string Section { get; init; } = ArticleSections.Body;

    /// <summary>
    /// True when the sentence is not the article's own copy (a review, a bio, a caption, a related-links box): kept so
    /// that a reader can ask for it, but not offered for checking by default.
    /// </summary>
    public bool Withheld { get; init; }

    /// <summary>What the desk already holds that this value contradicts (set at ingestion); null when nothing does.</summary>
    public IReadOnlyList<ValueDisagreement>? Disagreements { get; init; }
}

/// <summary>A statement the desk holds (in another document, or a flagged claim) whose value this candidate's contradicts.</summary>
public sealed record ValueDisagreement(Guid? DocumentId, Guid? ClaimId, string Quote, string Says, string Explanation);

/// <summary>
/// Machine-comparable form of a stated value. A point value sets <see cref="Number"/> only; a range sets both
/// bounds; an upper bound alone ("less than 20%") leaves <see cref="Number"/> null. Dates are ISO 8601 at the
/// precision the article gives: yyyy-MM-dd, yyyy-MM or yyyy.
/// </summary>
public sealed record NormalizedValue(
    decimal? Number,
    decimal? UpperNumber,
    string? Unit,
    string? Currency,
    string? Date,
    string? Original,
    string? Note)
{
    /// <summary>One of <see cref="ValueQualifiers"/>.</summary>
    public string? Qualifier { get; init; }

    /// <summary>Last month of a period date such as "the fall of 2024" (then <see cref="Date"/> is its first month).</summary>
    public string? UpperDate { get; init; }

    /// <summary>A conversion the article states alongside an amount, e.g. "(approximately $138 billion)".</summary>
    public CurrencyConversion? Conversion { get; init; }
}

/// <summary>
/// A second amount the article gives for the same money. ImpliedRate is US dollars per unit of the original
/// currency as the article implies it; ReferenceRate is the rough rate from <see cref="ExchangeRates"/>.
/// Plausible is null when either currency is missing from the rate table.
/// </summary>
public sealed record CurrencyConversion(
    decimal Amount,
    string Currency,
    string Expression,
    decimal? ImpliedUsdPerUnit,
    decimal? ReferenceUsdPerUnit,
    bool? Plausible);
