using FactDesk.Api.Demo;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Microsoft.Playwright;
using Shouldly;

namespace FactDesk.Browser.Tests;

/// <summary>The demo that ops/run loads, as an editor first sees it: every state in the desk, each quote in its paragraph.</summary>
public sealed class DemoDeskPagesTests(FactDeskSite site) : IClassFixture<FactDeskSite>
{
    private async Task<DemoLoad> LoadDemoAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(site.BaseUrl) };
        var tokens = new[] { Roles.Tool, Roles.Editor, Roles.SeniorEditor }.ToDictionary(role => role, role => FactDeskSite.Person(role).Token);
        return await DemoDatasetLoader.LoadAsync(http, tokens, RepositorySeeds.DatasetPath);
    }

    [Fact]
    public async Task The_demo_queue_shows_open_claims_in_every_state_and_each_claim_page_shows_its_quote_in_its_paragraph()
    {
        var demo = await LoadDemoAsync();
        var page = await site.SignInAsync(Roles.Editor);

        await page.GotoAsync("/");
        var queue = await page.Locator("main table").InnerTextAsync();
        foreach (var status in new[] { "flagged", "in-review", "verdict-proposed", "approved" })
            queue.ShouldContain(status);
        (await page.Locator("main .overdue").CountAsync()).ShouldBe(1);

        foreach (var (key, id) in demo.ClaimIds)
        {
            var quote = (await site.GetAsync($"/api/claims/{id}")).GetProperty("quote").GetString()!;
            await page.GotoAsync($"/claims/{id}");
            var inParagraph = page.Locator("blockquote.in-article");
            (await inParagraph.CountAsync()).ShouldBe(1, $"{key}: the quote is not shown inside its paragraph");
            var paragraph = await inParagraph.InnerTextAsync();
            var marked = await inParagraph.Locator("mark").InnerTextAsync();
            Normalize(marked).ShouldBe(Normalize(quote), $"{key}: the marked words are not the quote");
            paragraph.Length.ShouldBeGreaterThanOrEqualTo(marked.Length);
        }
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
