using System.Net;
using System.Net.Http.Json;
using FactDesk.Api.Http;
using Shouldly;

namespace FactDesk.Api.Tests;

public class ConventionTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task Health_is_live_and_ready_without_a_token()
    {
        (await api.Anonymous.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.Anonymous.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task No_token_or_an_unknown_token_is_401_problem_json()
    {
        var none = await api.Anonymous.PostJsonAsync("/api/claims", new { quote = "q", reason = "r" });
        none.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        none.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var unknown = api.CreateClient();
        unknown.DefaultRequestHeaders.Authorization = new("Bearer", "not-a-token");
        (await unknown.GetAsync("/api/claims/" + Guid.NewGuid())).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_auditor_may_read_but_not_flag()
    {
        var response = await api.Auditor.PostJsonAsync("/api/claims", new { quote = "q", reason = "r" });
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.ReadJsonAsync()).GetProperty("type").GetString().ShouldEndWith("/forbidden");
    }

    [Fact]
    public async Task Flagging_answers_201_with_location_etag_and_the_claim_reads_back()
    {
        var response = await api.Tool.PostJsonAsync("/api/claims", new { quote = "36% of all large language models", reason = "share", priority = "urgent" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.ReadJsonAsync();
        var id = body.GetProperty("id").GetGuid();
        body.GetProperty("version").GetInt64().ShouldBe(1);
        response.Headers.Location!.ToString().ShouldBe($"/api/claims/{id}");
        response.ETag().ShouldBe("\"1\"");

        var read = await api.Auditor.GetAsync($"/api/claims/{id}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.ETag().ShouldBe("\"1\"");
        var claim = await read.ReadJsonAsync();
        claim.GetProperty("status").GetString().ShouldBe("flagged");
        claim.GetProperty("priority").GetString().ShouldBe("urgent");
        claim.GetProperty("flaggedBy").GetProperty("name").GetString().ShouldBe("cms-plugin");
    }

    [Fact]
    public async Task Correlation_id_travels_into_the_event_metadata()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/claims") { Content = JsonContent.Create(new { quote = "q1", reason = "r" }) };
        request.Headers.Add("X-Correlation-Id", "corr-abc-123");
        var response = await api.Tool.SendAsync(request);
        response.Headers.GetValues("X-Correlation-Id").Single().ShouldBe("corr-abc-123");
        var id = (await response.ReadJsonAsync()).GetProperty("id").GetGuid();
        var stored = (await api.Store.ReadStreamAsync(id)).Single();
        stored.Metadata.CorrelationId.ShouldBe("corr-abc-123");
        stored.Metadata.ActorName.ShouldBe("cms-plugin");
        stored.Metadata.ActorRole.ShouldBe("tool");
    }

    [Theory]
    [InlineData("{not json", "body")]
    [InlineData("[1,2]", "body")]
    [InlineData("{\"quote\": 5, \"reason\": \"r\"}", "quote")]
    [InlineData("{\"reason\": \"r\"}", "quote")]
    [InlineData("{\"quote\": \"q\", \"reason\": \"r\", \"priority\": \"asap\"}", "priority")]
    [InlineData("{\"quote\": \"q\", \"reason\": \"r\", \"dueAt\": \"tomorrow\"}", "dueAt")]
    [InlineData("{\"quote\": \"q\", \"reason\": \"r\", \"documentId\": \"nope\"}", "documentId")]
    public async Task Bad_bodies_get_field_level_400s_and_write_nothing(string json, string field)
    {
        var before = await api.CountEventsAsync();
        var response = await api.Tool.PostRawAsync("/api/claims", json);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.ReadJsonAsync();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Bodies_over_one_mebibyte_are_413()
    {
        var response = await api.Tool.PostJsonAsync("/api/claims", new { quote = new string('x', 1024 * 1024 + 10), reason = "r" });
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await response.ReadJsonAsync()).GetProperty("status").GetInt32().ShouldBe(413);
    }

    [Fact]
    public async Task An_idempotent_retry_answers_the_first_response_and_writes_nothing()
    {
        var body = new { quote = "retry me", reason = "r" };
        var first = await api.Tool.PostJsonAsync("/api/claims", body, idempotencyKey: "flag-001");
        var before = await api.CountEventsAsync();
        var second = await api.Tool.PostJsonAsync("/api/claims", body, idempotencyKey: "flag-001");
        second.StatusCode.ShouldBe(first.StatusCode);
        (await second.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        second.Headers.Location.ShouldBe(first.Headers.Location);
        (await api.CountEventsAsync()).ShouldBe(before);

        var other = await api.Tool.PostJsonAsync("/api/claims", new { quote = "something else", reason = "r" }, idempotencyKey: "flag-001");
        other.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await api.CountEventsAsync()).ShouldBe(before);

        // Keys are scoped to their principal: the same key from an editor is a new command.
        (await api.Editor.PostJsonAsync("/api/claims", body, idempotencyKey: "flag-001")).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Concurrent_duplicates_of_one_idempotent_command_write_once()
    {
        var before = await api.CountEventsAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            api.Tool.PostJsonAsync("/api/claims", new { quote = "raced", reason = "r" }, idempotencyKey: "race-key")));
        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Created);
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        bodies.Distinct().Count().ShouldBe(1);
        (await api.CountEventsAsync()).ShouldBe(before + 1);
    }

    [Fact]
    public async Task Invalid_idempotency_keys_are_400()
    {
        var response = await api.Tool.PostJsonAsync("/api/claims", new { quote = "q", reason = "r" }, idempotencyKey: new string('k', 256));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_and_malformed_ids_are_404_and_400()
    {
        (await api.Editor.GetAsync($"/api/claims/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Editor.GetAsync("/api/claims/not-a-guid")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var unknownRoute = await api.Editor.GetAsync("/api/nothing-here");
        unknownRoute.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknownRoute.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task OpenApi_document_is_served()
    {
        var response = await api.Anonymous.GetAsync("/openapi/v1.json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var document = await response.ReadJsonAsync();
        document.GetProperty("paths").TryGetProperty("/api/claims", out _).ShouldBeTrue();
    }
}

/// <summary>The service pointed at a port where no database listens.</summary>
public class FactDeskApiWithoutDatabase : FactDeskApi
{
    public override Task InitializeAsync()
    {
        typeof(FactDeskApi).GetProperty(nameof(ConnectionString))!.SetValue(this,
            $"Host=127.0.0.1;Port={FactDesk.Testing.PostgresServer.FreePort()};Username=postgres;Timeout=2");
        _ = Server;
        return Task.CompletedTask;
    }
}

public class DatabaseDownTests(FactDeskApiWithoutDatabase api) : IClassFixture<FactDeskApiWithoutDatabase>
{
    [Fact]
    public async Task Without_a_database_the_service_is_live_but_not_ready_and_commands_are_503()
    {
        (await api.Anonymous.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var ready = await api.Anonymous.GetAsync("/health/ready");
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        ready.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var command = await api.Tool.PostJsonAsync("/api/claims", new { quote = "q", reason = "r" });
        command.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await command.ReadJsonAsync()).GetProperty("type").GetString()!.ShouldEndWith("database-unavailable");
    }
}

public class SecurityTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task Answers_carry_security_headers()
    {
        var response = await api.Anonymous.GetAsync("/health/live");
        response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        response.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'");
        response.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY");
    }

    [Fact]
    public async Task Repeated_unknown_tokens_from_one_client_are_throttled_while_known_tokens_still_work_elsewhere()
    {
        var guesser = api.CreateClient();
        guesser.DefaultRequestHeaders.Add("Authorization", "Bearer guess");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < SignInThrottle.MaxFailures + 2; i++)
            statuses.Add((await guesser.GetAsync($"/api/claims/{Guid.NewGuid()}")).StatusCode);
        statuses.Take(SignInThrottle.MaxFailures).ShouldAllBe(s => s == HttpStatusCode.Unauthorized);
        statuses.Last().ShouldBe(HttpStatusCode.TooManyRequests);
        var blocked = await guesser.GetAsync($"/api/claims/{Guid.NewGuid()}");
        blocked.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        blocked.Headers.RetryAfter.ShouldNotBeNull();
        // Routes open to anyone stay open, and a valid token from the same client is never refused.
        (await guesser.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.Editor.GetAsync("/api/queue?limit=1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public void Token_matching_compares_digests_and_finds_only_the_right_principal()
    {
        var principals = new List<PrincipalOptions>
        {
            new() { Name = "a", Role = "tool", TokenSha256 = BearerTokenHandler.HashToken("token-a") },
            new() { Name = "b", Role = "editor", TokenSha256 = BearerTokenHandler.HashToken("token-b") },
            new() { Name = "broken", Role = "editor", TokenSha256 = "not-hex" },
        };
        BearerTokenHandler.Match("token-b", principals)!.Name.ShouldBe("b");
        BearerTokenHandler.Match("token-c", principals).ShouldBeNull();
        BearerTokenHandler.Match("", principals).ShouldBeNull();
    }
}

public class HostileTextTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Theory]
    [InlineData("{\"quote\": \"a\\u0000b\", \"reason\": \"r\"}", "quote")]
    [InlineData("{\"quote\": \"q\", \"reason\": \"r\", \"assertion\": {\"subject\": \"x\\u0000\"}}", "assertion.subject")]
    public async Task Nul_characters_anywhere_in_a_body_are_400_naming_the_field(string json, string field)
    {
        var before = await api.CountEventsAsync();
        var response = await api.Tool.PostRawAsync("/api/claims", json);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_url_with_a_control_character_is_refused_not_a_500()
    {
        var claim = await api.FlagClaimAsync();
        var response = await api.Tool.PostRawAsync($"/api/claims/{claim}/sources", "{\"url\": \"https://example.org/a\\u0007b\", \"stance\": \"supports\"}");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("url", out _).ShouldBeTrue();
    }
}

public class IdempotentRefusalTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task A_refused_command_retried_with_its_key_gets_the_same_refusal_even_after_the_state_changed()
    {
        var claim = await api.FlagClaimAsync();
        (await api.Senior.PostJsonAsync($"/api/claims/{claim}/assignment", new { assignee = "Mara Lind" })).EnsureSuccessStatusCode();
        var verdict = new { rating = "false", summary = "No such share." };
        var first = await api.Editor.PostJsonAsync($"/api/claims/{claim}/verdict", verdict, idempotencyKey: "propose-once");
        first.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        first.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await api.Tool.PostJsonAsync($"/api/claims/{claim}/sources", new { citation = "CAICT white paper", stance = "contradicts" })).EnsureSuccessStatusCode();
        var before = await api.CountEventsAsync();

        var retry = await api.Editor.PostJsonAsync($"/api/claims/{claim}/verdict", verdict, idempotencyKey: "propose-once");
        retry.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        retry.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        retry.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await retry.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        (await api.CountEventsAsync()).ShouldBe(before);

        // A new key is a new command: now it succeeds.
        (await api.Editor.PostJsonAsync($"/api/claims/{claim}/verdict", verdict, idempotencyKey: "propose-again")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Validation_failures_are_not_remembered_so_a_corrected_body_can_use_the_key()
    {
        var bad = await api.Tool.PostJsonAsync("/api/claims", new { quote = "q" }, idempotencyKey: "fix-me");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await api.Tool.PostJsonAsync("/api/claims", new { quote = "q", reason = "now complete" }, idempotencyKey: "fix-me"))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
    }
}
