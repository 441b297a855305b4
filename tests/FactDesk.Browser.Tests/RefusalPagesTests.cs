using System.Text.RegularExpressions;
using FactDesk.Api.Http;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace FactDesk.Browser.Tests;

/// <summary>
/// A refused action, as the person who sent it sees it: back on the page they were on, the refusal on the first screen
/// and focused, the form still filled in, and a reload that shows the page as it is now instead of sending again.
/// </summary>
public sealed class RefusalPagesTests(FactDeskSite site) : IClassFixture<FactDeskSite>
{
    /// <summary>The element's top edge lies inside the viewport as the page first shows, without scrolling.</summary>
    private static async Task ShouldBeOnTheFirstScreenAsync(IPage page, ILocator element)
    {
        var box = (await element.BoundingBoxAsync()).ShouldNotBeNull();
        var scrolled = await page.EvaluateAsync<double>("() => window.scrollY");
        (box.Y + scrolled).ShouldBeLessThan(page.ViewportSize!.Height, "the refusal is below the first screen");
    }

    [Theory]
    [InlineData(1280, 900, "refusal")]
    [InlineData(390, 844, "refusal-phone")]
    public async Task A_stale_form_lands_back_on_the_claim_with_the_refusal_focused_on_the_first_screen_and_the_reason_still_typed(
        int width, int height, string screenshot)
    {
        var claimId = await site.FlagAsync("Inflation is at 2% and falling");
        var editor = await site.SignInAsync(Roles.Editor, width: width, height: height);
        await editor.GotoAsync($"/claims/{claimId}");

        // Someone else assigns the claim after the page was opened; the dismiss form now carries a stale version.
        await site.PostAsync(Roles.Editor, $"/api/claims/{claimId}/assignment", new { assignee = "Jon Berg" }, nth: 1);
        await editor.Locator("#dismiss-reason").FillAsync("An opinion about the future, not a checkable figure.");
        var post = await editor.RunAndWaitForResponseAsync(() => editor.Locator("#form-dismiss button").ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/dismiss"));
        post.Status.ShouldBe(303);

        await editor.WaitForURLAsync(new Regex($"/claims/{claimId}\\?refused=[0-9a-f]+$"));
        var refusal = editor.Locator("#refusal");
        await Expect(refusal).ToHaveAttributeAsync("role", "alert");
        await Expect(refusal).ToContainTextAsync("This claim was changed by someone else since you opened it");
        await Expect(refusal).ToBeFocusedAsync();
        await ShouldBeOnTheFirstScreenAsync(editor, refusal);
        await Expect(editor.Locator("#dismiss-reason")).ToHaveValueAsync("An opinion about the future, not a checkable figure.");
        await FactDeskSite.ScreenshotAsync(editor, screenshot);

        // The banner's link leads to the form, which shows the current version so sending it again now applies.
        await refusal.GetByRole(AriaRole.Link, new() { Name = "Go to the form" }).ClickAsync();
        await Expect(editor.Locator("#form-dismiss input[name=version]")).ToHaveValueAsync("2");

        // Reloading is a GET of the claim: nothing is sent again and the refusal, already shown, is gone.
        var reload = await editor.ReloadAsync();
        reload!.Request.Method.ShouldBe("GET");
        await Expect(editor.Locator("#refusal")).ToHaveCountAsync(0);
        var claim = await site.GetAsync($"/api/claims/{claimId}");
        claim.GetProperty("version").GetInt64().ShouldBe(2);
        claim.GetProperty("status").GetString().ShouldBe("in-review");
    }

    [Fact]
    public async Task A_verdict_refused_as_stale_keeps_the_chosen_rating_and_the_summary_for_sending_again()
    {
        var claimId = await site.FlagAsync("Exports rose 12% in a year, customs said");
        await site.PostAsync(Roles.SeniorEditor, $"/api/claims/{claimId}/assignment", new { assignee = "Mara Lind" });
        await site.PostAsync(Roles.Tool, $"/api/claims/{claimId}/sources", new { citation = "Customs bulletin", stance = "supports" });
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/claims/{claimId}");

        // Another editor attaches a second source after the page was opened: the verdict form's version is stale.
        await site.PostAsync(Roles.Editor, $"/api/claims/{claimId}/sources", new { citation = "Trade ministry note", stance = "supports" }, nth: 1);
        await editor.Locator("#verdict-rating").SelectOptionAsync("true");
        await editor.Locator("#verdict-summary").FillAsync("The bulletin says 12%.");
        await editor.Locator("#form-verdict button").ClickAsync();
        await Expect(editor.Locator("#refusal")).ToBeFocusedAsync();
        await ShouldBeOnTheFirstScreenAsync(editor, editor.Locator("#refusal"));
        await Expect(editor.Locator("#verdict-rating")).ToHaveValueAsync("true");
        await Expect(editor.Locator("#verdict-summary")).ToHaveValueAsync("The bulletin says 12%.");
        (await site.GetAsync($"/api/claims/{claimId}")).GetProperty("status").GetString().ShouldBe("in-review");

        // Sent again from the refreshed form (it now carries the current version), the same verdict is taken.
        await editor.Locator("#form-verdict button").ClickAsync();
        await Expect(editor.Locator("#verdict-h + p")).ToContainTextAsync("The bulletin says 12%.");
    }

    [Fact]
    public async Task A_missing_field_on_the_document_page_lands_back_there_with_the_typed_quote_and_the_field_marked()
    {
        var documentId = (await site.PostAsync(Roles.Tool, "/api/documents", new
        {
            title = "Ports", text = "Ports\n\nThe port handled 40 million containers in 2024, the authority said.", publishedOn = "2025-02-01",
        })).GetProperty("id").GetGuid();
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/documents/{documentId}");
        await editor.Locator("#flag-quote").FillAsync("the authority said");
        await editor.Locator("#flag-reason").EvaluateAsync("e => e.removeAttribute('required')");
        await editor.Locator("#form-flag button").ClickAsync();

        await editor.WaitForURLAsync(new Regex($"/documents/{documentId}\\?refused="));
        await Expect(editor.Locator("#refusal")).ToBeFocusedAsync();
        await Expect(editor.Locator("#refusal")).ToContainTextAsync("reason");
        await ShouldBeOnTheFirstScreenAsync(editor, editor.Locator("#refusal"));
        await Expect(editor.Locator("#flag-quote")).ToHaveValueAsync("the authority said");
        await Expect(editor.Locator("#flag-reason")).ToHaveAttributeAsync("aria-invalid", "true");
    }

    [Fact]
    public async Task A_refusal_by_the_desks_rules_lands_back_on_the_claim_at_the_top_and_changes_nothing()
    {
        var claimId = await site.FlagAsync("Harbour fees doubled in 2024");
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/claims/{claimId}");
        // A choice the page never offers (someone not on the desk), as a hand-edited form would send it.
        await editor.Locator("#assign-assignee").EvaluateAsync("s => { s.add(new Option('Nobody Here', 'Nobody Here')); s.value = 'Nobody Here'; }");
        await editor.Locator("#form-assign button").ClickAsync();

        await editor.WaitForURLAsync(new Regex($"/claims/{claimId}\\?refused="));
        await Expect(editor.Locator("#refusal")).ToBeFocusedAsync();
        await Expect(editor.Locator("#refusal")).ToContainTextAsync("Nobody Here");
        await ShouldBeOnTheFirstScreenAsync(editor, editor.Locator("#refusal"));
        var claim = await site.GetAsync($"/api/claims/{claimId}");
        claim.GetProperty("version").GetInt64().ShouldBe(1);
    }
}
