using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using FactDesk.Api.Http;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace FactDesk.Browser.Tests;

/// <summary>
/// Every page through axe-core (no serious or critical violation), at the desk's width and a phone's, and the whole
/// workflow (flag, attach, propose, approve, publish) done with the keyboard alone.
/// </summary>
public sealed class AccessibilityTests(FactDeskSite site) : IClassFixture<FactDeskSite>
{
    /// <summary>The article, with a share that differs per test so each flags its own claim (a quote is flagged once).</summary>
    private static string Article(int share) =>
        $"# The AI race\n\n**By Jacob Dreyer**\n\nChina is home to {share}% of all large language models, according to the *CAICT* white paper.\n\n" +
        "## Chips\n\nBeijing spent $50 billion on chip factories last year, officials said.\n\n## Reviews\n\nA history of chips sold 300,000 copies, its publisher says.";

    /// <summary>The violations axe-core rates serious or critical, one line each, so a failure says what and where.</summary>
    private static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        var result = await page.RunAxe();
        return result.Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{page.Url}: {v.Id} ({v.Impact}) at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")
            .ToList();
    }

    private async Task<(Guid Document, Guid Claim, Guid Discrepancy)> DeskAsync(int share)
    {
        var documentId = (await site.PostAsync(Roles.Tool, "/api/documents", new { title = "The AI race", text = Article(share), publishedOn = "2025-02-01", outlet = "The Ledger" }))
            .GetProperty("id").GetGuid();
        var claimId = await site.FlagAsync($"China is home to {share}% of all large language models", "high", documentId, DateTimeOffset.UtcNow.AddHours(3));
        var other = await site.FlagAsync($"China accounts for {share - 10}% of large language models");
        await site.PostAsync(Roles.Editor, $"/api/claims/{claimId}/assignment", new { assignee = "Mara Lind" });
        await site.PostAsync(Roles.Editor, $"/api/claims/{claimId}/sources", new { url = "https://example.org/caict", title = "CAICT white paper", stance = "contradicts" });
        await site.PostAsync(Roles.Editor, $"/api/claims/{claimId}/verdict", new { rating = "misleading", summary = "The paper counts models, not their use." });
        var discrepancy = (await site.PostAsync(Roles.Tool, "/api/discrepancies", new
        {
            claimIds = new[] { claimId, other }, kind = "numeric", description = "36% here, 26% there",
            values = new[] { new { side = "The AI race", says = "36%" }, new { side = "Another article", says = "26%" } },
        })).GetProperty("id").GetGuid();
        return (documentId, claimId, discrepancy);
    }

    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task Every_page_has_no_serious_or_critical_axe_violation(int width, int height)
    {
        var (documentId, claimId, discrepancyId) = await DeskAsync(width % 50 + 20);
        var found = new List<string>();
        var subscriptionId = (await site.PostAsync(Roles.Editor, "/api/subscriptions",
            new { url = $"http://127.0.0.1:{FactDesk.Testing.PostgresServer.FreePort()}/hook", secret = "a secret of twenty characters" })).GetProperty("id").GetGuid();

        var anonymous = await (await site.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl, ViewportSize = new() { Width = width, Height = height } })).NewPageAsync();
        await anonymous.GotoAsync("/signin");
        found.AddRange(await SeriousViolationsAsync(anonymous));
        // The check itself can fail: a field without a label, planted in the page, is reported.
        await anonymous.EvaluateAsync("() => document.querySelector('main').append(Object.assign(document.createElement('input'), { id: 'planted' }))");
        (await SeriousViolationsAsync(anonymous)).ShouldContain(v => v.Contains("label") && v.Contains("#planted"));

        var senior = await site.SignInAsync(Roles.SeniorEditor, 1, width, height);
        foreach (var path in new[]
                 {
                     "/", $"/documents/{documentId}", $"/documents/{documentId}?parts=all", $"/claims/{claimId}", $"/claims/{claimId}/history",
                     $"/claims/{claimId}/history?from=1&to=4", "/audit", $"/discrepancies/{discrepancyId}", "/discrepancies",
                     $"/discrepancies/new?claim={claimId}", "/subscriptions", $"/subscriptions/{subscriptionId}",
                 })
        {
            await senior.GotoAsync(path);
            found.AddRange(await SeriousViolationsAsync(senior));
        }

        // A refusal, as it lands on the page: the stale approve form.
        await senior.GotoAsync($"/claims/{claimId}");
        await site.PostAsync(Roles.Tool, $"/api/claims/{claimId}/sources", new { citation = "Ministry note", stance = "supports" });
        await senior.Locator("#form-approve button").ClickAsync();
        await Expect(senior.Locator("#refusal")).ToBeVisibleAsync();
        found.AddRange(await SeriousViolationsAsync(senior));

        var auditor = await site.SignInAsync(Roles.Auditor, 0, width, height);
        await auditor.GotoAsync($"/claims/{claimId}");
        found.AddRange(await SeriousViolationsAsync(auditor));

        found.ShouldBeEmpty();
    }

    /// <summary>Presses Tab until the focused element matches, as a keyboard user moves through the page; fails if it is never reached.</summary>
    private static async Task TabToAsync(IPage page, string selector, int most = 150)
    {
        for (var i = 0; i < most; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>("s => document.activeElement !== null && document.activeElement.matches(s)", selector)) return;
        }
        throw new Xunit.Sdk.XunitException($"{selector} was not reached with {most} presses of Tab on {page.Url}");
    }

    [Fact]
    public async Task The_workflow_from_flag_to_publish_works_with_the_keyboard_alone()
    {
        const string text = "Ports\n\nThe port handled 41 million containers in 2024, the authority said.\n\nNothing else here.";
        var documentId = (await site.PostAsync(Roles.Tool, "/api/documents", new { title = "Ports", text, publishedOn = "2025-02-01" })).GetProperty("id").GetGuid();

        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/documents/{documentId}");
        await TabToAsync(editor, "div.candidate button[type=submit]");
        await editor.Keyboard.PressAsync("Enter");
        await editor.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/claims/[0-9a-f-]{36}$"));
        var claimId = Guid.Parse(editor.Url[^36..]);

        await TabToAsync(editor, "#assign-assignee");
        await editor.Keyboard.TypeAsync("Mara");
        await TabToAsync(editor, "#form-assign button");
        await editor.Keyboard.PressAsync("Enter");
        await Expect(editor.Locator("dl.facts")).ToContainTextAsync("Mara Lind");

        await TabToAsync(editor, "#sources-citation");
        await editor.Keyboard.TypeAsync("Port authority annual report 2024");
        await TabToAsync(editor, "#sources-stance");
        await editor.Keyboard.TypeAsync("sup");
        await TabToAsync(editor, "#form-sources button");
        await editor.Keyboard.PressAsync("Enter");
        await Expect(editor.Locator(".sources")).ToContainTextAsync("Port authority annual report 2024");

        await TabToAsync(editor, "#verdict-rating");
        await editor.Keyboard.TypeAsync("true");
        await TabToAsync(editor, "#verdict-summary");
        await editor.Keyboard.TypeAsync("The annual report gives 41 million.");
        await TabToAsync(editor, "#form-verdict button");
        await editor.Keyboard.PressAsync(" ");
        await Expect(editor.Locator("#verdict-h + p")).ToContainTextAsync("The annual report gives 41 million.");

        var senior = await site.SignInAsync(Roles.SeniorEditor, 1);
        await senior.GotoAsync($"/claims/{claimId}");
        await TabToAsync(senior, "#form-approve button");
        await senior.Keyboard.PressAsync("Enter");
        await Expect(senior.Locator(".signed-off")).ToContainTextAsync("Approved by Ines Vale");
        await TabToAsync(senior, "#form-publish button");
        await senior.Keyboard.PressAsync("Enter");
        await Expect(senior.Locator(".published")).ToContainTextAsync("Published as true by Ines Vale");

        var claim = await site.GetAsync($"/api/claims/{claimId}");
        claim.GetProperty("status").GetString().ShouldBe("published");
        claim.GetProperty("assignee").GetString().ShouldBe("Mara Lind");
    }
}
