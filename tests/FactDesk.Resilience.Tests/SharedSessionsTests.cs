using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Shouldly;

namespace FactDesk.Resilience.Tests;

/// <summary>
/// Page sessions and anti-forgery tokens shared by two real instances on one database, as behind a load balancer
/// without sticky sessions: Data Protection keys and session records live in PostgreSQL.
/// </summary>
public partial class SharedSessionsTests
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static HttpClient Browser(ServiceProcess instance) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = instance.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };

    /// <summary>A page's anti-forgery field and cookie, as the browser holds them after loading it.</summary>
    private static async Task<(string Field, string Cookie)> FormTokensAsync(HttpClient browser, string path, string session)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, path);
        if (session.Length > 0) get.Headers.Add("Cookie", session);
        var page = await browser.SendAsync(get);
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        var cookie = page.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("factdesk_antiforgery=")).Split(';')[0];
        return (AntiforgeryField().Match(html).Groups[1].Value, cookie);
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path, string cookies, Dictionary<string, string> fields)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        post.Headers.Add("Cookie", cookies);
        return await browser.SendAsync(post);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient browser, string path, string session)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, path);
        get.Headers.Add("Cookie", session);
        return await browser.SendAsync(get);
    }

    [Fact]
    public async Task A_session_begun_on_one_instance_works_on_the_other_survives_restarts_of_both_and_ends_on_both_at_sign_out()
    {
        var connectionString = await PostgresServer.CreateDatabaseForAsync("shared_sessions");
        var settings = new Dictionary<string, string> { ["PageSessions__RecheckAfter"] = "00:00:01" };
        await using var first = new ServiceProcess(connectionString, settings: settings);
        await using var second = new ServiceProcess(connectionString, settings: settings);
        await first.StartAsync();
        await second.StartAsync();
        using var toFirst = Browser(first);
        using var toSecond = Browser(second);
        var editor = Newsroom.People.First(p => p.Role == Roles.Editor);

        // Sign in on the first: the sign-in form's anti-forgery token, then the token.
        var signInForm = await FormTokensAsync(toFirst, "/signin", "");
        var signedIn = await PostFormAsync(toFirst, "/signin", signInForm.Cookie,
            new() { ["__RequestVerificationToken"] = signInForm.Field, ["token"] = editor.Token, ["returnUrl"] = "/" });
        signedIn.StatusCode.ShouldBe(HttpStatusCode.SeeOther, string.Join('\n', first.Output.TakeLast(30)));
        var session = signedIn.Headers.GetValues("Set-Cookie").First(c => c.StartsWith(PageSessions.CookieName + "=")).Split(';')[0];

        // A form loaded from the first is posted to the second, with the first's anti-forgery token.
        using var tool = Newsroom.Client(first.BaseAddress, Roles.Tool);
        var ingested = await tool.PostAsJsonAsync("/api/documents", new { title = "Port figures", text = "Exports grew 14% in 2024, customs said.", publishedOn = "2025-02-01", language = "en" });
        ingested.StatusCode.ShouldBe(HttpStatusCode.Created, await ingested.Content.ReadAsStringAsync());
        var documentId = (await ingested.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
        var flagForm = await FormTokensAsync(toFirst, $"/documents/{documentId}", session);
        var flagged = await PostFormAsync(toSecond, $"/documents/{documentId}/claims", $"{session}; {flagForm.Cookie}", new()
        {
            ["__RequestVerificationToken"] = flagForm.Field, ["form"] = "flag", ["quote"] = "Exports grew 14% in 2024", ["reason"] = "a rate", ["priority"] = "normal",
        });
        flagged.StatusCode.ShouldBe(HttpStatusCode.SeeOther, await flagged.Content.ReadAsStringAsync());
        var claimPath = flagged.Headers.Location!.ToString();
        claimPath.ShouldStartWith("/claims/");

        // A refusal kept by the second (post/redirect/get) is shown by the first.
        var refused = await PostFormAsync(toSecond, $"/documents/{documentId}/claims", $"{session}; {flagForm.Cookie}", new()
        {
            ["__RequestVerificationToken"] = flagForm.Field, ["form"] = "flag", ["quote"] = "Exports grew 14% in 2024", ["reason"] = "a rate",
            ["priority"] = "normal", ["dueAt"] = "the day after tomorrow",
        });
        refused.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        var back = refused.Headers.Location!.ToString();
        back.ShouldContain("refused=");
        (await (await GetAsync(toFirst, back, session)).Content.ReadAsStringAsync()).ShouldContain("dueAt must be a date and time.");

        // Both instances restart: the editor is still signed in on each.
        await first.KillAsync();
        await second.KillAsync();
        await first.StartAsync();
        await second.StartAsync();
        foreach (var browser in new[] { toFirst, toSecond })
        {
            var page = await GetAsync(browser, claimPath, session);
            page.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await page.Content.ReadAsStringAsync()).ShouldContain(WebUtility.HtmlEncode(editor.Name));
        }

        // Sign out on the second, with a form the first served: the session ends on both.
        var signOutForm = await FormTokensAsync(toFirst, "/", session);
        var signedOut = await PostFormAsync(toSecond, "/signout", $"{session}; {signOutForm.Cookie}", new() { ["__RequestVerificationToken"] = signOutForm.Field });
        signedOut.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        signedOut.Headers.Location!.ToString().ShouldBe("/signin");
        (await GetAsync(toSecond, "/", session)).StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        // The first may trust its last check for PageSessions:RecheckAfter (1 s here): poll with a deadline.
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        while ((status = (await GetAsync(toFirst, "/", session)).StatusCode) == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(20))
            await Task.Delay(100);
        status.ShouldBe(HttpStatusCode.SeeOther);
        var login = await GetAsync(toFirst, claimPath, session);
        login.Headers.Location!.ToString().ShouldStartWith("/signin?returnUrl=");
    }
}
