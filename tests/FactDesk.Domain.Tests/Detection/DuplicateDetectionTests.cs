using FactDesk.Api.Documents.Detection;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Domain.Tests.Detection;

public sealed class DuplicateDetectionTests(ITestOutputHelper output)
{
    [Fact]
    public void Plain_and_markdown_copies_of_the_same_essay_are_the_same_article()
    {
        var plain = SeedArticles.Read("000");
        var markdown = SeedArticles.Read("001");
        var similarity = DuplicateDetection.Similarity(plain, markdown);
        output.WriteLine($"000 vs 001: {similarity:F3}");

        similarity.ShouldBeGreaterThan(0.8);
        DuplicateDetection.IsSameArticle(plain, markdown).ShouldBeTrue();
        DuplicateDetection.IsSameArticle(markdown, plain).ShouldBeTrue();
    }

    [Theory]
    [InlineData("000", "002")]
    [InlineData("000", "003")]
    [InlineData("001", "004")]
    [InlineData("002", "003")]
    [InlineData("003", "004")]
    public void Different_articles_on_the_same_subject_are_not_the_same_article(string first, string second)
    {
        var similarity = DuplicateDetection.Similarity(SeedArticles.Read(first), SeedArticles.Read(second));
        output.WriteLine($"{first} vs {second}: {similarity:F3}");

        similarity.ShouldBeLessThan(0.1);
        DuplicateDetection.IsSameArticle(SeedArticles.Read(first), SeedArticles.Read(second)).ShouldBeFalse();
    }

    [Fact]
    public void A_truncated_copy_is_still_the_same_article()
    {
        var article = SeedArticles.Read("002");
        DuplicateDetection.IsSameArticle(article, article[..(article.Length / 3)]).ShouldBeTrue();
    }

    [Fact]
    public void Empty_text_matches_nothing()
    {
        DuplicateDetection.Similarity("", SeedArticles.Read("000")).ShouldBe(0);
    }
}
