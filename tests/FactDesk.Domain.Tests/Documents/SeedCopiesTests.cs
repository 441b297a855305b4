using FactDesk.Api.Documents.Duplicates;
using FactDesk.Domain.Tests.Detection;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Domain.Tests.Documents;

/// <summary>The copy check that ingestion uses, on the real seed articles: one essay in two formats, four different articles.</summary>
public sealed class SeedCopiesTests(ITestOutputHelper output)
{
    private static long[] Print(string seed) => DuplicateFinder.Fingerprint(SeedArticles.Read(seed));

    [Fact]
    public void Plain_and_markdown_copies_of_the_same_essay_are_the_same_article()
    {
        var containment = DuplicateFinder.Containment(Print("000"), Print("001"));
        output.WriteLine($"000 vs 001: {containment:F3}");
        containment.ShouldBeGreaterThan(DuplicateFinder.SameArticleContainment);
        DuplicateFinder.IsSameArticle(Print("001"), Print("000")).ShouldBeTrue();
    }

    [Theory]
    [InlineData("000", "002")]
    [InlineData("000", "003")]
    [InlineData("001", "004")]
    [InlineData("002", "003")]
    [InlineData("003", "004")]
    public void Different_articles_on_the_same_subject_are_not_the_same_article(string first, string second)
    {
        var containment = DuplicateFinder.Containment(Print(first), Print(second));
        output.WriteLine($"{first} vs {second}: {containment:F3}");
        containment.ShouldBeLessThan(0.1);
    }

    [Fact]
    public void A_truncated_copy_is_still_the_same_article()
    {
        var article = SeedArticles.Read("002");
        DuplicateFinder.IsSameArticle(DuplicateFinder.Fingerprint(article), DuplicateFinder.Fingerprint(article[..(article.Length / 3)])).ShouldBeTrue();
    }

    [Fact]
    public void Empty_text_matches_nothing()
    {
        DuplicateFinder.Containment(DuplicateFinder.Fingerprint(""), Print("000")).ShouldBe(0);
    }
}
