using System.Text;
using FactDesk.Api.Http;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace FactDesk.Browser.Tests;

/// <summary>The document page reads like the article: markdown rendered safely, quotes marked inside it, one card per sentence.</summary>
public sealed class DocumentPagesTests(FactDeskSite site) : IClassFixture<FactDeskSite>
{
    private async Task<Guid> IngestAsync(string title, string text) =>
        (await site.PostAsync(Roles.Tool, "/api/documents", new { title, text, publishedOn = "2025-02-01", outlet = "The Ledger" })).GetProperty("id").GetGuid();

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public async Task Markdown_is_rendered_as_the_article_with_raw_html_shown_as_text_and_only_web_links_kept()
    {
        const string text = "# The chip race\n\n**By Jacob Dreyer**\n\nPeter Thiel wrote *Zero to One* in 2014, and the [CAICT report](https://example.org/caict) " +
                            "counts 36% of all models.\n\n## Factories\n\nBeijing spent $50 billion on chip factories, [officials said](javascript:alert(1)).\n\n" +
                            "<script>window.pwned = 1</script> <b>bold?</b>";
        var documentId = await IngestAsync("The chip race", text);
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/documents/{documentId}");

        var article = editor.Locator(".article-text");
        await Expect(article.Locator("strong")).ToHaveTextAsync("By Jacob Dreyer");
        await Expect(article.Locator("em")).ToHaveTextAsync("Zero to One");
        await Expect(article.Locator("h4")).ToHaveTextAsync("Factories");
        var shown = await article.InnerTextAsync();
        shown.ShouldNotContain("**");
        shown.ShouldNotContain("*Zero");
        shown.ShouldNotContain("## ");

        var link = article.GetByRole(AriaRole.Link, new() { Name = "CAICT report" });
        await Expect(link).ToHaveAttributeAsync("href", "https://example.org/caict");
        (await link.GetAttributeAsync("rel")).ShouldNotBeNull().ShouldContain("noopener");
        // The javascript: link keeps its words and loses its link; raw HTML is text, never markup.
        shown.ShouldContain("officials said");
        (await article.Locator("a[href^='javascript']").CountAsync()).ShouldBe(0);
        shown.ShouldContain("<script>window.pwned = 1</script>");
        (await article.Locator("script, b").CountAsync()).ShouldBe(0);
        (await editor.EvaluateAsync<bool>("() => typeof window.pwned === 'undefined'")).ShouldBeTrue();

        // Jump links lead to the article's headings.
        await editor.Locator("nav.jump").GetByRole(AriaRole.Link, new() { Name = "Factories" }).ClickAsync();
        editor.Url.ShouldEndWith("#" + await article.Locator("h4").GetAttributeAsync("id"));
    }

    [Fact]
    public async Task A_flagged_quote_across_emphasis_is_marked_on_exactly_its_words()
    {
        const string text = "Trade\n\nExports grew **14%** in 2024, customs said, while imports *fell*.\n\nNothing else here.";
        var documentId = await IngestAsync("Trade", text);
        await site.FlagAsync("Exports grew 14% in 2024", documentId: documentId);
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/documents/{documentId}");

        var marks = await editor.Locator(".article-text mark.flagged").AllInnerTextsAsync();
        Normalize(string.Join(" ", marks)).ShouldBe("Exports grew 14% in 2024");
        await Expect(editor.Locator(".article-text strong mark.flagged")).ToHaveTextAsync("14%");
    }

    [Fact]
    public async Task A_sentence_with_a_date_and_a_count_is_one_card_listing_both_values()
    {
        const string text = "Ports\n\nIn 2024 the port handled 40 million containers, the authority said.\n\nThe harbour has no other figures.";
        var documentId = await IngestAsync("Ports", text);
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/documents/{documentId}");

        var cards = editor.Locator("div.candidate", new() { HasText = "40 million" });
        await Expect(cards).ToHaveCountAsync(1);
        var values = await cards.Locator("ul.values li").AllInnerTextsAsync();
        values.Count.ShouldBeGreaterThanOrEqualTo(2);
        values.ShouldContain(v => v.Contains("40 million"));
        values.ShouldContain(v => v.Contains("2024"));
        // The sentence is marked once in the text, and its card's link leads there.
        await Expect(editor.Locator(".article-text mark.candidate")).ToHaveCountAsync(1);
        await cards.GetByRole(AriaRole.Link, new() { Name = "show in the text" }).ClickAsync();
        editor.Url.ShouldEndWith("#" + await editor.Locator(".article-text mark.candidate").GetAttributeAsync("id"));
        await FactDeskSite.ScreenshotAsync(editor, "document-cards");
    }

    [Fact]
    public async Task A_review_section_is_marked_as_not_the_article_and_its_sentences_are_listed_only_when_asked_for()
    {
        const string text = "Ports\n\nThe port handled 40 million containers in 2024, the authority said.\n\n## Reviews\n\n" +
                            "A new history of shipping sold 300,000 copies in its first year, its publisher says.";
        var documentId = await IngestAsync("Ports and books", text);
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/documents/{documentId}");

        await Expect(editor.Locator(".article-text section.not-article")).ToContainTextAsync("not the article's own copy");
        await Expect(editor.Locator(".article-text section.not-article")).ToContainTextAsync("300,000 copies");
        await Expect(editor.Locator("div.candidate", new() { HasText = "300,000" })).ToHaveCountAsync(0);
        await Expect(editor.Locator("div.candidate", new() { HasText = "40 million" })).ToHaveCountAsync(1);

        await editor.GetByRole(AriaRole.Link, new() { Name = "list them too" }).ClickAsync();
        var review = editor.Locator("div.candidate", new() { HasText = "300,000" });
        await Expect(review).ToHaveCountAsync(1);
        await Expect(review.Locator(".not-article-label")).ToContainTextAsync("not the article's own copy");
    }

    [Fact]
    public async Task A_ten_thousand_word_article_starts_with_collapsed_candidate_groups_and_jump_links_and_the_filter_narrows_the_cards()
    {
        var text = new StringBuilder("The long read\n\n");
        var words = 0;
        for (var part = 1; words < 10_000; part++)
        {
            text.Append($"## Part {part}\n\n");
            for (var paragraph = 0; paragraph < 8; paragraph++)
            {
                var sentence = $"In {2000 + part} the ministry spent ${part * 10 + paragraph} million on {paragraph + 3} new bridges across the northern provinces. " +
                               "Engineers and local councils argued for months about the route, the cost and the schedule before anything was built at all, and the argument is not over. " +
                               "Residents said the roads were still crowded in the mornings and that buses ran late on most days of the week.\n\n";
                text.Append(sentence);
                words += sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            }
        }
        var documentId = await IngestAsync("The long read", text.ToString());
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/documents/{documentId}");

        await Expect(editor.Locator("nav.pager").First).ToContainTextAsync("Page 1 of");
        (await editor.Locator("nav.jump a", new() { HasText = "Part 1" }).CountAsync()).ShouldBe(1);
        var groups = editor.Locator("details.card-group");
        (await groups.CountAsync()).ShouldBeGreaterThan(1);
        (await editor.Locator("details.card-group[open]").CountAsync()).ShouldBe(0);
        (await editor.EvaluateAsync<int>("() => document.documentElement.scrollHeight")).ShouldBeLessThan(9_000);
        await FactDeskSite.ScreenshotAsync(editor, "document-long");

        // A closed group opens on its summary; the filter narrows the cards to one kind of value.
        await groups.First.Locator("summary").ClickAsync();
        await Expect(groups.First.Locator("div.candidate").First).ToBeVisibleAsync();
        var before = await editor.Locator("div.candidate").CountAsync();
        await editor.Locator("#filter-kind").SelectOptionAsync("date");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Filter candidates" }).ClickAsync();
        // The cards are in the page's HTML: parsed is enough (a stylesheet slow to come on a busy machine once held
        // the load event past 30 s).
        await editor.WaitForURLAsync(url => url.Contains("kind=date"), new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        var dated = editor.Locator("div.candidate");
        (await dated.CountAsync()).ShouldBeGreaterThan(0);
        (await dated.CountAsync()).ShouldBeLessThanOrEqualTo(before);
        foreach (var card in await dated.AllAsync())
            (await card.Locator("ul.values .badge").AllTextContentsAsync()).ShouldContain("date");
    }
}

/// <summary>The article renderer alone: hostile markdown never becomes markup or an error.</summary>
public sealed class ArticleRenderingTests
{
    [Fact]
    public void Markup_nested_past_markdigs_depth_limit_is_shown_as_plain_paragraphs_with_its_marks()
    {
        var text = new string('*', 4000) + "x" + new string('*', 4000) + "\n\nExports grew 14% in 2024.";
        var start = text.IndexOf("Exports", StringComparison.Ordinal);
        var html = FactDesk.Api.Pages.ArticleRendering.WithHighlights(text, [new FactDesk.Api.Pages.Highlight(start, start + 24, "flagged", null, null)]);
        html.ShouldContain("shown as plain text");
        html.ShouldContain("<mark class=\"flagged\" dir=\"auto\">Exports grew 14% in 2024</mark>");
    }

    [Theory]
    [InlineData("see <javascript:alert(1)> now")]
    [InlineData("see [it](javascript:alert(1)) now")]
    [InlineData("see [it](data:text/html;base64,PHNjcmlwdD4=) now")]
    [InlineData("see ![x](https://tracker.example/pixel.png) now")]
    [InlineData("see <img src=x onerror=alert(1)> now")]
    public void Links_other_than_web_and_mail_and_raw_html_and_images_become_text(string markdown)
    {
        var html = FactDesk.Api.Pages.ArticleRendering.WithHighlights(markdown, []);
        html.ShouldNotContain("href=\"javascript", Case.Insensitive);
        html.ShouldNotContain("href=\"data:", Case.Insensitive);
        html.ShouldNotContain("<img", Case.Insensitive);
        html.ShouldContain("see ");
        html.ShouldContain(" now");
    }
}
