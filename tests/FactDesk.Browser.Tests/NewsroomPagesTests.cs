using System.Text.RegularExpressions;
using FactDesk.Api.Http;
using Microsoft.Playwright;
using Shouldly;
using static Microsoft.Playwright.Assertions;

namespace FactDesk.Browser.Tests;

/// <summary>The editors' and auditors' pages in a real browser against the real service and database.</summary>
public sealed class NewsroomPagesTests(FactDeskSite site) : IClassFixture<FactDeskSite>
{
    private const string Article =
        "The AI race\n\nChina is home to 36% of all large language models, according to the CAICT white paper.\n\n" +
        "Beijing spent $50 billion on chip factories last year, officials said.\n\nThe rest of the story has no figures.";

    private async Task<Guid> IngestAsync(string title = "The AI race") =>
        (await site.PostAsync(Roles.Tool, "/api/documents", new { title, text = Article, publishedOn = "2025-02-01", outlet = "The Ledger", author = "Jacob Dreyer" }))
        .GetProperty("id").GetGuid();

    [Fact]
    public async Task An_editor_flags_a_candidate_and_proposes_a_verdict_then_a_second_senior_editor_approves_and_publishes()
    {
        var documentId = await IngestAsync();
        var editor = await site.SignInAsync(Roles.Editor);

        await editor.GotoAsync($"/documents/{documentId}");
        await Expect(editor.Locator(".article-text mark.candidate").First).ToBeVisibleAsync();
        await FactDeskSite.ScreenshotAsync(editor, "document");
        var candidate = editor.Locator(".candidate", new() { HasText = "36%" });
        await candidate.GetByRole(AriaRole.Button, new() { Name = "Flag as claim" }).ClickAsync();
        await editor.WaitForURLAsync(new Regex("/claims/[0-9a-f-]{36}$"));
        var claimId = Guid.Parse(editor.Url[^36..]);

        // The quote is shown inside its paragraph of the article, marked.
        await Expect(editor.Locator("blockquote.in-article mark")).ToContainTextAsync("36% of all large language models");
        await Expect(editor.Locator("blockquote.in-article")).ToContainTextAsync("according to the CAICT white paper");

        await editor.Locator("#assign-assignee").SelectOptionAsync("Mara Lind");
        await editor.Locator("#form-assign button").ClickAsync();
        await Expect(editor.Locator("dl.facts")).ToContainTextAsync("Mara Lind");

        await editor.Locator("#sources-url").FillAsync("https://example.org/caict-white-paper");
        await editor.Locator("#sources-title").FillAsync("CAICT white paper on large language models");
        await editor.Locator("#sources-stance").SelectOptionAsync("contradicts");
        await editor.Locator("#form-sources button").ClickAsync();
        await Expect(editor.Locator(".sources")).ToContainTextAsync("CAICT white paper on large language models");

        await editor.Locator("#verdict-rating").SelectOptionAsync("misleading");
        await editor.Locator("#verdict-summary").FillAsync("The paper counts models, not their use; the share is 26% by another count.");
        await editor.Locator("#form-verdict button").ClickAsync();
        await Expect(editor.Locator("#verdict-h + p")).ToContainTextAsync("misleading");
        // An editor cannot sign off: no approve or publish forms for this role.
        await Expect(editor.Locator("#form-approve")).ToHaveCountAsync(0);
        await Expect(editor.Locator("#form-publish")).ToHaveCountAsync(0);

        var senior = await site.SignInAsync(Roles.SeniorEditor, 1);
        await senior.GotoAsync($"/claims/{claimId}");
        await senior.Locator("#approve-note").FillAsync("Checked against the white paper.");
        await senior.Locator("#form-approve button").ClickAsync();
        await Expect(senior.Locator(".signed-off")).ToContainTextAsync("Approved by Ines Vale");
        await senior.Locator("#publish-url").FillAsync("https://example.org/fact-checks/ai-race");
        await senior.Locator("#form-publish button").ClickAsync();
        await Expect(senior.Locator(".published")).ToContainTextAsync("Published as misleading by Ines Vale");
        await FactDeskSite.ScreenshotAsync(senior, "claim");

        var claim = await site.GetAsync($"/api/claims/{claimId}");
        Assert.Equal("published", claim.GetProperty("status").GetString());
        Assert.Equal("Mara Lind", claim.GetProperty("verdict").GetProperty("proposedBy").GetProperty("name").GetString());
        Assert.Equal("Ines Vale", claim.GetProperty("publication").GetProperty("by").GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_senior_editor_cannot_approve_the_verdict_they_proposed()
    {
        var claimId = await site.FlagAsync("Exports rose 12% in a year");
        await site.PostAsync(Roles.SeniorEditor, $"/api/claims/{claimId}/assignment", new { assignee = "Tomás Ruiz" });
        await site.PostAsync(Roles.Tool, $"/api/claims/{claimId}/sources", new { citation = "Customs bulletin", stance = "supports" });
        await site.PostAsync(Roles.SeniorEditor, $"/api/claims/{claimId}/verdict", new { rating = "true", summary = "The bulletin says 12%." });

        var senior = await site.SignInAsync(Roles.SeniorEditor);
        await senior.GotoAsync($"/claims/{claimId}");
        await Expect(senior.GetByRole(AriaRole.Button, new() { Name = "Approve verdict" })).ToBeDisabledAsync();
        await Expect(senior.Locator("#approve-own")).ToContainTextAsync("another senior editor must approve it");
    }

    [Fact]
    public async Task The_history_shows_every_event_with_its_actor_the_claim_at_an_earlier_version_and_what_changed()
    {
        var claimId = await site.FlagAsync("Unemployment fell to 3.1% in March", "high");
        await site.PostAsync(Roles.Editor, $"/api/claims/{claimId}/assignment", new { assignee = "Jon Berg" });
        await site.PostAsync(Roles.Editor, $"/api/claims/{claimId}/sources", new { citation = "Labour force survey, March", stance = "supports" });

        var auditor = await site.SignInAsync(Roles.Auditor);
        await auditor.GotoAsync($"/claims/{claimId}/history");
        var timeline = auditor.Locator("ol.timeline > li");
        await Expect(timeline).ToHaveCountAsync(3);
        await Expect(timeline.Nth(0)).ToContainTextAsync("Flagged by cms-plugin as high priority");
        await Expect(timeline.Nth(1)).ToContainTextAsync("Assigned to Jon Berg by Mara Lind");
        await Expect(timeline.Nth(2)).ToContainTextAsync("Source 'Labour force survey, March' attached by Mara Lind, which supports the claim");
        // The stored event is one click away for auditors.
        var raw = timeline.Nth(1).Locator("details.raw");
        await Expect(raw.Locator("dl.event-data")).Not.ToBeVisibleAsync();
        await raw.Locator("summary").ClickAsync();
        await Expect(raw).ToContainTextAsync("claim-assigned.v1");
        await Expect(raw.Locator("dl.event-data")).ToContainTextAsync("Jon Berg");

        // As it was at version 1: flagged, nobody assigned yet.
        await auditor.Locator("#history-version").SelectOptionAsync("1");
        await auditor.Locator("#asof-h + form button").ClickAsync();
        await Expect(auditor.Locator("#state-at")).ToContainTextAsync("flagged");
        await Expect(auditor.Locator("#state-at")).Not.ToContainTextAsync("Jon Berg");

        // Between version 1 and 3: the assignee, the status and the source appeared.
        await auditor.Locator("#history-from").SelectOptionAsync("1");
        await auditor.Locator("#history-to").SelectOptionAsync("3");
        await auditor.Locator("#diff-h + form button").ClickAsync();
        await Expect(auditor.Locator("#changes li")).ToHaveCountAsync(2);
        await Expect(auditor.Locator("#changes")).ToContainTextAsync("Assigned to Jon Berg by Mara Lind");
        await auditor.Locator("#raw-diff summary").ClickAsync();
        var assignee = auditor.Locator("#diff tr", new() { HasText = "assignee" });
        await Expect(assignee.Locator("td.now")).ToHaveTextAsync("Jon Berg");
        await Expect(auditor.Locator("#diff tr", new() { HasText = "status" }).Locator("td.was")).ToHaveTextAsync("flagged");
        await Expect(auditor.Locator("#diff")).ToContainTextAsync("Labour force survey, March");
        await FactDeskSite.ScreenshotAsync(auditor, "history");
    }

    [Fact]
    public async Task The_audit_page_starts_with_the_newest_event_and_names_streams_by_quote_and_title()
    {
        var documentId = await IngestAsync("Harbour figures");
        var claimId = await site.FlagAsync("Ships queued for 9 days at the harbour");
        await site.PostAsync(Roles.Editor, $"/api/claims/{claimId}/assignment", new { assignee = "Jon Berg" });

        var auditor = await site.SignInAsync(Roles.Auditor);
        await auditor.GotoAsync("/audit");
        var first = auditor.Locator("table.audit tbody tr").First;
        await Expect(first).ToContainTextAsync("claim-assigned.v1");
        await Expect(first.Locator("td[data-label=Stream] a")).ToHaveTextAsync("Ships queued for 9 days at the harbour");
        await Expect(auditor.Locator($"table.audit a[href='/documents/{documentId}']").First).ToHaveTextAsync("Harbour figures");
        var positions = (await auditor.Locator("table.audit td[data-label=Position]").AllInnerTextsAsync()).Select(long.Parse).ToList();
        positions.ShouldBe(positions.OrderDescending().ToList());

        await auditor.Locator("#audit-order").SelectOptionAsync("asc");
        await auditor.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(auditor.Locator("table.audit caption")).ToContainTextAsync("oldest first");
        var ascending = (await auditor.Locator("table.audit td[data-label=Position]").AllInnerTextsAsync()).Select(long.Parse).ToList();
        ascending.ShouldBe(ascending.Order().ToList());
    }

    [Fact]
    public async Task An_auditor_reads_everything_but_has_no_actions_and_a_forged_post_is_refused()
    {
        var claimId = await site.FlagAsync("The port handled 40 million containers");
        var auditor = await site.SignInAsync(Roles.Auditor);
        await auditor.GotoAsync($"/claims/{claimId}");
        await Expect(auditor.Locator("main")).ToContainTextAsync("40 million containers");
        // The only form an auditor sees is the sign-out in the masthead.
        await Expect(auditor.Locator("main form")).ToHaveCountAsync(0);
        await Expect(auditor.Locator(".actions")).ToContainTextAsync("change nothing");

        // A hand-made POST with the auditor's own session and a valid anti-forgery token is still refused by role.
        var token = await auditor.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var forged = await auditor.Context.APIRequest.PostAsync($"/claims/{claimId}/assign", new()
        {
            Form = FormWith(auditor, ("__RequestVerificationToken", token!), ("assignee", "Audrey Kim"), ("version", "1")),
            MaxRedirects = 0,
        });
        Assert.Equal(403, forged.Status);

        var claim = await site.GetAsync($"/api/claims/{claimId}");
        Assert.Equal(1, claim.GetProperty("version").GetInt64());

        await auditor.GotoAsync("/audit");
        await Expect(auditor.Locator("#verification")).ToContainTextAsync("Log verified");
        await Expect(auditor.Locator("table.audit")).ToContainTextAsync("claim-flagged.v1");
        await auditor.Locator("#audit-actor").FillAsync("nobody-by-this-name");
        await auditor.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(auditor.Locator("table.audit")).ToContainTextAsync("No events match");
        await auditor.Locator("#audit-actor").FillAsync("cms-plugin");
        await auditor.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(auditor.Locator("table.audit")).ToContainTextAsync("cms-plugin");
        await FactDeskSite.ScreenshotAsync(auditor, "audit");
    }

    [Fact]
    public async Task A_form_post_without_the_anti_forgery_token_changes_nothing()
    {
        var claimId = await site.FlagAsync("Rents doubled since 2015");
        var editor = await site.SignInAsync(Roles.Editor);
        var forged = await editor.Context.APIRequest.PostAsync($"/claims/{claimId}/dismiss", new()
        {
            Form = FormWith(editor, ("reason", "forged"), ("version", "1")),
            MaxRedirects = 0,
        });
        Assert.Equal(400, forged.Status);
        Assert.Contains("could not be verified", await forged.TextAsync());
        Assert.Equal("flagged", (await site.GetAsync($"/api/claims/{claimId}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Bad_input_on_the_pages_answers_a_page_never_a_server_error()
    {
        var claimId = await site.FlagAsync("Sales grew 7% in May");
        var editor = await site.SignInAsync(Roles.Editor);
        var request = editor.Context.APIRequest;

        Assert.Equal(400, (await request.GetAsync("/claims/not-an-id")).Status);
        Assert.Equal(404, (await request.GetAsync($"/claims/{Guid.NewGuid()}")).Status);
        var history = await request.GetAsync($"/claims/{claimId}/history?version=abc&from=99");
        Assert.Equal(200, history.Status);
        Assert.Contains("version must be a version from 1 to 1", await history.TextAsync());
        var queue = await request.GetAsync("/?priority=bogus&status=%3Cb%3E");
        Assert.Equal(200, queue.Status);
        Assert.Contains("The status &#39;&lt;b&gt;&#39; is not an open status", await queue.TextAsync());
        var json = await request.PostAsync($"/claims/{claimId}/assign", new()
        {
            DataString = "{\"assignee\":\"x\"}", Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" }, MaxRedirects = 0,
        });
        Assert.Equal(415, json.Status);
        Assert.Equal(1, (await site.GetAsync($"/api/claims/{claimId}")).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_stale_form_is_refused_with_a_clear_message_and_does_not_overwrite()
    {
        var claimId = await site.FlagAsync("Inflation is at 2%");
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/claims/{claimId}");

        // Someone else assigns the claim after the page was opened.
        await site.PostAsync(Roles.Editor, $"/api/claims/{claimId}/assignment", new { assignee = "Jon Berg" }, nth: 1);

        await editor.Locator("#assign-assignee").SelectOptionAsync("Mara Lind");
        await editor.Locator("#form-assign button").ClickAsync();
        await Expect(editor.Locator("#form-assign .form-refusal"))
            .ToHaveTextAsync("This claim was changed by someone else since you opened it. The page now shows it as it stands: check it, then send the form again.");
        Assert.Equal("Jon Berg", (await site.GetAsync($"/api/claims/{claimId}")).GetProperty("assignee").GetString());
    }

    [Fact]
    public async Task A_refused_form_shows_the_message_next_to_the_field()
    {
        var claimId = await site.FlagAsync("Crime fell by a third");
        await site.PostAsync(Roles.SeniorEditor, $"/api/claims/{claimId}/assignment", new { assignee = "Mara Lind" });
        await site.PostAsync(Roles.Tool, $"/api/claims/{claimId}/sources", new { citation = "Police recorded crime, 2025", stance = "contradicts" });
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/claims/{claimId}");
        // A missing summary is marked on its field, and what was chosen stays chosen.
        await editor.Locator("#verdict-rating").SelectOptionAsync("false");
        await editor.Locator("#verdict-summary").EvaluateAsync("e => e.removeAttribute('required')");
        await editor.Locator("#form-verdict button").ClickAsync();
        await Expect(editor.Locator("#verdict-summary-error")).ToContainTextAsync("summary is required");
        await Expect(editor.Locator("#verdict-summary")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(editor.Locator("#verdict-rating")).ToHaveValueAsync("false");

        await editor.Locator("#verdict-summary").FillAsync("Police data shows a 5% fall.");
        await editor.Locator("#form-verdict button").ClickAsync();
        await Expect(editor.Locator("#verdict-h + p")).ToContainTextAsync("false");
    }

    [Fact]
    public async Task Proposing_a_verdict_is_offered_only_once_the_claim_can_take_one_and_says_what_it_waits_for()
    {
        var claimId = await site.FlagAsync("Burglaries halved since 2019");
        var editor = await site.SignInAsync(Roles.Editor);

        await editor.GotoAsync($"/claims/{claimId}");
        await Expect(editor.Locator("#verdict-why")).ToContainTextAsync("Assign the claim first");
        await Expect(editor.Locator("#verdict-rating")).ToHaveCountAsync(0);

        await site.PostAsync(Roles.SeniorEditor, $"/api/claims/{claimId}/assignment", new { assignee = "Mara Lind" });
        await editor.GotoAsync($"/claims/{claimId}");
        await Expect(editor.Locator("#verdict-why")).ToContainTextAsync("Attach a source first");
        await Expect(editor.Locator("#verdict-rating")).ToHaveCountAsync(0);

        await site.PostAsync(Roles.Tool, $"/api/claims/{claimId}/sources", new { citation = "Crime survey 2025", stance = "contradicts" });
        await editor.GotoAsync($"/claims/{claimId}");
        await Expect(editor.Locator("#verdict-rating")).ToBeVisibleAsync();
        await Expect(editor.Locator("#verdict-why")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Claims_are_assigned_by_choosing_someone_on_the_desk()
    {
        var claimId = await site.FlagAsync("Arrests rose 8% in a year");
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/claims/{claimId}");
        var choices = await editor.Locator("#assign-assignee option").AllInnerTextsAsync();
        choices.ShouldContain("Jon Berg");
        choices.ShouldContain("Ines Vale");
        choices.ShouldNotContain("cms-plugin");
        choices.ShouldNotContain("Audrey Kim");
        await editor.Locator("#assign-assignee").SelectOptionAsync("Jon Berg");
        await editor.Locator("#form-assign button").ClickAsync();
        await Expect(editor.Locator("dl.facts")).ToContainTextAsync("Jon Berg");
    }

    [Fact]
    public async Task Every_page_has_an_icon_and_the_browsers_favicon_request_is_answered()
    {
        using var http = new HttpClient { BaseAddress = new Uri(site.BaseUrl) };
        var icon = await http.GetAsync("/favicon.ico");
        icon.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        icon.Content.Headers.ContentType?.MediaType.ShouldBe("image/svg+xml");
        (await icon.Content.ReadAsStringAsync()).ShouldContain("<svg");
        var page = await site.SignInAsync(Roles.Auditor);
        await Expect(page.Locator("link[rel=icon]")).ToHaveAttributeAsync("href", "/static/favicon.svg");
    }

    [Fact]
    public async Task A_script_in_a_quote_is_shown_as_text_and_never_runs()
    {
        const string quote = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\"> said 90% \"agree\" & more";
        var claimId = await site.FlagAsync(quote, "urgent");
        var editor = await site.SignInAsync(Roles.Editor);

        await editor.GotoAsync("/");
        await Expect(editor.Locator("#queue-rows")).ToContainTextAsync("<script>window.pwned = 1</script>");
        await editor.GotoAsync($"/claims/{claimId}");
        await Expect(editor.Locator("blockquote mark")).ToHaveTextAsync(quote);
        Assert.Equal(0, await editor.Locator("main script, main img").CountAsync());
        Assert.True(await editor.EvaluateAsync<bool>("() => typeof window.pwned === 'undefined'"));
    }

    [Fact]
    public async Task The_queue_puts_urgent_claims_first_marks_overdue_ones_and_updates_without_a_reload()
    {
        var overdue = await site.FlagAsync("Wages rose 4% last quarter", "high", dueAt: DateTimeOffset.UtcNow.AddHours(-2));
        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync("/");
        await Expect(editor.Locator($"tr[data-claim='{overdue}'] td.overdue")).ToContainTextAsync("overdue");

        // A tool flags an urgent claim while the page is open: it appears, at the top, without a reload.
        var urgent = await site.FlagAsync("Half of all homes lack broadband", "urgent");
        await Expect(editor.Locator($"tr[data-claim='{urgent}']")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(editor.Locator("#queue-rows tr").First).ToHaveAttributeAsync("data-claim", urgent.ToString());

        // Filtering by priority narrows the rows in place.
        await editor.Locator("#filter-priority").SelectOptionAsync("high");
        await Expect(editor.Locator($"tr[data-claim='{urgent}']")).ToHaveCountAsync(0);
        await Expect(editor.Locator($"tr[data-claim='{overdue}']")).ToBeVisibleAsync();
        await editor.Locator("#filter-priority").SelectOptionAsync("");
        await Expect(editor.Locator($"tr[data-claim='{urgent}']")).ToBeVisibleAsync();
        await FactDeskSite.ScreenshotAsync(editor, "queue");

        var phone = await site.SignInAsync(Roles.Editor, width: 390, height: 844);
        await phone.GotoAsync("/");
        await Expect(phone.Locator($"tr[data-claim='{urgent}']")).ToBeVisibleAsync();
        // Stacked rows: no horizontal scrolling at a phone's width.
        Assert.True(await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"));
        await FactDeskSite.ScreenshotAsync(phone, "queue-phone");
    }

    [Fact]
    public async Task Signing_in_needs_a_known_token_and_the_pages_need_a_session()
    {
        var context = await site.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/audit");
        Assert.Contains("/signin?returnUrl=%2Faudit", page.Url);

        await page.GetByLabel("Your FactDesk token").FillAsync("not-a-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#signin-token-error")).ToHaveTextAsync("That token is not known to FactDesk.");
        await FactDeskSite.ScreenshotAsync(page, "signin");

        await page.GetByLabel("Your FactDesk token").FillAsync(FactDeskSite.Person(Roles.Auditor).Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/audit$"));
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == PageSessions.CookieName);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(FactDeskSite.Person(Roles.Auditor).Token, cookie.Value);

        // The JSON API does not take the page cookie: it keeps bearer tokens.
        var api = await context.APIRequest.GetAsync("/api/discrepancies");
        Assert.Equal(401, api.Status);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/signin$"));
        await page.GotoAsync("/");
        Assert.Contains("/signin", page.Url);
    }

    [Fact]
    public async Task The_discrepancy_page_shows_both_sides_and_an_editor_resolves_it()
    {
        var documentId = await IngestAsync("Two counts of models");
        var first = await site.FlagAsync("China is home to 36% of all large language models", documentId: documentId);
        var second = await site.FlagAsync("China accounts for 26% of large language models");
        var discrepancy = (await site.PostAsync(Roles.Tool, "/api/discrepancies", new
        {
            claimIds = new[] { first, second }, kind = "numeric", description = "36% in one article, 26% in another",
            values = new[] { new { side = "The AI race", says = "36%" }, new { side = "Second article", says = "26%" } },
        })).GetProperty("id").GetGuid();

        var editor = await site.SignInAsync(Roles.Editor);
        await editor.GotoAsync($"/claims/{first}");
        await Expect(editor.Locator("article.discrepancy")).ToContainTextAsync("36% in one article, 26% in another");

        await editor.GotoAsync($"/discrepancies/{discrepancy}");
        var sides = editor.Locator("table.sides tbody tr");
        await Expect(sides.Nth(0)).ToContainTextAsync("The AI race");
        await Expect(sides.Nth(0)).ToContainTextAsync("36%");
        await Expect(sides.Nth(1)).ToContainTextAsync("26%");
        await FactDeskSite.ScreenshotAsync(editor, "discrepancy");

        await editor.Locator("#resolve-outcome").SelectOptionAsync("sources-disagree");
        await editor.Locator("#resolve-rationale").FillAsync("The two papers count different kinds of model.");
        await editor.Locator("#form-resolve button").ClickAsync();
        await Expect(editor.Locator("#resolution-h + p")).ToContainTextAsync("sources-disagree");
        Assert.Equal("resolved", (await site.GetAsync($"/api/discrepancies/{discrepancy}")).GetProperty("status").GetString());

        await editor.GotoAsync($"/documents/{documentId}");
        await Expect(editor.Locator(".article-text mark.flagged")).ToContainTextAsync("36% of all large language models");
    }

    private static IFormData FormWith(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.Context.APIRequest.CreateFormData();
        foreach (var (name, value) in fields) form.Set(name, value);
        return form;
    }
}

/// <summary>Which requests may fall back from the bearer scheme to the page session cookie.</summary>
public sealed class PageFeedCookieTests
{
    private static Microsoft.AspNetCore.Http.DefaultHttpContext Request(string method, string path, bool cookie, string? authorization = null)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        if (cookie) http.Request.Headers.Cookie = $"{PageSessions.CookieName}=abc";
        if (authorization is not null) http.Request.Headers.Authorization = authorization;
        return http;
    }

    [Fact]
    public void Only_the_queue_feed_read_with_a_session_cookie_and_no_bearer_header_uses_the_cookie()
    {
        Assert.True(PageSessionHandler.IsPageFeed(Request("GET", "/api/queue/events", cookie: true).Request));
        Assert.False(PageSessionHandler.IsPageFeed(Request("GET", "/api/queue/events", cookie: false).Request));
        Assert.False(PageSessionHandler.IsPageFeed(Request("GET", "/api/queue/events", cookie: true, "Bearer t").Request));
        Assert.False(PageSessionHandler.IsPageFeed(Request("GET", "/api/queue", cookie: true).Request));
        Assert.False(PageSessionHandler.IsPageFeed(Request("POST", "/api/queue/events", cookie: true).Request));
        Assert.False(PageSessionHandler.IsPageFeed(Request("POST", "/api/claims", cookie: true).Request));
    }
}
