using FactDesk.Api.Documents.Detection;
using Shouldly;

namespace FactDesk.Domain.Tests.Detection;

public sealed class ClaimDetectorTests
{
    private static readonly DateOnly February2025 = new(2025, 2, 18);

    private static CandidateClaim Single(string text, string kind, DateOnly? publishedOn = null) =>
        ClaimDetector.Detect(text, publishedOn ?? February2025).Where(c => c.Kind == kind).ShouldHaveSingleItem();

    [Fact]
    public void Percentage_of_a_share()
    {
        var claim = Single("Currently, China is home to 36% of all large language models in existence.", ClaimKinds.Percentage);
        claim.Expression.ShouldBe("36%");
        claim.Value.Number.ShouldBe(36m);
        claim.Value.Unit.ShouldBe("%");
    }

    [Fact]
    public void Percentage_with_an_upper_bound()
    {
        var claim = Single("Justin Lin estimated less than a 20% chance of a Chinese firm overtaking US leaders.", ClaimKinds.Percentage);
        claim.Expression.ShouldBe("less than a 20%");
        claim.Value.Number.ShouldBeNull();
        claim.Value.UpperNumber.ShouldBe(20m);
        claim.Value.Qualifier.ShouldBe(ValueQualifiers.LessThan);
    }

    [Fact]
    public void Money_in_us_dollars_with_a_scale_word()
    {
        var claim = Single("It was announced with a planned US$47 billion investment in its semiconductor ecosystem.", ClaimKinds.Money);
        claim.Expression.ShouldBe("US$47 billion");
        claim.Value.Number.ShouldBe(47_000_000_000m);
        claim.Value.Currency.ShouldBe("USD");
    }

    [Fact]
    public void Money_written_with_a_markdown_escaped_dollar()
    {
        var claim = Single(@"the roll-out of a major investment (equivalent to US\$800 billion) for a national smart grid.", ClaimKinds.Money);
        claim.Expression.ShouldBe(@"US\$800 billion");
        claim.Value.Number.ShouldBe(800_000_000_000m);
        claim.Value.Currency.ShouldBe("USD");
    }

    [Fact]
    public void Money_with_a_stated_conversion_keeps_both_amounts_and_judges_the_rate()
    {
        var claim = Single("a fund intended to mobilize 1 trillion Chinese yuan (approximately $138 billion) towards AI.", ClaimKinds.Money);
        claim.Value.Number.ShouldBe(1_000_000_000_000m);
        claim.Value.Currency.ShouldBe("CNY");
        var conversion = claim.Value.Conversion.ShouldNotBeNull();
        conversion.Amount.ShouldBe(138_000_000_000m);
        conversion.Currency.ShouldBe("USD");
        conversion.ImpliedUsdPerUnit.ShouldBe(0.138m);
        conversion.Plausible.ShouldBe(true);
    }

    [Fact]
    public void Money_with_an_implausible_conversion_is_flagged()
    {
        var claim = Single("The plan costs 1 trillion Chinese yuan (about $1 trillion) over ten years.", ClaimKinds.Money);
        claim.Value.Conversion.ShouldNotBeNull().Plausible.ShouldBe(false);
    }

    [Fact]
    public void Money_in_constant_dollars_is_not_also_a_date()
    {
        var claims = ClaimDetector.Detect("They forgot the $1 trillion in 2018 dollars invested in going to the moon.", February2025);
        var money = claims.ShouldHaveSingleItem();
        money.Kind.ShouldBe(ClaimKinds.Money);
        money.Value.Number.ShouldBe(1_000_000_000_000m);
        money.Value.Note.ShouldNotBeNull().ShouldContain("2018");
    }

    [Fact]
    public void Ratio_of_prices()
    {
        var claim = Single("Accessing Deepseek through an API is roughly 13 times cheaper than similar models.", ClaimKinds.Ratio);
        claim.Expression.ShouldBe("roughly 13 times cheaper");
        claim.Value.Number.ShouldBe(13m);
        claim.Value.Note.ShouldBe("cheaper");
    }

    [Fact]
    public void Count_with_a_lower_bound()
    {
        var claim = Single("Alibaba alone has released over 400 open Qwen models.", ClaimKinds.Count);
        claim.Value.Number.ShouldBe(400m);
        claim.Value.UpperNumber.ShouldBeNull();
        claim.Value.Qualifier.ShouldBe(ValueQualifiers.MoreThan);
        claim.Value.Unit.ShouldBe("models");
    }

    [Fact]
    public void Count_with_a_spelled_out_scale()
    {
        var claim = Single("The models have amassed over one billion downloads.", ClaimKinds.Count);
        claim.Value.Number.ShouldBe(1_000_000_000m);
        claim.Value.Unit.ShouldBe("downloads");
    }

    [Fact]
    public void Measured_range()
    {
        var claim = Single("It recruited for research on even smaller nodes, of 3–4 nanometres.", ClaimKinds.Count);
        claim.Expression.ShouldBe("3–4 nanometres");
        claim.Value.Number.ShouldBe(3m);
        claim.Value.UpperNumber.ShouldBe(4m);
        claim.Value.Unit.ShouldBe("nm");
        claim.Value.Qualifier.ShouldBe(ValueQualifiers.Range);
    }

    [Fact]
    public void Measured_upper_bound()
    {
        var claim = Single("The restrictions targeted chips with nodes of 14 nanometres or less.", ClaimKinds.Count);
        claim.Expression.ShouldBe("14 nanometres or less");
        claim.Value.Number.ShouldBeNull();
        claim.Value.UpperNumber.ShouldBe(14m);
        claim.Value.Qualifier.ShouldBe(ValueQualifiers.AtMost);
    }

    [Theory]
    [InlineData("On 7 October 2022, the administration released export controls.", "7 October 2022", "2022-10-07")]
    [InlineData("The company said on March 3, 2021, that it would list.", "March 3, 2021", "2021-03-03")]
    [InlineData("Qwen overtook Llama on Hugging Face in September 2024.", "September 2024", "2024-09")]
    [InlineData("In 2019, the US added Huawei to its entity list.", "2019", "2019")]
    public void Calendar_dates(string text, string expression, string iso)
    {
        var claim = Single(text, ClaimKinds.Date);
        claim.Expression.ShouldBe(expression);
        claim.Value.Date.ShouldBe(iso);
    }

    [Theory]
    [InlineData("And last month's release of Deepseek-R1 sent shockwaves.", "2025-02-18", "last month's", "2025-01")]
    [InlineData("The fund was announced last year.", "2025-02-18", "last year", "2024")]
    [InlineData("At a press conference last September, he spoke.", "2025-02-18", "last September", "2024-09")]
    [InlineData("At a press conference last September, he spoke.", "2025-11-02", "last September", "2025-09")]
    [InlineData("Its robots danced at this year's Spring Festival Gala.", "2025-03-20", "this year's", "2025")]
    [InlineData("As recently as two years ago, ambitions seemed hampered.", "2025-03-20", "two years ago", "2023")]
    [InlineData("Things changed three months ago for the sector.", "2025-03-20", "three months ago", "2024-12")]
    [InlineData("Then came January. Nobody expected it.", "2025-03-20", "January", "2025-01")]
    [InlineData("They meet again in November, officials said.", "2025-03-20", "November", "2024-11")]
    public void Relative_dates_are_resolved_against_the_publication_date(string text, string published, string expression, string iso)
    {
        var claim = Single(text, ClaimKinds.Date, DateOnly.Parse(published));
        claim.Expression.ShouldBe(expression);
        claim.Value.Date.ShouldBe(iso);
        claim.Value.Original.ShouldBe(expression);
    }

    [Fact]
    public void Season_of_a_year_spans_three_months()
    {
        var claim = Single("A subtle shift began in the fall of 2024, he notes.", ClaimKinds.Date);
        claim.Expression.ShouldBe("the fall of 2024");
        claim.Value.Date.ShouldBe("2024-09");
        claim.Value.UpperDate.ShouldBe("2024-11");
    }

    [Fact]
    public void Second_only_to_is_rank_two()
    {
        var claim = Single("China is home to 36% of all models, second only to the United States, according to a white paper.", ClaimKinds.Ranking);
        claim.Expression.ShouldBe("second only to the United States");
        claim.Value.Number.ShouldBe(2m);
        claim.Value.Note.ShouldBe("behind the United States");
    }

    [Fact]
    public void Superlative_with_a_possessive_is_rank_one()
    {
        var claim = Single("China has become the world's largest car exporter.", ClaimKinds.Ranking);
        claim.Value.Number.ShouldBe(1m);
        claim.Value.Unit.ShouldBe("car exporter");
    }

    [Theory]
    [InlineData("Policies such as Made in China 2025 aim higher.")]
    [InlineData("Huawei launched the Mate 60 smartphone.")]
    [InlineData("It signed a deal with the startup 01.AI last week?")]
    [InlineData("Leaders met at the March 'Two Sessions' gathering and the Five Innovations book.")]
    [InlineData("He studied it for nearly four months and for more than a decade.")]
    [InlineData("1️⃣2️⃣3️⃣ HAND CURATED FOR YOU")]
    [InlineData("What are the biggest challenges facing the industry?")]
    public void Names_durations_questions_and_emoji_are_not_numeric_claims(string text)
    {
        // Durations are claims of their own kind, not counts of years.
        ClaimDetector.Detect(text, February2025)
            .Where(c => c.Kind is not (ClaimKinds.Date or ClaimKinds.Duration))
            .ShouldBeEmpty();
    }

    [Fact]
    public void Year_in_a_product_or_policy_name_is_not_a_date()
    {
        ClaimDetector.Detect("Policies such as Made in China 2025 aim higher.", February2025).ShouldBeEmpty();
    }

    [Fact]
    public void Values_in_image_markup_are_page_furniture()
    {
        var text = "Intro text.\n<image>data:image/png;base64,AAAA\" alt=\"A trade show in 2024 with 300 booths.\"</image>\nThere are now 30 IRPs.";
        var claim = ClaimDetector.Detect(text, February2025).ShouldHaveSingleItem();
        claim.Expression.ShouldBe("30 IRPs");
    }

    [Fact]
    public void Offsets_are_code_points_and_context_follows_text_quote_selector()
    {
        // Each emoji is one code point but two UTF-16 units, so UTF-16 offsets would drift by two.
        var text = "🔹🔹 Intro. Alibaba released over 400 open Qwen models. Then more.";
        var claim = ClaimDetector.Detect(text, February2025).ShouldHaveSingleItem();
        var codePoints = text.EnumerateRunes().Select(r => r.ToString()).ToArray();

        string.Concat(codePoints[claim.Start..claim.End]).ShouldBe(claim.Quote);
        string.Concat(codePoints[claim.ExpressionStart..claim.ExpressionEnd]).ShouldBe(claim.Expression);
        claim.Quote.ShouldBe("Alibaba released over 400 open Qwen models.");
        claim.Start.ShouldBe(10);
        claim.Prefix.ShouldBe("🔹🔹 Intro. ");
        claim.Suffix.ShouldBe(" Then more.");
        QuoteMatching.FindQuote(text, claim.Quote).ShouldBe((claim.Start, claim.End));
    }

    [Fact]
    public void Several_values_in_one_sentence_give_one_candidate_each_with_the_same_quote()
    {
        var claims = ClaimDetector.Detect("On 7 October 2022, the rules hit 30 firms and cost US$2 billion.", February2025);
        claims.Select(c => c.Kind).ShouldBe([ClaimKinds.Date, ClaimKinds.Count, ClaimKinds.Money]);
        claims.Select(c => c.Quote).Distinct().ShouldHaveSingleItem();
    }

    [Fact]
    public void Attributed_money_scores_higher_than_a_citation_year()
    {
        var claims = ClaimDetector.Detect("The fund holds $6 million, according to filings. Robin Derricourt, Cambridge Univ. Press (2024)", February2025, includeAll: true);
        var money = claims.Single(c => c.Kind == ClaimKinds.Money);
        var citation = claims.Single(c => c.Kind == ClaimKinds.Date);
        money.Score.ShouldBeGreaterThan(0.9);
        citation.Score.ShouldBeLessThan(0.3);
        // Below the check-worthy score, so it is not offered unless all candidates are asked for.
        citation.Withheld.ShouldBeTrue();
        ClaimDetector.Detect("Robin Derricourt, Cambridge Univ. Press (2024)", February2025).ShouldBeEmpty();
        claims.ShouldAllBe(c => c.Score >= 0 && c.Score <= 1);
    }

    [Fact]
    public void Empty_text_has_no_claims()
    {
        ClaimDetector.Detect("", February2025).ShouldBeEmpty();
        ClaimDetector.Detect("   \n ", February2025).ShouldBeEmpty();
    }
}
