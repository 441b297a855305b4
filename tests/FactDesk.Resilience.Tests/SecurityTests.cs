using System.Net;
using System.Text;
using System.Text.Json;
using FactDesk.Api.Http;
using Shouldly;

namespace FactDesk.Resilience.Tests;

/// <summary>Who may call what: the contract's role matrix, route by route, for every role and for no token at all.</summary>
public static class RoleMatrix
{
    public enum May { Anyone, Read, Flag, Edit, SignOff, Oversee, Audit }

    /// <summary>Every route of the contract (and the service's own extra routes) with the least role that may call it.</summary>
    public static readonly (string Method, string Route, May Who)[] Routes =
    [
        ("GET", "/health/live", May.Anyone),
        ("GET", "/health/ready", May.Anyone),
        ("POST", "/api/documents", May.Flag),
        ("GET", "/api/documents/{id}", May.Read),
        ("POST", "/api/claims", May.Flag),
        ("GET", "/api/claims/{id}", May.Read),
        ("GET", "/api/claims/{id}/history", May.Read),
        ("GET", "/api/claims/{id}/claimreview", May.Read),
        ("POST", "/api/claims/{id}/assignment", May.Edit),
        ("POST", "/api/claims/{id}/sources", May.Flag),
        ("POST", "/api/claims/{id}/sources/{sourceId}/retraction", May.Edit),
        ("POST", "/api/claims/{id}/verdict", May.Edit),
        ("POST", "/api/claims/{id}/verdict/approval", May.SignOff),
        ("POST", "/api/claims/{id}/verdict/rejection", May.SignOff),
        ("POST", "/api/claims/{id}/publication", May.SignOff),
        ("POST", "/api/claims/{id}/reopening", May.Edit),
        ("POST", "/api/claims/{id}/dismissal", May.Edit),
        ("POST", "/api/discrepancies", May.Flag),
        ("GET", "/api/discrepancies", May.Read),
        ("GET", "/api/discrepancies/{id}", May.Read),
        ("POST", "/api/discrepancies/{id}/resolution", May.Edit),
        ("POST", "/api/discrepancies/{id}/confirmation", May.Edit),
        ("POST", "/api/discrepancies/{id}/decline", May.Edit),
        ("POST", "/api/subscriptions", May.Edit),
        ("GET", "/api/subscriptions", May.Oversee),
        ("GET", "/api/subscriptions/{id}", May.Oversee),
        ("DELETE", "/api/subscriptions/{id}", May.Edit),
        ("GET", "/api/subscriptions/{id}/deliveries", May.Oversee),
        ("POST", "/api/subscriptions/{id}/deliveries/{deliveryId}/redelivery", May.Edit),
        ("POST", "/api/subscriptions/{id}/secret", May.Edit),
        ("GET", "/api/queue", May.Read),
        ("GET", "/api/people", May.Read),
        ("GET", "/api/queue/events", May.Read),
        ("GET", "/api/audit", May.Read),
        ("GET", "/api/audit/checkpoint", May.Read),
        ("GET", "/api/audit/checkpoints", May.Read),
        ("GET", "/api/audit/public-key", May.Read),
        ("GET", "/api/audit/entries", May.Read),
        ("GET", "/api/audit/entries/{leafIndex}", May.Oversee),
        ("GET", "/api/audit/proofs/inclusion", May.Read),
        ("GET", "/api/audit/proofs/consistency", May.Read),
        ("GET", "/api/audit/verification", May.Oversee),
        ("POST", "/api/audit/verification/full", May.Audit),
        ("GET", "/api/audit/verification/full/{id}", May.Audit),
    ];

    public static readonly string?[] Callers = [null, Roles.Tool, Roles.Editor, Roles.SeniorEditor, Roles.Auditor];

    public static bool Allows(May who, string? role) => who switch
    {
        May.Anyone => true,
        _ when role is null => false,
        May.Read => true,
        May.Flag => role is Roles.Tool or Roles.Editor or Roles.SeniorEditor,
        May.Edit => role is Roles.Editor or Roles.SeniorEditor,
        May.SignOff => role is Roles.SeniorEditor,
        May.Oversee => role is Roles.Editor or Roles.SeniorEditor or Roles.Auditor,
        May.Audit => role is Roles.SeniorEditor or Roles.Auditor,
        _ => false,
    };

    /// <summary>The routes the running service documents, as (METHOD, template).</summary>
    public static async Task<List<(string Method, string Route)>> ServedRoutesAsync(HttpClient client)
    {
        var paths = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");
        return paths.EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(op => op.Name is "get" or "post" or "put" or "patch" or "delete")
                .Select(op => (op.Name.ToUpperInvariant(), path.Name)))
            .ToList();
    }
}

public class SecurityTests(InProcessNewsroom api) : IClassFixture<InProcessNewsroom>
{
    [Fact]
    public async Task Every_route_the_service_serves_has_a_row_in_the_role_matrix()
    {
        var served = await RoleMatrix.ServedRoutesAsync(api.As(null));
        served.Count.ShouldBeGreaterThan(20);
        served.Where(r => !RoleMatrix.Routes.Any(m => m.Method == r.Method && m.Route == r.Route))
            .Select(r => $"{r.Method} {r.Route}").ShouldBeEmpty("routes without a decision on who may call them");
    }

    [Fact]
    public async Task Each_route_answers_401_without_a_token_403_to_a_role_the_contract_keeps_out_and_lets_the_others_through()
    {
        var served = await RoleMatrix.ServedRoutesAsync(api.As(null));
        var wrong = new List<string>();
        var checkedCells = 0;
        foreach (var (method, route, who) in RoleMatrix.Routes.Where(r => served.Contains((r.Method, r.Route))))
            foreach (var role in RoleMatrix.Callers)
            {
                var before = await api.LastPositionAsync();
                using var client = api.As(role);
                var path = route.Replace("{id}", Guid.NewGuid().ToString()).Replace("{sourceId}", Guid.NewGuid().ToString()).Replace("{deliveryId}", Guid.NewGuid().ToString());
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method is "POST") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                // Headers only: a live feed (server-sent events) would otherwise never end.
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var status = (int)response.StatusCode;
                var expected = role is null && who != RoleMatrix.May.Anyone ? "401" : RoleMatrix.Allows(who, role) ? "allowed" : "403";
                var got = status is 401 or 403 ? status.ToString() : "allowed";
                if (got != expected) wrong.Add($"{method} {route} as {role ?? "anonymous"}: {status}, contract says {expected}");
                if (status is 401 or 403)
                {
                    response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
                    (await api.LastPositionAsync()).ShouldBe(before, $"{method} {route} as {role ?? "anonymous"} was refused but wrote");
                }
                if (status == 401) response.Headers.WwwAuthenticate.ToString().ShouldContain("Bearer");
                checkedCells++;
            }
        wrong.ShouldBeEmpty();
        checkedCells.ShouldBeGreaterThanOrEqualTo(26 * RoleMatrix.Callers.Length);
    }

    [Fact]
    public async Task An_unknown_token_or_another_scheme_is_401_like_no_token()
    {
        foreach (var header in new[] { "Bearer not-a-newsroom-token", "Basic d2lyZTpkZXNr", "Bearer ", "Bearer " + new string('x', 5000) })
        {
            using var client = api.As(null);
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);
            var response = await client.GetAsync("/api/discrepancies");
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, header[..Math.Min(20, header.Length)]);
        }
    }

    [Fact]
    public void Tokens_are_configured_as_their_SHA_256_and_a_plain_token_in_the_configuration_matches_nothing()
    {
        var plain = new PrincipalOptions { Name = "leaky", Role = Roles.Editor, TokenSha256 = "resilience-editor-token-91c2" };
        var hashed = new PrincipalOptions { Name = "careful", Role = Roles.Editor, TokenSha256 = BearerTokenHandler.HashToken("resilience-editor-token-91c2") };
        BearerTokenHandler.Match("resilience-editor-token-91c2", [plain]).ShouldBeNull();
        BearerTokenHandler.Match("resilience-editor-token-91c2", [plain, hashed]).ShouldBe(hashed);
        BearerTokenHandler.Match(hashed.TokenSha256, [hashed]).ShouldBeNull("the digest itself must not work as a token");
    }
}

/// <summary>No bearer token and no webhook secret ever reaches a log line, whatever the request did.</summary>
public class SecretsInLogsTests(InProcessNewsroom api) : IClassFixture<InProcessNewsroom>
{
    [Fact]
    public async Task Logs_at_every_level_never_contain_a_token_or_a_webhook_secret()
    {
        const string intruder = "intruder-token-7f3c9a1e";
        const string webhookSecret = "whsec-resilience-6c1d0f2b8e";
        // Ordinary work by every role.
        var flag = await api.As(Roles.Tool).PostAsync("/api/claims", Json(new { quote = "Rents rose 9% last year", reason = "a rate" }));
        flag.EnsureSuccessStatusCode();
        var claimId = JsonDocument.Parse(await flag.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        (await api.As(Roles.Editor).PostAsync($"/api/claims/{claimId}/assignment", Json(new { assignee = "Mara Lind" }))).EnsureSuccessStatusCode();
        (await api.As(Roles.Auditor).GetAsync($"/api/claims/{claimId}/history")).EnsureSuccessStatusCode();
        (await api.As(Roles.SeniorEditor).PostAsync($"/api/claims/{claimId}/publication", Json(new { }))).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        // A subscription whose target refuses connections: the sender fails, retries and logs about it.
        var subscribe = await api.As(Roles.Editor).PostAsync("/api/subscriptions",
            Json(new { url = "http://127.0.0.1:9/newsroom-hook", secret = webhookSecret, eventTypes = Array.Empty<string>() }));
        subscribe.EnsureSuccessStatusCode();
        (await subscribe.Content.ReadAsStringAsync()).ShouldNotContain(webhookSecret);
        (await api.As(Roles.Auditor).GetStringAsync("/api/subscriptions")).ShouldNotContain(webhookSecret);
        // A bad secret is refused without echoing it.
        var badSecret = await api.As(Roles.Editor).PostAsync("/api/subscriptions", Json(new { url = "http://127.0.0.1:9/x", secret = "short\u0001" + webhookSecret[..3] }));
        badSecret.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        // Unknown tokens and a token sent as another scheme (few: the sign-in throttle starts at 20 failures).
        for (var i = 0; i < 3; i++)
        {
            using var stranger = api.As(null);
            stranger.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + intruder);
            (await stranger.GetAsync("/api/discrepancies")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        using (var basic = api.As(null))
        {
            basic.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Token " + Newsroom.TokenOf(Roles.Editor));
            (await basic.GetAsync("/api/discrepancies")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        // Give the webhook sender time to try, fail and log.
        await Task.Delay(TimeSpan.FromSeconds(2));

        var secrets = Newsroom.People.Select(p => p.Token).Append(intruder).Append(webhookSecret).ToList();
        api.Logs.Lines.Count.ShouldBeGreaterThan(10, "the log capture saw nothing: the test would prove nothing");
        foreach (var secret in secrets)
            api.Logs.Lines.Where(line => line.Contains(secret, StringComparison.Ordinal)).ShouldBeEmpty($"a log line holds {secret[..6]}...");
        (await EventLog.ScalarAsync(api.ConnectionString, $"select count(*) from factdesk.mt_events where data::text like '%{webhookSecret}%' or headers::text like '%{webhookSecret}%'"))
            .ShouldBe(0, "the webhook secret is in the event log");
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
