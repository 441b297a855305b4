using System.Net;
using System.Net.Http.Headers;
using FactDesk.Api.Http;
using Microsoft.AspNetCore.Hosting;
using Shouldly;

namespace FactDesk.Api.Tests.SigningIn;

/// <summary>FactDesk with the newsroom's issuer configured: its people's groups map to FactDesk's roles.</summary>
public class ApiWithIssuer : FactDeskApi
{
    public const string Audience = "factdesk-api";
    public const string PagesClient = "factdesk-pages";
    public TestIssuer Issuer { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Issuer = await TestIssuer.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Issuer.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Identity:Authority", Issuer.Url);
        builder.UseSetting("Identity:Audience", Audience);
        builder.UseSetting("Identity:ClientId", PagesClient);
        builder.UseSetting("Identity:RequireHttpsMetadata", "false");
        builder.UseSetting("Identity:RoleClaim", "groups");
        builder.UseSetting("Identity:NameClaim", "preferred_username");
        builder.UseSetting("Identity:Roles:newsroom-desk", Roles.Editor);
        builder.UseSetting("Identity:Roles:newsroom-chiefs", Roles.SeniorEditor);
        builder.UseSetting("Identity:Roles:newsroom-audit", Roles.Auditor);
    }

    public static Dictionary<string, object> Person(string name, params string[] groups)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "sub-" + name.Replace(' ', '-'), ["preferred_username"] = name, ["name"] = "Display " + name };
        if (groups.Length > 0) claims["groups"] = groups;
        return claims;
    }

    public HttpClient WithToken(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

public class IssuerTokenTests(ApiWithIssuer api) : IClassFixture<ApiWithIssuer>
{
    private static readonly object Flag = new { quote = "Turnout rose to 71% in the city", reason = "a figure to check", priority = "normal" };

    [Fact]
    public async Task A_valid_issuer_token_works_end_to_end_and_the_event_names_the_person_and_mapped_role()
    {
        var token = api.Issuer.Issue(ApiWithIssuer.Person("Rosa Ek", "staff", "newsroom-desk"), ApiWithIssuer.Audience);
        var flagged = await api.WithToken(token).PostJsonAsync("/api/claims", Flag);
        flagged.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await flagged.ReadJsonAsync()).GetProperty("id").GetGuid();

        var history = await api.Auditor.GetAsync($"/api/claims/{id}/history");
        var first = (await history.ReadJsonAsync()).GetProperty("events")[0];
        first.GetProperty("actor").GetString().ShouldBe("Rosa Ek");
        first.GetProperty("role").GetString().ShouldBe(Roles.Editor);
    }

    [Fact]
    public async Task The_most_capable_mapped_role_wins_and_that_role_is_what_the_person_may_do()
    {
        var chief = api.Issuer.Issue(ApiWithIssuer.Person("Lena Ox", "newsroom-audit", "newsroom-chiefs"), ApiWithIssuer.Audience);
        var auditor = api.Issuer.Issue(ApiWithIssuer.Person("Ola Sund", "newsroom-audit"), ApiWithIssuer.Audience);
        (await api.WithToken(chief).GetAsync("/api/audit/verification")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var refused = await api.WithToken(auditor).PostJsonAsync("/api/claims", Flag);
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        refused.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    public static TheoryData<string> Refusals => ["expired", "wrong-audience", "wrong-issuer", "unsigned", "other-key", "no-role", "unmapped-role", "tampered"];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_bad_issuer_token_is_refused_with_401_problem_json_and_changes_nothing(string how)
    {
        var person = ApiWithIssuer.Person("Mallory Fox", "newsroom-chiefs");
        var token = how switch
        {
            "expired" => api.Issuer.Issue(person, ApiWithIssuer.Audience, expires: DateTime.UtcNow.AddMinutes(-5)),
            "wrong-audience" => api.Issuer.Issue(person, "another-api"),
            "wrong-issuer" => api.Issuer.Issue(person, ApiWithIssuer.Audience, issuer: "https://issuer.example.org"),
            "unsigned" => api.Issuer.IssueUnsigned(person, ApiWithIssuer.Audience),
            "other-key" => api.Issuer.Issue(person, ApiWithIssuer.Audience, signedWith: TestIssuer.NewKey("issuer-key-1")),
            "no-role" => api.Issuer.Issue(ApiWithIssuer.Person("Mallory Fox"), ApiWithIssuer.Audience),
            "unmapped-role" => api.Issuer.Issue(ApiWithIssuer.Person("Mallory Fox", "newsroom-interns", "senior-editor"), ApiWithIssuer.Audience),
            "tampered" => Tamper(api.Issuer.Issue(ApiWithIssuer.Person("Mallory Fox", "newsroom-desk"), ApiWithIssuer.Audience)),
            _ => throw new ArgumentOutOfRangeException(nameof(how)),
        };
        var before = await api.CountEventsAsync();

        var response = await api.WithToken(token).PostJsonAsync("/api/claims", Flag);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        response.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer");
        (await api.CountEventsAsync()).ShouldBe(before);
        (await api.WithToken(token).GetAsync("/api/queue?limit=1")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    /// <summary>Swaps the payload for one naming a senior role, keeping the original signature.</summary>
    private string Tamper(string token)
    {
        var parts = token.Split('.');
        var forged = api.Issuer.Issue(ApiWithIssuer.Person("Mallory Fox", "newsroom-chiefs"), ApiWithIssuer.Audience).Split('.');
        return $"{parts[0]}.{forged[1]}.{parts[2]}";
    }

    [Fact]
    public async Task Static_tokens_keep_working_beside_the_issuer()
    {
        (await api.Tool.PostJsonAsync("/api/claims", Flag)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await api.WithToken("not-a-token").GetAsync("/api/queue?limit=1")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
