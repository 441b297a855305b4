using FactDesk.Api.Http;
using FactDesk.Api.Pages;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace FactDesk.Browser.Tests;

/// <summary>The review queue as a busy desk scans it: which article each claim is from, and due dates it can read at a glance.</summary>
public sealed class QueuePagesTests(FactDeskSite site) : IClassFixture<FactDeskSite>
{
    [Fact]
    public async Task Each_row_names_its_article_and_outlet_and_says_due_dates_compactly_with_the_full_time_on_hover()
    {
        var documentId = (await site.PostAsync(Roles.Tool, "/api/documents", new
        {
            title = "Harbour traffic", text = "Harbour traffic\n\nThe port handled 40 million containers in 2024, the authority said.",
            publishedOn = "2025-02-01", outlet = "The Harbour Ledger",
        })).GetProperty("id").GetGuid();
        var soon = await site.FlagAsync("The port handled 40 million containers in 2024", "high", documentId, DateTimeOffset.UtcNow.AddHours(2).AddMinutes(30));
        var late = await site.FlagAsync("Tolls rose 9% in a year", "high", dueAt: DateTimeOffset.UtcNow.AddHours(-20).AddMinutes(-10));

        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync("/");
        var soonRow = editor.Locator($"tr[data-claim='{soon}']");
        var article = soonRow.Locator("td[data-label=Article]");
        await Expect(article.GetByRole(AriaRole.Link, new() { Name = "Harbour traffic" })).ToHaveAttributeAsync("href", $"/documents/{documentId}");
        await Expect(article).ToContainTextAsync("The Harbour Ledger");
        await Expect(editor.Locator($"tr[data-claim='{late}'] td[data-label=Article]")).ToHaveTextAsync("none");

        var due = soonRow.Locator("td[data-label=Due] time");
        await Expect(due).ToHaveTextAsync("in 2 h");
        (await due.GetAttributeAsync("title")).ShouldNotBeNull().ShouldMatch(@"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$");
        (await due.GetAttributeAsync("datetime")).ShouldNotBeNull().ShouldEndWith("Z");
        await Expect(editor.Locator($"tr[data-claim='{late}'] td.overdue time")).ToHaveTextAsync("overdue 20 h");

        // One line: the due date does not wrap at the desk's width.
        var box = (await due.BoundingBoxAsync()).ShouldNotBeNull();
        var lineHeight = await due.EvaluateAsync<double>("e => parseFloat(getComputedStyle(e).lineHeight)");
        ((double)box.Height).ShouldBeLessThan(lineHeight * 1.5);
    }

    [Theory]
    [InlineData(150, "in 2 h")]
    [InlineData(-27 * 60, "overdue 1 d")]
    [InlineData(45, "in 45 min")]
    [InlineData(-10, "overdue 10 min")]
    [InlineData(0, "due now")]
    [InlineData(3 * 24 * 60 + 5, "in 3 d")]
    public void Due_dates_are_said_in_their_largest_whole_unit(int minutesFromNow, string expected)
    {
        var now = new DateTimeOffset(2025, 4, 1, 12, 0, 0, TimeSpan.Zero);
        QueuePage.Due(now.AddMinutes(minutesFromNow), now).ShouldBe(expected);
    }

    [Fact]
    public void A_past_moment_is_said_as_how_long_ago()
    {
        var now = new DateTimeOffset(2025, 4, 1, 12, 0, 0, TimeSpan.Zero);
        QueuePage.Ago(now.AddHours(-3), now).ShouldBe("3 h ago");
        QueuePage.Ago(now.AddSeconds(-20), now).ShouldBe("just now");
    }
}
