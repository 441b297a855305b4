using System.Diagnostics;
using System.Net;
using FactDesk.Api.Http;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Api.Tests.HostileInput;

public class ApiForHostileTextOnPages : FactDeskApi;

/// <summary>What hostile text does to the editors' pages: bidi controls stay inside their own text, long texts come in pages.</summary>
public class HostileTextPagesTests(ApiForHostileTextOnPages api, ITestOutputHelper output) : IClassFixture<ApiForHostileTextOnPages>
{
    private async Task<string> PageAsync(string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var person = FactDeskApi.People.First(p => p.Role == Roles.Editor);
        var session = await SigningIn.PageSignIn.SessionCookieAsync(api, person.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", session);
        var response = await api.CreateClient().SendAsync(request);
        response.StatusCode.ShouldBe(expected);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Bidi_controls_in_a_quote_a_reason_and_an_article_stay_isolated_on_every_page_that_shows_them()
    {
        const string quote = "\u202eRents rose 9% last year";
        var document = await api.IngestAsync($"Housing report. {quote}, the survey said. Wages rose 4%.", title: "\u202eHousing");
        var documentId = document.GetProperty("id").GetGuid();
        var flag = await api.Tool.PostJsonAsync("/api/claims", new { quote, reason = "\u202ea rate", documentId });
        flag.StatusCode.ShouldBe(HttpStatusCode.Created, await flag.Content.ReadAsStringAsync());
        var claimId = (await flag.ReadJsonAsync()).GetProperty("id").GetGuid();

        var claimPage = await PageAsync($"/claims/{claimId}");
        claimPage.ShouldContain("<mark dir=\"auto\">\u202eRents rose 9% last year</mark>");
        claimPage.ShouldContain("<bdi>\u202ea rate</bdi>");
        claimPage.ShouldContain("<bdi>\u202eHousing</bdi>");

        var queuePage = await PageAsync("/");
        queuePage.ShouldContain("<bdi>\u202eRents rose 9% last year</bdi>");

        var documentPage = await PageAsync($"/documents/{documentId}");
        documentPage.ShouldContain("<div class=\"article-text\" dir=\"auto\">");
        documentPage.ShouldContain("dir=\"auto\" title=\"Flagged claim\">\u202eRents rose 9% last year</mark>");
        documentPage.ShouldContain("<strong><bdi>\u202eHousing</bdi></strong>");
        // Every bidi control of the article sits inside an isolating element, never loose between them.
        documentPage.Split('\u202e').Skip(1).Count().ShouldBe(documentPage.Split('\u202e').Length - 1);
    }

    [Theory]
    [InlineData("+02:00", HttpStatusCode.SeeOther)]
    [InlineData("-0930", HttpStatusCode.SeeOther)]
    [InlineData("", HttpStatusCode.SeeOther)]
    [InlineData("garbage", HttpStatusCode.SeeOther)]
    public async Task The_documents_flag_form_takes_a_due_date_with_any_offset_and_stores_it_in_UTC(string offset, HttpStatusCode expected)
    {
        var documentId = (await api.IngestAsync("Exports grew 14% in 2024, customs said.")).GetProperty("id").GetGuid();
        var person = FactDeskApi.People.First(p => p.Role == Roles.Editor);
        var session = await SigningIn.PageSignIn.SessionCookieAsync(api, person.Token);
        var browser = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var get = new HttpRequestMessage(HttpMethod.Get, $"/documents/{documentId}");
        get.Headers.Add("Cookie", session);
        var form = await browser.SendAsync(get);
        var html = await form.Content.ReadAsStringAsync();
        var antiforgery = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var antiforgeryCookie = form.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("factdesk_antiforgery=")).Split(';')[0];

        var due = DateTimeOffset.UtcNow.AddDays(2);
        var given = offset == "garbage" ? "the day after tomorrow"
            : due.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture) + offset;
        using var post = new HttpRequestMessage(HttpMethod.Post, $"/documents/{documentId}/claims")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = antiforgery, ["form"] = "flag", ["quote"] = "Exports grew 14% in 2024",
                ["reason"] = "a rate", ["priority"] = "normal", ["dueAt"] = given,
            }),
        };
        post.Headers.Add("Cookie", $"{session}; {antiforgeryCookie}");
        var answer = await browser.SendAsync(post);
        answer.StatusCode.ShouldBe(expected, await answer.Content.ReadAsStringAsync());
        if (offset == "garbage")
        {
            // Refused, post/redirect/get: back to the document page, where the refusal is shown once.
            var back = answer.Headers.Location!.ToString();
            back.ShouldStartWith($"/documents/{documentId}?refused=");
            using var refusal = new HttpRequestMessage(HttpMethod.Get, back);
            refusal.Headers.Add("Cookie", session);
            (await (await browser.SendAsync(refusal)).Content.ReadAsStringAsync()).ShouldContain("dueAt must be a date and time.");
            return;
        }
        answer.Headers.Location!.ToString().ShouldStartWith("/claims/");
        var claimId = answer.Headers.Location!.ToString().Split('/').Last();
        var stored = (await (await api.Auditor.GetAsync($"/api/claims/{claimId}")).ReadJsonAsync()).GetProperty("dueAt").GetDateTimeOffset();
        stored.Offset.ShouldBe(TimeSpan.Zero);
        var expectedUtc = DateTimeOffset.Parse(given.Length == 16 ? given + "Z" : offset == "-0930" ? given[..16] + "-09:30" : given,
            System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();
        stored.ShouldBe(expectedUtc);
    }

    [Fact]
    public async Task A_million_characters_of_figures_are_ingested_within_the_detection_budget_and_its_page_comes_in_pages()
    {
        const string figures = "Prices rose 12% to $4.5 million in March 2024, the 3rd rise in 7 years.\n";
        var text = string.Concat(Enumerable.Repeat(figures, 1_000_000 / figures.Length));
        var clock = Stopwatch.StartNew();
        var ingested = await api.IngestAsync(text, title: "Figures");
        var ingestSeconds = clock.Elapsed.TotalSeconds;
        var id = ingested.GetProperty("id").GetGuid();
        var notScannedFrom = ingested.GetProperty("notScannedFrom").GetInt32();
        notScannedFrom.ShouldBeInRange(1, text.Length - 1);
        ingested.GetProperty("candidates").EnumerateArray().ShouldAllBe(c => c.GetProperty("start").GetInt32() < notScannedFrom);
        (await (await api.Auditor.GetAsync($"/api/documents/{id}")).ReadJsonAsync()).GetProperty("notScannedFrom").GetInt32().ShouldBe(notScannedFrom);

        clock.Restart();
        var first = await PageAsync($"/documents/{id}");
        var renderSeconds = clock.Elapsed.TotalSeconds;
        first.ShouldContain("ran out of time");
        var pages = FactDesk.Api.Pages.DocumentPage.PageStarts(text).Count;
        first.ShouldContain($"Page 1 of {pages}");
        first.Length.ShouldBeLessThan(600_000);
        var last = await PageAsync($"/documents/{id}?page={pages}");
        last.ShouldContain($"Page {pages} of {pages}");
        last.ShouldContain("None on this page.");
        (await PageAsync($"/documents/{id}?page=999999")).ShouldContain($"Page {pages} of {pages}");
        output.WriteLine($"1,000,000 characters of figures: ingested in {ingestSeconds:0.00} s, not scanned from {notScannedFrom:N0}; " +
                         $"first page {first.Length:N0} characters of HTML in {renderSeconds:0.00} s, {pages} pages");
    }
}
