using FactDesk.Api.Claims;
using FactDesk.Api.Documents.Conflicts;
using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Http;
using FactDesk.Domain.Tests.Detection;
using Shouldly;

namespace FactDesk.Domain.Tests.Conflicts;

/// <summary>Articles as the desk receives them, turned into statements the way the conflict finder does.</summary>
internal static class Newsroom
{
    public static IReadOnlyList<Statement> Article(string text, DateOnly publishedOn, Guid? id = null, Guid? family = null)
    {
        var documentId = id ?? Guid.NewGuid();
        return ClaimDetector.Detect(text, publishedOn)
            .Select((c, i) => Statements.FromCandidate(documentId, family ?? documentId, publishedOn, i, c))
            .OfType<Statement>()
            .ToList();
    }

    public static Statement Only(string text, string publishedOn, string? kind = null) =>
        Article(text, DateOnly.Parse(publishedOn)).Single(s => kind is null || s.Kind == kind);

    public static IReadOnlyList<Conflict> ConflictsBetween(IReadOnlyList<Statement> earlier, IReadOnlyList<Statement> later) =>
        (from e in earlier from l in later let c = ConflictRules.Find(e, l) where c is not null select c).ToList();

    /// <summary>Asserts the two sentences are matched as one measure and that their values agree.</summary>
    public static void Agree(string earlier, string earlierOn, string later, string laterOn)
    {
        var (a, b) = (Only(earlier, earlierOn), Only(later, laterOn));
        ConflictRules.SameMeasure(a.Key, b.Key).ShouldBeTrue($"{a.Key.Label} / {b.Key.Label}");
        ConflictRules.Find(a, b).ShouldBeNull();
    }

    public static Conflict? Between(string earlier, string earlierOn, string later, string laterOn, string? kind = null) =>
        ConflictRules.Find(Only(earlier, earlierOn, kind), Only(later, laterOn, kind));
}

public class DatesThatAgreeOrDisagreeTests
{
    [Fact]
    public void Last_months_release_in_February_and_a_January_release_in_March_agree()
    {
        // The seed pair: 000 (published 2025-02-18) and a March article naming the month outright.
        Newsroom.Agree(
            "And last month’s release of Deepseek-R1, a Chinese large language model, sent shockwaves through the US tech establishment.", "2025-02-18",
            "DeepSeek released R1 in January, rattling Wall Street.", "2025-03-20");
    }

    [Fact]
    public void The_same_release_placed_in_December_2024_disagrees_with_last_months_release_in_February_2025()
    {
        var conflict = Newsroom.Between(
            "And last month’s release of Deepseek-R1, a Chinese large language model, sent shockwaves through the US tech establishment.", "2025-02-18",
            "DeepSeek released R1 in December 2024, months before its rivals.", "2025-03-20");
        conflict.ShouldNotBeNull();
        conflict.Measure.ShouldContain("R1");
        conflict.Explanation.ShouldContain("different months");
    }

    [Fact]
    public void A_year_and_a_month_of_that_year_agree_at_the_coarser_precision()
    {
        Newsroom.Agree("Huawei launched the Mate 60 smartphone in 2023.", "2024-05-01",
            "Huawei launched the Mate 60 smartphone in August 2023.", "2024-06-01");
    }

    [Fact]
    public void Different_years_for_the_same_launch_disagree()
    {
        Newsroom.Between("Huawei launched the Mate 60 smartphone in 2023.", "2024-05-01",
            "Huawei launched the Mate 60 smartphone in 2022.", "2024-06-01").ShouldNotBeNull();
    }

    [Fact]
    public void A_month_inside_the_fall_agrees_with_the_fall()
    {
        Newsroom.Agree("According to Jeffrey Ding, the gap between Chinese and US open models began closing in the fall of 2024.", "2025-03-20",
            "Jeffrey Ding says the gap between Chinese and US open models began closing in October 2024.", "2025-04-01");
    }

    [Fact]
    public void A_month_outside_the_fall_disagrees_with_the_fall()
    {
        Newsroom.Between("According to Jeffrey Ding, the gap between Chinese and US open models began closing in the fall of 2024.", "2025-03-20",
            "Jeffrey Ding says the gap between Chinese and US open models began closing in March 2024.", "2025-04-01").ShouldNotBeNull();
    }

    [Fact]
    public void Different_products_of_one_company_are_not_one_measure()
    {
        // Same company, same verb, different model names: R1 and V3 are two releases, not one disputed date.
        Newsroom.Between("DeepSeek released R1 in January 2025.", "2025-03-01",
            "DeepSeek released V3 in December 2024.", "2025-03-02").ShouldBeNull();
    }

    [Fact]
    public void A_sentence_that_names_nothing_is_never_compared()
    {
        var january = Newsroom.Only("Then came January.", "2025-03-20");
        january.Key.IsAboutSomething.ShouldBeFalse();
        ConflictRules.Find(Newsroom.Only("DeepSeek released R1 in December 2024.", "2025-03-01"), january).ShouldBeNull();
    }

    [Fact]
    public void Vague_years_ago_allow_a_year_either_way()
    {
        Newsroom.Agree("Beijing began its tech crackdown two years ago, regulators said.", "2022-06-01",
            "Beijing began its tech crackdown in 2021, regulators said.", "2023-01-10");
    }
}

public class NumbersThatAgreeOrDisagreeTests
{
    [Fact]
    public void Over_400_models_and_450_models_agree()
    {
        Newsroom.Agree("Alibaba has released over 400 open Qwen models.", "2025-01-10",
            "Alibaba has released 450 open Qwen models.", "2025-01-20");
    }

    [Fact]
    public void Over_400_models_and_300_models_disagree()
    {
        var conflict = Newsroom.Between("Alibaba has released over 400 open Qwen models.", "2025-01-10",
            "Alibaba has released 300 open Qwen models.", "2025-01-20");
        conflict.ShouldNotBeNull();
        conflict.Measure.ShouldContain("Qwen");
    }

    [Fact]
    public void Counts_of_two_product_lines_of_one_company_are_not_one_measure()
    {
        Newsroom.Between("Alibaba has released over 400 open Qwen models.", "2025-01-10",
            "Alibaba has released 120 open Tongyi models.", "2025-01-20").ShouldBeNull();
    }

    [Fact]
    public void Two_lower_bounds_never_disagree()
    {
        Newsroom.Agree("Alibaba has released over 400 open Qwen models.", "2025-01-10",
            "Alibaba has released more than 100 open Qwen models.", "2025-01-20");
    }

    [Fact]
    public void Figures_about_now_published_a_year_apart_may_both_be_true()
    {
        Newsroom.Between("There are now 30 IRPs at the Ministry of Education.", "2025-02-18",
            "There are now 45 IRPs at the Ministry of Education.", "2026-03-01").ShouldBeNull();
    }

    [Fact]
    public void Figures_about_now_published_the_same_month_disagree()
    {
        Newsroom.Between("There are now 30 IRPs at the Ministry of Education.", "2025-02-18",
            "There are now 45 IRPs at the Ministry of Education.", "2025-02-25").ShouldNotBeNull();
    }

    [Fact]
    public void A_share_within_five_percent_is_the_same_share_rounded()
    {
        Newsroom.Agree("China is home to 36% of all large language models in existence, a white paper says.", "2025-02-18",
            "China is home to 37% of all large language models in existence, a white paper says.", "2025-02-20");
    }

    [Fact]
    public void A_share_ten_points_apart_disagrees()
    {
        Newsroom.Between("China is home to 36% of all large language models in existence, a white paper says.", "2025-02-18",
            "China is home to 26% of all large language models in existence, a white paper says.", "2025-02-20").ShouldNotBeNull();
    }

    [Fact]
    public void Shares_of_different_things_are_not_compared()
    {
        // The seed pair: 35% for the Hang Seng Tech Index and 35% (or 40%) for a tax break share one number, not one measure.
        Newsroom.Between("The Hang Seng Tech Index has surged 35% year to date.", "2025-03-20",
            "The Big Beautiful Bill gives chipmakers a 40% tax break.", "2025-03-21").ShouldBeNull();
    }

    [Fact]
    public void The_same_fund_in_yuan_and_dollars_agrees_at_reference_rates()
    {
        // 344 billion yuan is about US$48 billion: within rate drift of US$47 billion.
        Newsroom.Agree("The third round of China’s Big Fund plans a US$47 billion investment in its semiconductor ecosystem.", "2025-02-18",
            "The third round of China’s Big Fund plans a 344 billion yuan investment in its semiconductor ecosystem.", "2025-02-20");
    }

    [Fact]
    public void A_fund_figure_far_off_disagrees()
    {
        Newsroom.Between("The third round of China’s Big Fund plans a US$47 billion investment in its semiconductor ecosystem.", "2025-02-18",
            "The third round of China’s Big Fund plans a US$27 billion investment in its semiconductor ecosystem.", "2025-02-20").ShouldNotBeNull();
    }

    [Fact]
    public void An_order_of_magnitude_is_never_a_figure_to_dispute()
    {
        var vague = new NormalizedValue(10_000_000m, null, null, null, null, "tens of millions", "order of magnitude only") { Qualifier = ValueQualifiers.AtLeast };
        ConflictRules.Bounds(vague).ShouldBeNull();
    }

    [Fact]
    public void Counts_of_different_units_are_not_compared()
    {
        // 003's "over one billion downloads" and 002's "over a billion potential users" share a number, not a unit.
        Newsroom.Between("Alibaba has released open Qwen models, amassing over one billion downloads.", "2025-01-10",
            "Alibaba says its open Qwen models reach 5 million users.", "2025-01-12", ClaimKinds.Count).ShouldBeNull();
    }
}

public class RanksThatAgreeOrDisagreeTests
{
    [Fact]
    public void Largest_and_second_largest_exporter_disagree()
    {
        Newsroom.Between("China has become the world’s largest car exporter, customs data show.", "2025-03-20",
            "China is second only to Japan as a car exporter, customs data show.", "2025-03-25", ClaimKinds.Ranking).ShouldNotBeNull();
    }

    [Fact]
    public void Different_rankings_of_one_country_are_not_compared()
    {
        // The seeds: China "the world's largest car exporter" (002) and "the world's fastest implementer" (004).
        Newsroom.Between("China has become the world’s largest car exporter.", "2025-03-20",
            "China is the world’s fastest implementer of new technology.", "2025-03-25").ShouldBeNull();
    }

    [Fact]
    public void One_of_the_largest_names_no_rank_to_dispute()
    {
        var oneOf = Newsroom.Only("Black Myth became one of 2024’s fastest-selling video games.", "2025-03-20", ClaimKinds.Ranking);
        var first = Newsroom.Only("Black Myth became 2024’s fastest-selling video game.", "2025-03-25", ClaimKinds.Ranking);
        ConflictRules.SameMeasure(oneOf.Key, first.Key).ShouldBeTrue();
        ConflictRules.Find(oneOf, first).ShouldBeNull();
    }
}

public class SeedArticleConflictTests
{
    private static readonly (string Seed, DateOnly PublishedOn)[] Seeds =
    [
        ("000", new(2025, 2, 18)), ("001", new(2025, 2, 18)), ("002", new(2025, 3, 20)), ("003", new(2026, 1, 20)), ("004", new(2025, 10, 20)),
    ];

    [Fact]
    public void The_five_seed_articles_contain_no_disagreement_between_different_articles()
    {
        // 001 is the print copy of 000: one family, as duplicate detection links them.
        var dreyer = Guid.NewGuid();
        var statements = Seeds.Select(s => Newsroom.Article(SeedArticles.Read(s.Seed), s.PublishedOn,
            family: s.Seed is "000" or "001" ? dreyer : null)).ToList();
        var conflicts = new List<Conflict>();
        for (var i = 0; i < statements.Count; i++)
            for (var j = i + 1; j < statements.Count; j++)
                conflicts.AddRange(Newsroom.ConflictsBetween(statements[i], statements[j]));
        conflicts.ShouldBeEmpty(string.Join("; ", conflicts.Select(c => $"{c.Earlier.Expression} / {c.Later.Expression}")));
    }

    [Fact]
    public void The_deepseek_january_pair_is_read_as_the_same_month()
    {
        var lastMonth = Newsroom.Article(SeedArticles.Read("000"), new(2025, 2, 18)).Single(s => s.Expression == "last month’s");
        var january = Newsroom.Article(SeedArticles.Read("002"), new(2025, 3, 20)).Single(s => s.Expression == "January");
        lastMonth.Value.Date.ShouldBe("2025-01");
        january.Value.Date.ShouldBe("2025-01");
        ConflictRules.Disagreement(lastMonth, january).ShouldBeNull();
        lastMonth.Key.Label.ShouldBe("Deepseek R1 release");
    }

    [Fact]
    public void A_rival_article_that_dates_the_release_to_December_conflicts_with_the_seed()
    {
        var seed = Newsroom.Article(SeedArticles.Read("000"), new(2025, 2, 18));
        var rival = Newsroom.Article("DeepSeek’s R1 release came in December 2024, the company said.", new(2025, 3, 1));
        var conflict = Newsroom.ConflictsBetween(seed, rival).ShouldHaveSingleItem();
        conflict.Earlier.Expression.ShouldBe("last month’s");
    }

    [Fact]
    public void A_copy_of_an_article_never_conflicts_with_its_original()
    {
        var family = Guid.NewGuid();
        var original = Newsroom.Article("There are now 30 IRPs at the Ministry of Education.", new(2025, 2, 18), family: family);
        var copy = Newsroom.Article("There are now 35 IRPs at the Ministry of Education.", new(2025, 2, 18), family: family);
        Newsroom.ConflictsBetween(original, copy).ShouldBeEmpty();
    }
}

public class FlaggedClaimStatementTests
{
    private static readonly Actor Tool = new("cms-plugin", "tool");

    private static ClaimFlagged Flag(string quote, Assertion? assertion) =>
        new(Guid.NewGuid(), quote, null, null, null, "check", Priority.Normal, null, assertion, Tool, DateTimeOffset.UtcNow);

    [Theory]
    [InlineData("36", "%", "percentage", 36)]
    [InlineData("36%", null, "percentage", 36)]
    [InlineData("$47 billion", null, "money", 47_000_000_000)]
    [InlineData("47", "USD bn", "count", 47)]
    [InlineData("over 400", "models", "count", 400)]
    [InlineData("2", "rank", "ranking", 2)]
    [InlineData("13", "times", "ratio", 13)]
    public void An_assertion_value_is_read_with_its_kind(string value, string? unit, string kind, decimal number)
    {
        var read = Statements.ReadAssertedValue(value, unit).ShouldNotBeNull();
        read.Kind.ShouldBe(kind);
        read.Value.Number.ShouldBe(number);
    }

    [Theory]
    [InlineData("2025-01")]
    [InlineData("2024")]
    public void An_iso_date_assertion_is_a_date(string value) =>
        Statements.ReadAssertedValue(value, null).ShouldNotBeNull().Kind.ShouldBe(ClaimKinds.Date);

    [Theory]
    [InlineData("a lot")]
    [InlineData("")]
    [InlineData("2025-13")]
    public void A_value_that_is_not_a_figure_is_left_to_people(string value) =>
        Statements.ReadAssertedValue(value, null).ShouldBeNull();

    [Fact]
    public void A_flagged_assertion_is_compared_by_its_subject_and_metric()
    {
        var flagged = Flag("DeepSeek shipped R1 before Christmas", new Assertion("Deepseek-R1", "release", "2024-12", null, null));
        var claim = Statements.FromClaim(flagged, flagged.ClaimId, new DateOnly(2025, 3, 1)).ShouldHaveSingleItem();
        var seed = Newsroom.Article(SeedArticles.Read("000"), new(2025, 2, 18));
        var conflict = Newsroom.ConflictsBetween(seed, [claim]).ShouldHaveSingleItem();
        conflict.Later.ClaimId.ShouldBe(flagged.ClaimId);
        ConflictProposal.For(conflict).ClaimIds.ShouldBe([flagged.ClaimId]);
    }

    [Fact]
    public void Assertions_as_of_different_dates_are_different_moments()
    {
        var earlier = Statements.FromClaim(Flag("36% of LLMs", new Assertion("China", "share of large language models", "36", "%", "2024-01-01")), Guid.NewGuid(), new(2025, 1, 1)).Single();
        var later = Statements.FromClaim(Flag("26% of LLMs", new Assertion("China", "share of large language models", "26", "%", "2023-01-01")), Guid.NewGuid(), new(2025, 1, 1)).Single();
        ConflictRules.Find(earlier, later).ShouldBeNull();
        ConflictRules.Find(earlier, later with { AsOf = "2024-01-01" }).ShouldNotBeNull();
    }

    [Fact]
    public void A_claim_without_assertion_is_read_like_an_article_sentence()
    {
        var flagged = Flag("Alibaba has released 300 open Qwen models.", null);
        var claim = Statements.FromClaim(flagged, flagged.ClaimId, new DateOnly(2025, 1, 20)).ShouldHaveSingleItem();
        claim.ClaimId.ShouldBe(flagged.ClaimId);
        ConflictRules.Find(Newsroom.Only("Alibaba has released over 400 open Qwen models.", "2025-01-10"), claim).ShouldNotBeNull();
    }
}

public class ProposalTests
{
    [Fact]
    public void The_same_disagreement_found_twice_is_one_proposal()
    {
        var seed = Newsroom.Only("Alibaba has released over 400 open Qwen models.", "2025-01-10");
        var rival = Newsroom.Only("Alibaba has released 300 open Qwen models.", "2025-01-20");
        var first = ConflictProposal.For(ConflictRules.Find(seed, rival)!);
        var again = ConflictProposal.For(ConflictRules.Find(seed with { Id = "re-detected" }, rival)!);
        again.DiscrepancyId.ShouldBe(first.DiscrepancyId);
        ConflictProposal.IdFor(rival, seed).ShouldBe(first.DiscrepancyId);
    }

    [Fact]
    public void A_proposal_between_candidates_names_both_documents_and_quotes_and_no_claims()
    {
        var seed = Newsroom.Only("Alibaba has released over 400 open Qwen models.", "2025-01-10");
        var rival = Newsroom.Only("Alibaba has released 300 open Qwen models.", "2025-01-20");
        var proposal = ConflictProposal.For(ConflictRules.Find(seed, rival)!);
        proposal.ClaimIds.ShouldBeEmpty();
        proposal.Kind.ShouldBe(FactDesk.Api.Discrepancies.DiscrepancyKind.Numeric);
        proposal.Values.Select(v => v.Says).ShouldBe(["over 400 open Qwen models", "300 open Qwen models"]);
        proposal.Statements.Select(s => s.DocumentId).ShouldBe([seed.DocumentId, rival.DocumentId]);
        proposal.Values[1].Note.ShouldBe("Alibaba has released 300 open Qwen models.");
        proposal.Description.ShouldContain("\"over 400 open Qwen models\"");
        ConflictProposal.System.Role.ShouldBe("system");
    }
}

/// <summary>Which of the conflicts a new statement raises are proposed: a disagreement once, however many repeat it.</summary>
public class ProposingEachDisagreementOnceTests
{
    private static Statement Share(string percent, string publishedOn) =>
        Newsroom.Only($"China is home to {percent} of all large language models in existence, a white paper says.", publishedOn);

    [Fact]
    public void Three_articles_with_one_figure_and_one_that_contradicts_them_raise_one_proposal_against_the_first()
    {
        var repeating = new[] { Share("36%", "2025-02-18"), Share("36%", "2025-02-19"), Share("36%", "2025-02-20") };
        var rival = Share("26%", "2025-02-21");

        var proposed = ConflictRules.ToPropose(repeating, rival).ShouldHaveSingleItem();

        proposed.Earlier.ShouldBe(repeating[0]);
        proposed.Later.ShouldBe(rival);
        // Each pair on its own is a conflict: the rule, not the matching, is what keeps it to one.
        repeating.Count(a => ConflictRules.Find(a, rival) is not null).ShouldBe(3);
    }

    [Fact]
    public void An_article_repeating_a_side_already_proposed_raises_nothing_more()
    {
        var first = Share("36%", "2025-02-18");
        var rival = Share("26%", "2025-02-19");
        ConflictRules.ToPropose([first], rival).ShouldHaveSingleItem();

        var repeat = Share("36%", "2025-02-20");

        ConflictRules.Find(rival, repeat).ShouldNotBeNull();
        ConflictRules.ToPropose([first, rival], repeat).ShouldBeEmpty();
    }

    [Fact]
    public void Figures_within_tolerance_of_each_other_are_not_repeats_and_each_is_proposed()
    {
        // 36% and 37% agree (rounding), but only the same figure is a repeat: agreement within tolerance does not chain.
        var (a, b) = (Share("36%", "2025-02-18"), Share("37%", "2025-02-19"));
        ConflictRules.Find(a, b).ShouldBeNull();
        ConflictRules.Repeats(a, b).ShouldBeFalse();

        ConflictRules.ToPropose([a, b], Share("26%", "2025-02-20")).Select(p => p.Earlier).ShouldBe([a, b]);
    }

    [Fact]
    public void A_third_value_is_proposed_against_each_side_it_contradicts()
    {
        var (a, b, c) = (Share("36%", "2025-02-18"), Share("26%", "2025-02-19"), Share("46%", "2025-02-20"));

        ConflictRules.ToPropose([a, b], c).Select(p => p.Earlier).ShouldBe([a, b]);
    }

    [Fact]
    public void An_earlier_statement_that_only_agrees_with_the_new_one_hides_nothing_it_contradicts()
    {
        // "under 28%" agrees with 26% within its bounds and contradicts 36%; it does not repeat 26%, so 36% against 26%
        // is still proposed (the proposal between 36% and "under 28%" is a different pair of values).
        var (wide, under) = (Share("36%", "2025-02-18"), Share("under 28%", "2025-02-19"));
        var later = Share("26%", "2025-02-20");
        ConflictRules.Find(under, later).ShouldBeNull();
        ConflictRules.Find(wide, under).ShouldNotBeNull();

        ConflictRules.ToPropose([wide, under], later).Select(p => p.Earlier).ShouldBe([wide]);
    }

    [Fact]
    public void Statements_of_one_family_never_repeat_each_other()
    {
        var family = Guid.NewGuid();
        var original = Newsroom.Article("China is home to 36% of all large language models in existence, a white paper says.", new(2025, 2, 18), family: family).Single();
        var copy = Newsroom.Article("China is home to 36% of all large language models in existence, a white paper says.", new(2025, 2, 18), family: family).Single();

        ConflictRules.Repeats(original, copy).ShouldBeFalse();
    }
}
