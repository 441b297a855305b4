using System.Net;
using FactDesk.Api.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Shouldly;

namespace FactDesk.Api.Tests.SigningIn;

/// <summary>Pages sign in through the newsroom's issuer: the authorization code flow with PKCE, against the test issuer.</summary>
public class PageSignInThroughIssuerTests(ApiWithIssuer api) : IClassFixture<ApiWithIssuer>
{
    /// <summary>Follows the flow as a browser would: FactDesk's challenge, the issuer's approval, FactDesk's callback.</summary>
    private async Task<(HttpClient Browser, HttpResponseMessage Callback)> SignInThroughIssuerAsync(Dictionary<string, object> person, string returnUrl)
    {
        var browser = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var signInPage = await (await browser.GetAsync("/signin?returnUrl=" + Uri.EscapeDataString(returnUrl))).Content.ReadAsStringAsync();
        signInPage.ShouldContain($"href=\"/signin/issuer?returnUrl={Uri.EscapeDataString(returnUrl)}\"");

        var challenge = await browser.GetAsync("/signin/issuer?returnUrl=" + Uri.EscapeDataString(returnUrl));
        challenge.StatusCode.ShouldBe(HttpStatusCode.Found);
        challenge.Headers.Location!.ToString().ShouldStartWith(api.Issuer.Url + "/authorize?");

        api.Issuer.SignedInPerson = person;
        using var toIssuer = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        var approved = await toIssuer.GetAsync(challenge.Headers.Location);
        approved.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var back = approved.Headers.Location!;
        back.AbsolutePath.ShouldBe("/signin/issuer/callback");
        return (browser, await browser.GetAsync(back.PathAndQuery));
    }

    [Fact]
    public async Task A_person_of_the_newsroom_signs_in_with_code_and_PKCE_and_gets_a_page_session_with_their_mapped_role()
    {
        var redeemedBefore = api.Issuer.TokensRedeemed;
        var (browser, callback) = await SignInThroughIssuerAsync(ApiWithIssuer.Person("Rosa Ek", "newsroom-chiefs"), "/audit");

        callback.StatusCode.ShouldBe(HttpStatusCode.Found, callback.Headers.Location?.ToString());
        callback.Headers.Location!.ToString().ShouldBe("/audit");
        callback.Headers.GetValues("Set-Cookie").ShouldContain(c => c.StartsWith(PageSessions.CookieName + "=") && c.Contains("httponly"));
        api.Issuer.TokensRedeemed.ShouldBe(redeemedBefore + 1);
        var authorize = api.Issuer.Authorizations.Last();
        authorize["code_challenge_method"].ToString().ShouldBe("S256");
        authorize["client_id"].ToString().ShouldBe(ApiWithIssuer.PagesClient);

        var audit = await browser.GetAsync("/audit");
        audit.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await audit.Content.ReadAsStringAsync();
        html.ShouldContain("<bdi>Rosa Ek</bdi> <span class=\"role\">(senior-editor)</span>");
        (await api.RowsAsJsonAsync("select json_build_object('name', name, 'role', role)::text from factdesk.page_sessions where name = 'Rosa Ek'"))
            .ShouldBe(["{\"name\" : \"Rosa Ek\", \"role\" : \"senior-editor\"}"]);
    }

    [Fact]
    public async Task A_person_without_a_FactDesk_role_gets_no_session()
    {
        var (browser, callback) = await SignInThroughIssuerAsync(ApiWithIssuer.Person("Ivo Gran", "newsroom-interns"), "/");

        callback.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        callback.Headers.Location!.ToString().ShouldBe("/signin?issuer=refused");
        (callback.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : []).ShouldNotContain(c => c.StartsWith(PageSessions.CookieName + "="));
        var refusal = await browser.GetAsync(callback.Headers.Location);
        refusal.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await refusal.Content.ReadAsStringAsync()).ShouldContain("did not give you a FactDesk role");
        (await browser.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        (await api.RowsAsJsonAsync("select name from factdesk.page_sessions where name = 'Ivo Gran'")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_callback_with_a_code_the_issuer_never_gave_starts_no_session()
    {
        var browser = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var challenge = await browser.GetAsync("/signin/issuer?returnUrl=%2F");
        var state = System.Web.HttpUtility.ParseQueryString(challenge.Headers.Location!.Query)["state"];
        var forged = await browser.GetAsync($"/signin/issuer/callback?code=not-a-code&state={Uri.EscapeDataString(state!)}");
        forged.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        forged.Headers.Location!.ToString().ShouldBe("/signin?issuer=refused");
        (await browser.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.SeeOther);
    }
}
