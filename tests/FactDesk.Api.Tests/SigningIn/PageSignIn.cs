using System.Net;
using System.Text.RegularExpressions;
using FactDesk.Api.Http;
using Shouldly;

namespace FactDesk.Api.Tests.SigningIn;

/// <summary>Signs in on the pages as a person would: the sign-in form, its anti-forgery token, the token.</summary>
public static partial class PageSignIn
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    public static partial Regex AntiforgeryField();

    /// <summary>The <c>factdesk_session=...</c> pair the sign-in answered.</summary>
    public static async Task<string> SessionCookieAsync(HttpClient client, string token)
    {
        var form = await client.GetAsync("/signin");
        var html = await form.Content.ReadAsStringAsync();
        var antiforgeryCookie = form.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("factdesk_antiforgery=")).Split(';')[0];
        using var post = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = AntiforgeryField().Match(html).Groups[1].Value, ["token"] = token, ["returnUrl"] = "/",
            }),
        };
        post.Headers.Add("Cookie", antiforgeryCookie);
        var answer = await client.SendAsync(post);
        answer.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        return answer.Headers.GetValues("Set-Cookie").First(c => c.StartsWith(PageSessions.CookieName + "=")).Split(';')[0];
    }

    public static Task<string> SessionCookieAsync(FactDeskApi api, string token) =>
        SessionCookieAsync(api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false }), token);
}
