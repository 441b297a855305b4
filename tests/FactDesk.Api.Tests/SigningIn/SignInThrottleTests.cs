using System.Net;
using System.Text.RegularExpressions;
using FactDesk.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace FactDesk.Api.Tests.SigningIn;

/// <summary>
/// The service behind a newsroom proxy at 10.0.0.5 (the only trusted one). The in-memory server has no sockets, so each
/// request names the peer it comes from in <c>X-Test-Peer</c>, set as the connection's address before anything else runs.
/// </summary>
public class ApiBehindAProxy : FactDeskApi
{
    public const string Proxy = "10.0.0.5";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("ForwardedHeaders:KnownProxies:0", Proxy);
        builder.ConfigureServices(services => services.AddTransient<IStartupFilter, PeerFromTestHeader>());
    }

    public HttpClient From(string peer, string? forwardedFor = null, string? token = null)
    {
        var client = CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-Test-Peer", peer);
        if (forwardedFor is not null) client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        if (token is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + token);
        return client;
    }

    private sealed class PeerFromTestHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, following) =>
            {
                if (IPAddress.TryParse(http.Request.Headers["X-Test-Peer"], out var peer)) http.Connection.RemoteIpAddress = peer;
                return following(http);
            });
            next(app);
        };
    }
}

public class SignInThrottleTests(ApiBehindAProxy api) : IClassFixture<ApiBehindAProxy>
{
    private static string Valid(string role) => FactDeskApi.People.First(p => p.Role == role).Token;

    private static async Task<List<int>> GuessAsync(HttpClient client, int times)
    {
        var statuses = new List<int>();
        for (var i = 0; i < times; i++) statuses.Add((int)(await client.GetAsync("/api/queue?limit=1")).StatusCode);
        return statuses;
    }

    [Fact]
    public async Task An_attacker_behind_the_proxy_is_throttled_while_the_newsroom_behind_the_same_proxy_works_on()
    {
        using var attacker = api.From(ApiBehindAProxy.Proxy, "198.51.100.66", token: "guessing-0000");
        var statuses = await GuessAsync(attacker, SignInThrottle.MaxFailures + 3);
        statuses.Take(SignInThrottle.MaxFailures).ShouldAllBe(s => s == 401);
        statuses.Skip(SignInThrottle.MaxFailures).ShouldAllBe(s => s == 429);
        var throttled = await attacker.GetAsync("/api/queue?limit=1");
        throttled.Headers.RetryAfter?.Delta.ShouldNotBeNull();
        throttled.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");

        // The same proxy, other people: a valid token works, a mistyped one is a plain 401, health answers everyone.
        using var colleague = api.From(ApiBehindAProxy.Proxy, "198.51.100.77", token: Valid(Roles.Editor));
        (await colleague.GetAsync("/api/queue?limit=1")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var typo = api.From(ApiBehindAProxy.Proxy, "198.51.100.77", token: Valid(Roles.Editor) + "x");
        (await typo.GetAsync("/api/queue?limit=1")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var health = api.From(ApiBehindAProxy.Proxy, "198.51.100.66", token: "guessing-0000");
        (await health.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_valid_token_is_never_refused_even_from_the_address_whose_guesses_are_throttled()
    {
        using var guesser = api.From("192.0.2.40", token: "valid-looking-guess");
        (await GuessAsync(guesser, SignInThrottle.MaxFailures + 1)).Last().ShouldBe(429);
        using var sameAddress = api.From("192.0.2.40", token: Valid(Roles.Tool));
        (await sameAddress.GetAsync("/api/queue?limit=1")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await sameAddress.PostJsonAsync("/api/claims", new { quote = "Rents rose 9%", reason = "a rate" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        // The sign-in page too: the right token signs in from the throttled address.
        using var browser = api.From("192.0.2.40");
        var form = await (await browser.GetAsync("/signin")).Content.ReadAsStringAsync();
        var antiforgery = Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var wrong = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
            { ["__RequestVerificationToken"] = antiforgery, ["token"] = "valid-looking-guess", ["returnUrl"] = "/" }));
        ((int)wrong.StatusCode).ShouldBe(429);
        var right = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
            { ["__RequestVerificationToken"] = antiforgery, ["token"] = Valid(Roles.Editor), ["returnUrl"] = "/" }));
        right.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
    }

    [Fact]
    public async Task X_Forwarded_For_from_a_peer_that_is_not_a_configured_proxy_is_ignored()
    {
        // 20 failures claiming to come from many clients all count against the peer that really sent them.
        for (var i = 0; i < SignInThrottle.MaxFailures; i++)
        {
            using var liar = api.From("203.0.113.9", $"198.51.100.{i + 1}", token: "spoofed-guess");
            (await liar.GetAsync("/api/queue?limit=1")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        using var next = api.From("203.0.113.9", "198.51.100.200", token: "spoofed-guess");
        ((int)(await next.GetAsync("/api/queue?limit=1")).StatusCode).ShouldBe(429);
        // Loopback is not trusted by default either.
        using var local = api.From("127.0.0.1", "203.0.113.9", token: "spoofed-guess");
        (await local.GetAsync("/api/queue?limit=1")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Guesses_that_vary_the_token_are_stopped_by_the_wider_limit_per_address()
    {
        var statuses = new List<int>();
        for (var i = 0; i < SignInThrottle.MaxFailuresPerAddress + 5; i++)
        {
            using var sprayer = api.From("192.0.2.77", token: $"{i:D8}-spray");
            statuses.Add((int)(await sprayer.GetAsync("/api/queue?limit=1")).StatusCode);
        }
        statuses.Take(SignInThrottle.MaxFailuresPerAddress).ShouldAllBe(s => s == 401);
        statuses.Skip(SignInThrottle.MaxFailuresPerAddress).ShouldAllBe(s => s == 429);
        using var stillValid = api.From("192.0.2.77", token: Valid(Roles.Auditor));
        (await stillValid.GetAsync("/api/queue?limit=1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
