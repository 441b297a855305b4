using System.Diagnostics;
using FactDesk.Api.Documents.Detection;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Domain.Tests.Detection;

/// <summary>
/// Article text is client input: whatever it says, detection must return (skipping what it cannot represent) rather
/// than throw, and must not spend long on text built to make its patterns backtrack.
/// </summary>
public sealed class HostileTextTests(ITestOutputHelper output)
{
    private static readonly DateOnly February2025 = new(2025, 2, 18);

    private static IReadOnlyList<CandidateClaim> Detect(string text, DateOnly? publishedOn = null) =>
        ClaimDetector.Detect(text, publishedOn ?? February2025);

    [Theory]
    [InlineData("The deal closed on February 30, 2024, after months of talks.")]
    [InlineData("The deal closed on 31 June 2024, after months of talks.")]
    [InlineData("The deal closed on 0 March 2024, after months of talks.")]
    [InlineData("The deal closed on 12 March 0000, after months of talks.")]
    public void A_day_that_does_not_exist_is_not_a_date_claim(string text)
    {
        Detect(text).ShouldNotContain(c => c.Kind == ClaimKinds.Date && c.Expression.Contains(" 2024") && c.Value.Date!.Length == 10);
        Detect(text).ShouldNotContain(c => c.Value.Date == "0000-03-12");
    }

    [Fact]
    public void A_real_day_next_to_an_impossible_one_is_still_found()
    {
        var dates = Detect("It was not signed on February 30, 2024 but on February 29, 2024.").Where(c => c.Kind == ClaimKinds.Date).ToList();
        dates.ShouldContain(c => c.Value.Date == "2024-02-29");
        dates.ShouldNotContain(c => c.Expression.Contains("30"));
    }

    [Theory]
    [InlineData("The fund is worth $100000000000000000000000000000 according to its sponsor.")]
    [InlineData("The fund is worth $99999999999999999999 trillion according to its sponsor.")]
    [InlineData("The fund is worth 99999999999999999999 trillion yuan according to its sponsor.")]
    [InlineData("Turnout was 1000000000000000000000000000000000000000000000000000000000000% in the district.")]
    [InlineData("Turnout was 5–1000000000000000000000000000000000000000000000000000000000000% in the district.")]
    [InlineData("The region has 99999999999999999999 trillion people and 10-99999999999999999999 trillion sheep.")]
    [InlineData("Chips became 100000000000000000000000000000000 times faster over the decade.")]
    public void A_number_too_large_to_represent_is_skipped(string text)
    {
        var claims = Detect(text);
        claims.ShouldNotContain(c => c.Expression.Contains("99999999999999999999") || c.Expression.Contains("10000000000000000000"));
    }

    [Fact]
    public void A_representable_amount_beside_an_unrepresentable_one_is_still_found()
    {
        var money = Detect("It raised $100000000000000000000000000000 in pledges and $5 million in cash.").Where(c => c.Kind == ClaimKinds.Money).ShouldHaveSingleItem();
        money.Value.Number.ShouldBe(5_000_000m);
    }

    [Theory]
    [InlineData("It raised £0.0000000001 (US$70000000000000000000000000) in pledges.")]
    [InlineData("It raised 0.0000000001 yuan ($70000000000000000000000000) in pledges.")]
    public void A_stated_conversion_too_extreme_to_judge_is_kept_unjudged(string text)
    {
        var money = Detect(text).Where(c => c.Kind == ClaimKinds.Money).ShouldHaveSingleItem();
        money.Value.Conversion.ShouldNotBeNull().Plausible.ShouldBeNull();
    }

    [Theory]
    [InlineData("0001-01-01", "Prices rose last month and two years ago, as last September and in October.")]
    [InlineData("0001-01-01", "Prices rose three decades ago and ten weeks ago and 999 days ago.")]
    [InlineData("9999-12-31", "Prices will rise next week, next month, next year and next January.")]
    public void Relative_dates_that_fall_off_the_calendar_are_skipped(string publishedOn, string text)
    {
        var claims = Detect(text, DateOnly.Parse(publishedOn, System.Globalization.CultureInfo.InvariantCulture));
        claims.Where(c => c.Kind == ClaimKinds.Date).ShouldAllBe(c => !c.Value.Date!.StartsWith('-') && !c.Value.Date.StartsWith("0000") && !c.Value.Date.StartsWith("10000"));
    }

    [Fact]
    public void Relative_dates_inside_the_calendar_still_resolve_at_its_edge()
    {
        var claims = Detect("Prices rose last week and will rise next month.", new DateOnly(1, 1, 20));
        claims.ShouldContain(c => c.Value.Date == "0001-01-13");
        claims.ShouldContain(c => c.Value.Date == "0001-02");
    }

    public static TheoryData<string, string> LongRuns => new()
    {
        { "a run of word characters", new string('a', 1_000_000) },
        { "a run of address characters", string.Concat(Enumerable.Repeat("a.b+c-", 1_000_000 / 6)) },
        { "a run of initials", string.Concat(Enumerable.Repeat("A.", 500_000)) },
        { "a run of digits", new string('7', 1_000_000) },
        { "unclosed figures", string.Concat(Enumerable.Repeat("<figure>", 125_000)) },
        { "unclosed image tags", string.Concat(Enumerable.Repeat("<img ", 200_000)) },
        { "unclosed image links", string.Concat(Enumerable.Repeat("![x](", 200_000)) },
        { "at signs", string.Concat(Enumerable.Repeat("a@", 500_000)) },
        // Layout: every line a running head, a folio or a section heading; and comparatives without end.
        { "repeated short lines", string.Concat(Enumerable.Repeat("Business\n", 110_000)) },
        { "folios", string.Concat(Enumerable.Repeat("Ledger | 9\n", 90_000)) },
        { "section headings", string.Concat(Enumerable.Repeat("Books & arts\n\nAbout the author: 12%\n\n", 25_000)) },
        { "blank lines between words", string.Concat(Enumerable.Repeat("x\n\n\n\n\n", 200_000)) },
        { "comparisons", string.Concat(Enumerable.Repeat("Europe lagged behind far more than any other ", 22_000)) },
        { "a run of lower-case letters before than", new string('b', 1_000_000) + "er than any other" },
    };

    [Theory]
    [MemberData(nameof(LongRuns))]
    public void Detection_over_a_million_characters_built_to_backtrack_returns(string shape, string text)
    {
        var clock = Stopwatch.StartNew();
        var claims = Detect(text);
        // Printed rather than asserted: machines differ, and the timeout, not this test, is what bounds the time.
        output.WriteLine($"{shape}: {text.Length:N0} characters, {claims.Count} candidates in {clock.ElapsedMilliseconds} ms");
        claims.ShouldNotBeNull();
    }

    [Fact]
    public void An_address_after_a_long_word_is_still_furniture()
    {
        // Were the address not furniture, "2025" in it would be read as a year.
        var text = new string('a', 80_000) + ". Write to desk+2025@example.org about the 36% figure.";
        Detect(text).ShouldHaveSingleItem().Expression.ShouldBe("36%");
    }
}

public class BoundedDetectionTests
{
    [Fact]
    public void A_list_of_thousands_of_figures_in_one_sentence_yields_no_candidates_and_returns()
    {
        var list = string.Concat(Enumerable.Repeat("5 apples, ", 16_000)) + "and 7 pears.";
        var candidates = ClaimDetector.Detect("The market grew 36% last year. " + list, new DateOnly(2025, 2, 1));
        candidates.ShouldContain(c => c.Expression == "36%");
        candidates.ShouldNotContain(c => c.Expression.Contains("apples"));
    }

    [Fact]
    public void No_document_yields_more_than_the_candidate_cap()
    {
        var sentences = string.Concat(Enumerable.Range(0, 3_000).Select(i => $"Exports rose {i % 90 + 1}% in {2000 + i % 25}. "));
        ClaimDetector.Detect(sentences, new DateOnly(2025, 2, 1)).Count.ShouldBeLessThanOrEqualTo(ClaimDetector.MaxCandidates);
    }
}
