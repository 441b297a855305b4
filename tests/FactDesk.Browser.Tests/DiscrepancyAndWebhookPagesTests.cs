using System.Text.RegularExpressions;
using FactDesk.Api.Discrepancies;
using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace FactDesk.Browser.Tests;

/// <summary>What used to need the API, done on the pages: opening and reviewing discrepancies, and webhook subscriptions.</summary>
public sealed class DiscrepancyAndWebhookPagesTests(FactDeskSite site) : IClassFixture<FactDeskSite>
{
    [Fact]
    public async Task An_editor_opens_a_discrepancy_between_two_claims_from_the_claim_page()
    {
        var first = await site.FlagAsync("Rail freight grew 12% in 2024");
        var second = await site.FlagAsync("Rail freight grew 4% in 2024, the ministry said");
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/claims/{first}");
        await editor.Locator("#open-discrepancy").ClickAsync();

        await Expect(editor.Locator("#open-claim1")).ToHaveValueAsync(first.ToString());
        await editor.Locator("#open-claim2").SelectOptionAsync(second.ToString());
        await editor.Locator("#open-kind").SelectOptionAsync("numeric");
        await editor.Locator("#open-description").FillAsync("12% in one report, 4% in the ministry's");
        await editor.Locator("#open-side1").FillAsync("First report");
        await editor.Locator("#open-says1").FillAsync("12%");
        await editor.Locator("#open-side2").FillAsync("Ministry");
        await editor.Locator("#open-says2").FillAsync("4%");
        await FactDeskSite.ScreenshotAsync(editor, "discrepancy-open");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Open discrepancy" }).ClickAsync();

        await editor.WaitForURLAsync(new Regex("/discrepancies/[0-9a-f-]{36}$"));
        var sides = editor.Locator("table.sides tbody tr");
        await Expect(sides.Nth(0)).ToContainTextAsync("12%");
        await Expect(sides.Nth(1)).ToContainTextAsync("Ministry");
        await Expect(editor.Locator("#claims-h + ul li")).ToHaveCountAsync(2);
        var discrepancy = await site.GetAsync($"/api/discrepancies/{editor.Url[^36..]}");
        discrepancy.GetProperty("status").GetString().ShouldBe("open");
        discrepancy.GetProperty("openedBy").GetProperty("name").GetString().ShouldBe("Mara Lind");
    }

    [Fact]
    public async Task A_discrepancy_with_one_claim_and_no_source_is_refused_on_the_form_with_what_was_typed_kept_then_opened_against_a_source()
    {
        var claimId = await site.FlagAsync("Bus fares rose 30% in a year");
        await site.PostAsync(Roles.Editor, $"/api/claims/{claimId}/sources", new { citation = "Transport authority fare table", stance = "contradicts" });
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/discrepancies/new?claim={claimId}");
        await editor.Locator("#open-kind").SelectOptionAsync("numeric");
        await editor.Locator("#open-description").FillAsync("The fare table shows 12%, not 30%");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Open discrepancy" }).ClickAsync();

        await Expect(editor.Locator("#refusal")).ToBeFocusedAsync();
        await Expect(editor.Locator("#refusal")).ToContainTextAsync("1 claim plus the sourceIds");
        await Expect(editor.Locator("#open-description")).ToHaveValueAsync("The fare table shows 12%, not 30%");
        await Expect(editor.Locator("#open-kind")).ToHaveValueAsync("numeric");

        await editor.GetByLabel("Transport authority fare table").CheckAsync();
        await editor.GetByRole(AriaRole.Button, new() { Name = "Open discrepancy" }).ClickAsync();
        await editor.WaitForURLAsync(new Regex("/discrepancies/[0-9a-f-]{36}$"));
        await Expect(editor.Locator("#dsources-h + ul")).ToContainTextAsync("Transport authority fare table");
    }

    private async Task<Guid> ProposeAsync(Guid claimId, string description)
    {
        var id = Guid.NewGuid();
        var value = new NormalizedValue(36, null, "%", null, null, "36%", null);
        await site.Services.GetRequiredService<TamperEvidentLog>().AppendAsync(id, Discrepancy.StreamType, ExpectedVersion.NoStream,
            new DiscrepancyProposed(id, [claimId], DiscrepancyKind.Numeric, "share of models", description,
                [new DiscrepancyValue("first", "36%"), new DiscrepancyValue("second", "26%")],
                [new ProposedStatement(null, claimId, null, "36% of all models", "36%", "percent", value)],
                new Actor("conflict-finder", Roles.Tool), DateTimeOffset.UtcNow),
            new EventMetadata("conflict-finder", Roles.Tool, Guid.NewGuid().ToString(), Guid.NewGuid().ToString()));
        return id;
    }

    [Fact]
    public async Task Proposed_discrepancies_are_listed_first_and_an_editor_confirms_one_and_declines_another()
    {
        var claimId = await site.FlagAsync("Models from China make up 36% of the total");
        var real = await ProposeAsync(claimId, "36% here, 26% in the other article");
        var falseAlarm = await ProposeAsync(claimId, "36% of models against 36% of downloads");

        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync("/discrepancies");
        var rows = editor.Locator("table.discrepancies tbody tr");
        await Expect(rows.First.Locator("td[data-label=Status]")).ToHaveTextAsync("proposed");
        await FactDeskSite.ScreenshotAsync(editor, "discrepancies");

        await editor.GetByRole(AriaRole.Link, new() { Name = "36% here, 26% in the other article" }).ClickAsync();
        await Expect(editor.Locator("#form-resolve")).ToHaveCountAsync(0);
        await editor.Locator("#confirm-note").FillAsync("The two articles really differ.");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Confirm discrepancy" }).ClickAsync();
        await Expect(editor.Locator("#review-h + p")).ToContainTextAsync("Confirmed as a conflict by Mara Lind");
        await Expect(editor.Locator("#form-resolve")).ToBeVisibleAsync();

        await editor.GotoAsync($"/discrepancies/{falseAlarm}");
        await editor.Locator("#decline-reason").FillAsync("One counts models, the other downloads.");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Decline discrepancy" }).ClickAsync();
        await Expect(editor.Locator("#review-h + p")).ToContainTextAsync("Declined as a false alarm by Mara Lind");

        (await site.GetAsync($"/api/discrepancies/{real}")).GetProperty("status").GetString().ShouldBe("open");
        (await site.GetAsync($"/api/discrepancies/{falseAlarm}")).GetProperty("status").GetString().ShouldBe("declined");
    }

    [Fact]
    public async Task An_editor_subscribes_a_webhook_sees_its_dead_letters_and_sends_one_again_while_a_tool_may_not_look()
    {
        var closedPort = FactDesk.Testing.PostgresServer.FreePort();
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync("/subscriptions");
        await editor.Locator("#subscribe-url").FillAsync($"http://127.0.0.1:{closedPort}/hook");
        await editor.Locator("#subscribe-secret").FillAsync("a secret of twenty characters");
        await editor.GetByLabel("claim-flagged.v1", new() { Exact = true }).CheckAsync();
        await editor.GetByRole(AriaRole.Button, new() { Name = "Subscribe" }).ClickAsync();
        await editor.WaitForURLAsync(new Regex("/subscriptions/[0-9a-f-]{36}$"));
        var subscriptionId = editor.Url[^36..];

        // Nobody listens on the port: the delivery of the next flagged claim goes dead after its two tries.
        await site.FlagAsync("Ferry crossings fell 15% in 2024");
        await editor.GotoAsync($"/subscriptions/{subscriptionId}?status=dead");
        var dead = editor.Locator("table.deliveries tbody tr", new() { HasText = "claim-flagged.v1" });
        for (var tries = 0; await dead.CountAsync() == 0 && tries < 300; tries++)
            await editor.ReloadAsync(new() { WaitUntil = WaitUntilState.Load });
        await Expect(dead).ToHaveCountAsync(1);
        await Expect(dead.Locator("td[data-label=Status]")).ToHaveTextAsync("dead");
        await FactDeskSite.ScreenshotAsync(editor, "webhook-deliveries");

        await dead.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Send again: claim-flagged.v1 at [0-9]+$") }).ClickAsync();
        await editor.WaitForURLAsync(new Regex($"/subscriptions/{subscriptionId}\\?status=dead$"));
        // The redelivery is on the subscription's record: created, then one redelivery requested.
        (await site.GetAsync($"/api/subscriptions/{subscriptionId}")).GetProperty("version").GetInt64().ShouldBe(2);

        await editor.GotoAsync("/subscriptions");
        await Expect(editor.Locator("table.subscriptions")).ToContainTextAsync($"127.0.0.1:{closedPort}/hook");
        await FactDeskSite.ScreenshotAsync(editor, "webhooks");

        var tool = await site.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl });
        var toolPage = await tool.NewPageAsync();
        await toolPage.GotoAsync("/signin");
        await toolPage.GetByLabel("Your FactDesk token").FillAsync(FactDeskSite.Person(Roles.Tool).Token);
        await toolPage.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var forbidden = await toolPage.GotoAsync("/subscriptions");
        forbidden!.Status.ShouldBe(403);
    }
}
