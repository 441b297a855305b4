using FactDesk.Api.Documents.Detection;
using Shouldly;

namespace FactDesk.Domain.Tests.Detection;

/// <summary>Sections that are not the body, print furniture, set-up sentences and claims without numbers.</summary>
public sealed class ArticleStructureTests
{
    private static readonly DateOnly April2025 = new(2025, 4, 14);

    [Fact]
    public void A_review_section_is_withheld_unless_all_candidates_are_asked_for()
    {
        const string text = "Exports rose 12% in 2024.\n\nBooks & arts\n\nThe Tide Makers. By A. Writer. Harbour Press; 312 pages; £25.\n\nThe author spent two years at sea.";

        var offered = ClaimDetector.Detect(text, April2025);
        offered.ShouldAllBe(c => c.Section == ArticleSections.Body);
        offered.ShouldContain(c => c.Expression == "12%");

        var all = ClaimDetector.Detect(text, April2025, includeAll: true);
        var price = all.Single(c => c.Expression == "£25");
        price.Section.ShouldBe(ArticleSections.Review);
        price.Withheld.ShouldBeTrue();
        price.Score.ShouldBeLessThan(offered.Single(c => c.Expression == "12%").Score);
    }

    [Theory]
    [InlineData("## About the author\n\nJo Bloggs has covered shipping since 2019.", ArticleSections.AuthorBio)]
    [InlineData("About the author: Jo Bloggs has covered shipping since 2019.", ArticleSections.AuthorBio)]
    [InlineData("## Related\n\n- Port doubles its night shifts (March 2025)", ArticleSections.Related)]
    [InlineData("Further reading\n\nBloggs, J. (2021). The Battery Century. Harwick Press.", ArticleSections.Bibliography)]
    [InlineData("*Picture caption: Ships at anchor in March 2025.*", ArticleSections.Caption)]
    [InlineData("Correction: An earlier version said the line was approved in 2016.", ArticleSections.Correction)]
    public void Bios_related_boxes_bibliographies_captions_and_corrections_are_not_the_body(string section, string kind)
    {
        var text = "The port handled 1.8 million containers last year.\n\n" + section;

        ClaimDetector.Detect(text, April2025).ShouldAllBe(c => c.Section == ArticleSections.Body);
        ClaimDetector.Detect(text, April2025, includeAll: true).ShouldContain(c => c.Section == kind && c.Withheld);
    }

    [Fact]
    public void A_running_head_inside_a_sentence_is_dropped_and_the_sentence_read_whole()
    {
        const string text = "The dredging has been delayed by a long dispute over who should pay for the work and\nBusiness\nwho should pay for it. The council voted 31 to 9 to cover half of the £85 million cost.\n\nBusiness\n\nThe Harbour Ledger | 14 April 2025 | 9\n\nRates fell 40% in six months.";

        var candidates = ClaimDetector.Detect(text, April2025);

        candidates.ShouldNotContain(c => c.Expression.Contains("14 April"));
        candidates.Single(c => c.Expression == "£85 million").Quote.ShouldStartWith("The council voted");
        candidates.ShouldContain(c => c.Expression == "40%");
    }

    [Fact]
    public void A_set_up_sentence_is_carded_with_the_sentence_that_carries_its_event()
    {
        var claim = ClaimDetector.Detect("Then came January. A startup in Hangzhou released a model that matched its rivals.", new DateOnly(2025, 3, 20))
            .Single(c => c.Kind == ClaimKinds.Date);

        claim.Quote.ShouldBe("Then came January. A startup in Hangzhou released a model that matched its rivals.");
        claim.Value.Date.ShouldBe("2025-01");
    }

    [Theory]
    [InlineData("Chinese factories now dominate the global market for solar panels.", "dominate the global market")]
    [InlineData("Europe, which invented the technology, lagged behind for years.", "lagged behind")]
    [InlineData("In models and applications, China is closing in on the US.", "closing in on")]
    [InlineData("Dawnway and Sunrow are close behind.", "close behind")]
    [InlineData("Rates are still higher than before the pandemic.", "still higher than before the pandemic")]
    [InlineData("That is far more than any other government spent.", "far more than any other")]
    public void Comparisons_without_numbers_are_claims(string text, string expression)
    {
        var claim = ClaimDetector.Detect(text, April2025).Single();
        claim.Kind.ShouldBe(ClaimKinds.Comparison);
        claim.Expression.ShouldContain(expression);
    }

    [Theory]
    [InlineData("Talent moves more slowly than money.")]
    [InlineData("Panels last longer than they did.")]
    [InlineData("The question is how long they can afford to.")]
    public void Comparisons_with_nothing_named_to_compare_against_are_not(string text) =>
        ClaimDetector.Detect(text, April2025).ShouldBeEmpty();

    [Theory]
    [InlineData("Power there is the heaviest state support of any solar industry.", "the heaviest state support", 1)]
    [InlineData("Its firms were among the world's best at making them.", "among the world's best", null)]
    [InlineData("India is the second-largest market for new installations.", "the second-largest market", 2)]
    [InlineData("The site is the northernmost launch pad in mainland Europe.", "the northernmost launch pad", 1)]
    public void Superlatives_are_recognised_by_their_form(string text, string expression, int? rank)
    {
        var claim = ClaimDetector.Detect(text, April2025).Single(c => c.Kind == ClaimKinds.Ranking);
        claim.Expression.ShouldStartWith(expression);
        claim.Value.Number.ShouldBe(rank);
    }

    [Theory]
    [InlineData("Europe lagged behind for more than a decade.", "more than a decade", 10, "decades")]
    [InlineData("A rooftop system now pays for itself in under six years.", "under six years", null, "years")]
    public void Durations_keep_their_bound(string text, string expression, int? number, string unit)
    {
        var duration = ClaimDetector.Detect(text, April2025).Single(c => c.Kind == ClaimKinds.Duration);
        duration.Expression.ShouldBe(expression);
        duration.Value.Unit.ShouldBe(unit);
        if (number is null) duration.Value.UpperNumber.ShouldBe(6m);
        else duration.Value.Number.ShouldBe(1m);
    }

    [Fact]
    public void An_amount_without_a_currency_carries_the_one_the_article_just_used()
    {
        var carried = ClaimDetector.Detect("The state spent 230 billion yuan on support. Another 520 billion went on tax breaks.", April2025)
            .Single(c => c.Expression == "520 billion");
        carried.Kind.ShouldBe(ClaimKinds.Money);
        carried.Value.Currency.ShouldBe("CNY");
        carried.Value.Number.ShouldBe(520_000_000_000m);
    }

    [Theory]
    [InlineData("About a quarter of them were fully electric.", 0.25)]
    [InlineData("A comparable line cost about a third less per kilometre.", 0.3333)]
    [InlineData("Only one in ten named China as the likely leader.", 0.1)]
    public void Shares_in_words_are_ratios(string text, double share)
    {
        var ratio = ClaimDetector.Detect(text, April2025).Single(c => c.Kind == ClaimKinds.Ratio);
        ratio.Value.Number.ShouldBe((decimal)share);
    }

    [Fact]
    public void Each_sentence_is_one_card_with_all_its_values_and_a_set_up_sentence_joins_its_event()
    {
        var candidates = ClaimDetector.Detect(
            "Then came March. Qwen was downloaded 2.3 million times, against 1.6 million downloads of Llama. Investors noticed.",
            new DateOnly(2025, 3, 24));

        var card = SentenceCard.FromCandidates(candidates).Single();

        card.Quote.ShouldBe("Then came March. Qwen was downloaded 2.3 million times, against 1.6 million downloads of Llama.");
        card.Values.Select(v => v.Expression).ShouldBe(["March", "2.3 million times", "1.6 million downloads"]);
    }

    [Fact]
    public void A_relative_time_in_a_hypothetical_is_not_offered()
    {
        ClaimDetector.Detect("Even an average summer would leave them lower than last year.", April2025).ShouldBeEmpty();
    }
}
