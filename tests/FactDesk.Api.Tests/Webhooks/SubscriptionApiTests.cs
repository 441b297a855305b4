using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests.Webhooks;

public class SubscriptionApiTests(ApiSendingWebhooksFast api) : IClassFixture<ApiSendingWebhooksFast>
{
    [Fact]
    public async Task Subscribing_answers_201_with_location_and_the_subscription_is_listed_without_its_secret()
    {
        var response = await api.Senior.PostJsonAsync("/api/subscriptions",
            new { url = "http://127.0.0.1:9/desk-hook", secret = WebhookSteps.Secret, eventTypes = new[] { "claim-flagged", "claim-assigned.v1" } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await response.ReadJsonAsync()).GetProperty("id").GetGuid();
        response.Headers.Location!.ToString().ShouldBe($"/api/subscriptions/{id}");
        response.ETag().ShouldBe("\"1\"");
        (await response.Content.ReadAsStringAsync()).ShouldNotContain(WebhookSteps.Secret);

        var list = await api.Auditor.GetAsync("/api/subscriptions");
        list.StatusCode.ShouldBe(HttpStatusCode.OK);
        var listed = (await list.ReadJsonAsync()).GetProperty("items").EnumerateArray().Single(s => s.GetProperty("id").GetGuid() == id);
        listed.GetProperty("url").GetString().ShouldBe("http://127.0.0.1:9/desk-hook");
        listed.GetProperty("eventTypes").EnumerateArray().Select(t => t.GetString()).ShouldBe(["claim-flagged", "claim-assigned.v1"]);
        listed.GetProperty("createdBy").GetProperty("name").GetString().ShouldBe("Tomás Ruiz");
        (await list.Content.ReadAsStringAsync()).ShouldNotContain(WebhookSteps.Secret);
        (await (await api.Editor.GetAsync($"/api/subscriptions/{id}")).Content.ReadAsStringAsync()).ShouldNotContain(WebhookSteps.Secret);

        // The log keeps a salted fingerprint of the secret, never the secret itself.
        var created = (await api.Store.ReadStreamAsync(id)).Single();
        created.DataJson.GetRawText().ShouldNotContain(WebhookSteps.Secret);
        created.DataJson.GetProperty("secretHash").GetString()!.Length.ShouldBe(64);
        await api.UnsubscribeAsync(id);
    }

    [Fact]
    public async Task Unsubscribing_answers_200_removes_it_from_the_list_and_is_harmless_to_repeat()
    {
        var id = await api.SubscribeAsync("http://127.0.0.1:9/hook");
        var first = await api.Editor.DeleteAsync($"/api/subscriptions/{id}");
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await first.ReadJsonAsync();
        body.GetProperty("id").GetGuid().ShouldBe(id);
        body.GetProperty("version").GetInt64().ShouldBe(2);

        var again = await api.Senior.DeleteAsync($"/api/subscriptions/{id}");
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await again.ReadJsonAsync()).GetProperty("version").GetInt64().ShouldBe(2);
        (await api.Store.ReadStreamAsync(id)).Count.ShouldBe(2);

        var list = await (await api.Editor.GetAsync("/api/subscriptions")).ReadJsonAsync();
        list.GetProperty("items").EnumerateArray().ShouldNotContain(s => s.GetProperty("id").GetGuid() == id);
        var one = await (await api.Editor.GetAsync($"/api/subscriptions/{id}")).ReadJsonAsync();
        one.GetProperty("removedAt").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.String);
    }

    [Fact]
    public async Task Unknown_subscriptions_and_deliveries_are_404_and_malformed_ids_400()
    {
        var unknown = Guid.NewGuid();
        (await api.Editor.DeleteAsync($"/api/subscriptions/{unknown}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Editor.GetAsync($"/api/subscriptions/{unknown}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Editor.GetAsync($"/api/subscriptions/{unknown}/deliveries")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Editor.DeleteAsync("/api/subscriptions/not-an-id")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await api.Editor.GetAsync("/api/subscriptions/not-an-id/deliveries")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var id = await api.SubscribeAsync("http://127.0.0.1:9/hook", "claim-flagged");
        (await api.Editor.PostAsync($"/api/subscriptions/{id}/deliveries/{Guid.NewGuid()}/redelivery", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Editor.PostAsync($"/api/subscriptions/{id}/deliveries/nope/redelivery", null)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await api.Editor.GetAsync($"/api/subscriptions/{id}/deliveries?status=lost")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await api.Editor.GetAsync($"/api/subscriptions/{id}/deliveries?limit=0")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await api.Editor.GetAsync($"/api/subscriptions/{id}/deliveries?after=x")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        await api.UnsubscribeAsync(id);
    }

    [Theory]
    [InlineData("tool-token")]
    [InlineData("auditor-token")]
    public async Task Tools_and_auditors_may_not_subscribe_or_unsubscribe(string token)
    {
        var id = await api.SubscribeAsync("http://127.0.0.1:9/hook", "claim-flagged");
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var before = await api.CountEventsAsync();
        var subscribe = await client.PostJsonAsync("/api/subscriptions", new { url = "http://127.0.0.1:9/hook", secret = WebhookSteps.Secret });
        subscribe.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await subscribe.ReadJsonAsync()).GetProperty("type").GetString()!.ShouldEndWith("/forbidden");
        (await client.DeleteAsync($"/api/subscriptions/{id}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.CountEventsAsync()).ShouldBe(before);
        (await api.Anonymous.PostJsonAsync("/api/subscriptions", new { url = "http://127.0.0.1:9/hook", secret = WebhookSteps.Secret }))
            .StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await api.UnsubscribeAsync(id);
    }

    [Theory]
    [InlineData("""{"secret": "0123456789abcdef"}""", "url")]
    [InlineData("""{"url": "ftp://example.org/hook", "secret": "0123456789abcdef"}""", "url")]
    [InlineData("""{"url": "/relative/hook", "secret": "0123456789abcdef"}""", "url")]
    [InlineData("""{"url": "https://user:pass@example.org/hook", "secret": "0123456789abcdef"}""", "url")]
    [InlineData("""{"url": "https://example.org/hook", "secret": ""}""", "secret")]
    [InlineData("""{"url": "https://example.org/hook", "secret": "whsec_dG9vLXNob3J0LWtleQ=="}""", "secret")]
    [InlineData("""{"url": "https://example.org/hook", "secret": "whsec_not base64 at all!"}""", "secret")]
    [InlineData("""{"url": "https://example.org/hook", "secret": "too-short"}""", "secret")]
    [InlineData("""{"url": "https://example.org/hook", "secret": 12345678901234567}""", "secret")]
    [InlineData("""{"url": "https://example.org/hook", "secret": "0123456789abcdef", "eventTypes": ["claim-invented.v1"]}""", "eventTypes")]
    [InlineData("""{"url": "https://example.org/hook", "secret": "0123456789abcdef", "eventTypes": ["subscription-created.v1"]}""", "eventTypes")]
    [InlineData("""{"url": "https://example.org/hook", "secret": "0123456789abcdef", "eventTypes": [null]}""", "eventTypes")]
    [InlineData("""{"url": "https://example.org/hook", "secret": "0123456789abcdef", "eventTypes": "claim-flagged.v1"}""", "eventTypes")]
    public async Task Bad_subscriptions_get_field_level_400s_and_write_nothing(string json, string field)
    {
        var before = await api.CountEventsAsync();
        var response = await api.Editor.PostRawAsync("/api/subscriptions", json);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.ReadJsonAsync();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_secret_too_long_is_refused_without_echoing_it()
    {
        var secret = new string('s', 257);
        var response = await api.Editor.PostJsonAsync("/api/subscriptions", new { url = "https://example.org/hook", secret });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldNotContain(secret);
    }

    [Fact]
    public async Task An_idempotent_retry_of_subscribe_creates_one_subscription()
    {
        var body = new { url = "http://127.0.0.1:9/retry-hook", secret = WebhookSteps.Secret };
        var first = await api.Editor.PostJsonAsync("/api/subscriptions", body, idempotencyKey: "subscribe-once");
        var second = await api.Editor.PostJsonAsync("/api/subscriptions", body, idempotencyKey: "subscribe-once");
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await second.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        var list = await (await api.Editor.GetAsync("/api/subscriptions")).ReadJsonAsync();
        list.GetProperty("items").EnumerateArray().Count(s => s.GetProperty("url").GetString() == body.url).ShouldBe(1);
        await api.UnsubscribeAsync((await first.ReadJsonAsync()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task The_routes_are_in_the_OpenAPI_document()
    {
        var paths = (await (await api.Anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync()).GetProperty("paths");
        paths.TryGetProperty("/api/subscriptions", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/subscriptions/{id}", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/subscriptions/{id}/deliveries", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/subscriptions/{id}/deliveries/{deliveryId}/redelivery", out _).ShouldBeTrue();
    }
}
