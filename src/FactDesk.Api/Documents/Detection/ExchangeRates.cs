namespace FactDesk.Api.Documents.Detection;

/// <summary>
/// Rough US-dollar values of major currencies (mid-2020s averages, rounded). Only good enough to flag a stated
/// conversion that is off by more than <see cref="PlausibleDeviation"/>; never use it to compute a figure.
/// </summary>
public static class ExchangeRates
{
    /// <summary>Stated conversions within ±25% of the reference rate count as plausible; rates drift that much over a few years.</summary>
    public const decimal PlausibleDeviation = 0.25m;

    private static readonly Dictionary<string, decimal> UsdPerUnit = new(StringComparer.Ordinal)
    {
        ["USD"] = 1m,
        ["CNY"] = 0.14m,
        ["EUR"] = 1.08m,
        ["GBP"] = 1.27m,
        ["JPY"] = 0.0068m,
        ["HKD"] = 0.128m,
        ["INR"] = 0.012m,
        ["KRW"] = 0.00073m,
        ["AUD"] = 0.66m,
        ["CAD"] = 0.73m,
        ["CHF"] = 1.13m,
        ["SGD"] = 0.75m,
        ["NZD"] = 0.60m,
    };

    public static decimal? UsdValueOf(string currency) =>
        UsdPerUnit.TryGetValue(currency, out var rate) ? rate : null;

    /// <summary>Checks "amount in <paramref name="fromCurrency"/> ≈ converted in <paramref name="toCurrency"/>".</summary>
    public static CurrencyConversion Check(decimal amount, string? fromCurrency, decimal converted, string toCurrency, string expression)
    {
        var fromUsd = fromCurrency is null ? null : UsdValueOf(fromCurrency);
        var toUsd = UsdValueOf(toCurrency);
        if (amount == 0 || fromUsd is null || toUsd is null)
            return new CurrencyConversion(converted, toCurrency, expression, null, fromUsd, null);

        // Amounts come from client text: a rate implied by absurd figures may not fit in decimal, and is then left unjudged.
        if (!NewsNumbers.TryMultiply(converted, toUsd.Value, out var convertedUsd) ||
            !NewsNumbers.TryDivide(convertedUsd, amount, out var implied) ||
            !NewsNumbers.TryDivide(Math.Abs(implied - fromUsd.Value), fromUsd.Value, out var deviation))
            return new CurrencyConversion(converted, toCurrency, expression, null, fromUsd, null);
        return new CurrencyConversion(
            converted, toCurrency, expression,
            Math.Round(implied, 6), fromUsd, deviation <= PlausibleDeviation);
    }
}
