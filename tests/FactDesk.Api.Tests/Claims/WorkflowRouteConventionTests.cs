using System.Net;
using FactDesk.Api.Http;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

/// <summary>
/// What every claim workflow command shares: roles, idempotency, If-Match, bad bodies, bad ids, size. Each route is set
/// up in the situation where its command succeeds, so a refusal can only come from what the test changes.
/// </summary>
public class WorkflowRouteConventionTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    public sealed record Route(
        string Suffix, string Policy, Func<FactDeskApi, Task<ClaimAt>> Arrange, object Body, string? RequiredField, string WrongTypeField,
        Func<FactDeskApi, HttpClient> Allowed);

    public static readonly Dictionary<string, Route> Routes = new()
    {
        ["assignment"] = new("/assignment", Roles.May.Edit, a => a.FlaggedClaimAsync(), new { assignee = "Jon Berg" }, "assignee", "assignee", a => a.Editor),
        ["sources"] = new("/sources", Roles.May.Flag, a => a.FlaggedClaimAsync(), ClaimSituations.ASource, "stance", "stance", a => a.Tool),
        ["retraction"] = new("/sources/{sourceId}/retraction", Roles.May.Edit, a => a.ClaimWithSourceAsync(), new { reason = "census withdrawn" }, "reason", "reason", a => a.Editor),
        ["verdict"] = new("/verdict", Roles.May.Edit, a => a.ClaimWithSourceAsync(), ClaimSituations.AVerdict, "rating", "summary", a => a.Editor),
        ["approval"] = new("/verdict/approval", Roles.May.SignOff, a => a.ClaimWithProposedVerdictAsync(), new { note = "ok" }, null, "note", a => a.Senior),
        ["rejection"] = new("/verdict/rejection", Roles.May.SignOff, a => a.ClaimWithProposedVerdictAsync(), new { reason = "thin" }, "reason", "reason", a => a.Senior),
        ["publication"] = new("/publication", Roles.May.SignOff, a => a.ClaimWithApprovedVerdictAsync(), new { url = "https://news.example/fc" }, null, "url", a => a.Senior),
        ["reopening"] = new("/reopening", Roles.May.Edit, a => a.PublishedClaimAsync(), new { reason = "new figures" }, "reason", "reason", a => a.Editor),
        ["dismissal"] = new("/dismissal", Roles.May.Edit, a => a.FlaggedClaimAsync(), new { reason = "an opinion" }, "reason", "reason", a => a.Editor),
    };

    public static TheoryData<string> AllRoutes => [.. Routes.Keys];
    public static TheoryData<string> RoutesWithRequiredFields => [.. Routes.Where(r => r.Value.RequiredField is not null).Select(r => r.Key)];

    public static TheoryData<string, string> ForbiddenRoles
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (name, route) in Routes)
                foreach (var role in route.Policy switch
                {
                    Roles.May.Flag => new[] { Roles.Auditor },
                    Roles.May.Edit => [Roles.Tool, Roles.Auditor],
                    _ => [Roles.Tool, Roles.Editor, Roles.Auditor],
                })
                    data.Add(name, role);
            return data;
        }
    }

    private async Task<(ClaimAt Claim, string Url, Route Route)> ArrangeAsync(string name)
    {
        var route = Routes[name];
        var claim = await route.Arrange(api);
        return (claim, claim.Url(route.Suffix.Replace("{sourceId}", claim.SourceId.ToString())), route);
    }

    [Theory, MemberData(nameof(AllRoutes))]
    public async Task The_command_answers_200_with_id_version_and_etag(string name)
    {
        var (claim, url, route) = await ArrangeAsync(name);
        var response = await route.Allowed(api).PostJsonAsync(url, route.Body, ifMatch: $"\"{claim.Version}\"");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.ReadJsonAsync();
        body.GetProperty("id").GetGuid().ShouldBe(claim.Id);
        body.GetProperty("version").GetInt64().ShouldBe(claim.Version + 1);
        response.ETag().ShouldBe($"\"{claim.Version + 1}\"");
        (await api.Auditor.GetAsync(claim.Url())).ETag().ShouldBe($"\"{claim.Version + 1}\"");
    }

    [Theory, MemberData(nameof(AllRoutes))]
    public async Task Without_a_token_the_command_is_401_and_writes_nothing(string name)
    {
        var (claim, url, route) = await ArrangeAsync(name);
        var response = await api.Anonymous.PostJsonAsync(url, route.Body);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }

    [Theory, MemberData(nameof(ForbiddenRoles))]
    public async Task A_role_that_may_not_do_this_gets_403_and_writes_nothing(string name, string role)
    {
        var (claim, url, route) = await ArrangeAsync(name);
        var response = await api.As(role).PostJsonAsync(url, route.Body);
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.ReadJsonAsync()).GetProperty("type").GetString()!.ShouldEndWith("/forbidden");
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }

    [Theory, MemberData(nameof(AllRoutes))]
    public async Task A_retry_with_the_same_idempotency_key_replays_the_first_answer_and_writes_nothing(string name)
    {
        var (claim, url, route) = await ArrangeAsync(name);
        var key = $"{name}-{claim.Id}";
        var first = await route.Allowed(api).PostJsonAsync(url, route.Body, idempotencyKey: key);
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var second = await route.Allowed(api).PostJsonAsync(url, route.Body, idempotencyKey: key);
        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await second.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        second.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        second.ETag().ShouldBe(first.ETag());
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version + 1);
    }

    [Theory, MemberData(nameof(AllRoutes))]
    public async Task A_stale_if_match_is_412_and_writes_nothing(string name)
    {
        var (claim, url, route) = await ArrangeAsync(name);
        var response = await route.Allowed(api).PostJsonAsync(url, route.Body, ifMatch: $"\"{claim.Version - 1}\"");
        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await response.ReadJsonAsync()).GetProperty("type").GetString()!.ShouldEndWith("/precondition-failed");
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }

    [Theory, MemberData(nameof(AllRoutes))]
    public async Task Malformed_json_is_400_and_writes_nothing(string name)
    {
        var (claim, url, route) = await ArrangeAsync(name);
        var response = await route.Allowed(api).PostRawAsync(url, "{not json");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("body", out _).ShouldBeTrue();
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }

    [Theory, MemberData(nameof(AllRoutes))]
    public async Task A_field_of_the_wrong_type_is_400_naming_the_field(string name)
    {
        var (claim, url, route) = await ArrangeAsync(name);
        var response = await route.Allowed(api).PostRawAsync(url, $"{{\"{route.WrongTypeField}\": 42}}");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        problem.GetProperty("errors").TryGetProperty(route.WrongTypeField, out _).ShouldBeTrue(problem.ToString());
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }

    [Theory, MemberData(nameof(RoutesWithRequiredFields))]
    public async Task A_missing_required_field_is_400_naming_it(string name)
    {
        var (claim, url, route) = await ArrangeAsync(name);
        var response = await route.Allowed(api).PostRawAsync(url, "{}");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        problem.GetProperty("errors").TryGetProperty(route.RequiredField!, out _).ShouldBeTrue(problem.ToString());
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }

    [Theory, MemberData(nameof(AllRoutes))]
    public async Task An_unknown_claim_is_404(string name)
    {
        var (_, url, route) = await ArrangeAsync(name);
        var unknown = Guid.NewGuid();
        var response = await route.Allowed(api).PostJsonAsync(System.Text.RegularExpressions.Regex.Replace(url, "^/api/claims/[^/]+", $"/api/claims/{unknown}"), route.Body);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.ReadJsonAsync()).GetProperty("detail").GetString()!.ShouldContain(unknown.ToString());
        (await api.Store.ReadStreamAsync(unknown)).ShouldBeEmpty();
    }

    [Theory, MemberData(nameof(AllRoutes))]
    public async Task A_malformed_claim_id_is_400(string name)
    {
        var (_, url, route) = await ArrangeAsync(name);
        var response = await route.Allowed(api).PostJsonAsync(System.Text.RegularExpressions.Regex.Replace(url, "^/api/claims/[^/]+", "/api/claims/not-a-claim"), route.Body);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("id", out _).ShouldBeTrue();
    }

    [Theory, MemberData(nameof(AllRoutes))]
    public async Task A_body_over_one_mebibyte_is_413_and_writes_nothing(string name)
    {
        var (claim, url, route) = await ArrangeAsync(name);
        var response = await route.Allowed(api).PostJsonAsync(url, new { reason = new string('x', 1024 * 1024 + 1) });
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }

    [Theory, MemberData(nameof(AllRoutes))]
    public async Task A_body_that_is_not_json_is_415(string name)
    {
        var (claim, url, route) = await ArrangeAsync(name);
        var response = await route.Allowed(api).PostAsync(url, new StringContent("reason=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }

    [Fact]
    public async Task Every_workflow_route_is_in_the_openapi_document()
    {
        var paths = (await (await api.Anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync()).GetProperty("paths");
        foreach (var route in Routes.Values)
            paths.TryGetProperty("/api/claims/{id}" + route.Suffix, out _).ShouldBeTrue(route.Suffix);
        paths.TryGetProperty("/api/claims/{id}/history", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/claims/{id}/claimreview", out _).ShouldBeTrue();
    }
}
