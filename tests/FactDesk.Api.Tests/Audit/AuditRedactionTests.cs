using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FactDesk.Api.Http;
using FactDesk.Api.Subscriptions;
using FactDesk.Api.Tests.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace FactDesk.Api.Tests.Audit;

public class ApiWithASubscription : FactDeskApi;

/// <summary>The audit feed shows each role no more than the role may read elsewhere.</summary>
public class AuditRedactionTests(ApiWithASubscription api) : IClassFixture<ApiWithASubscription>
{
    private const string Target = "http://127.0.0.1:9/desk-private-hook";

    private async Task<(Guid Id, Dictionary<string, JsonElement> DataByRole)> SubscribedAndRemovedAsync()
    {
        var id = await api.SubscribeAsync(Target, "claim-flagged");
        (await api.Editor.DeleteAsync($"/api/subscriptions/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(20));
        var seen = new Dictionary<string, JsonElement>();
        foreach (var role in Roles.All)
        {
            var response = await api.As(role).GetAsync("/api/audit?type=subscription-created.v1&limit=1000");
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var text = await response.Content.ReadAsStringAsync();
            text.ShouldNotContain(WebhookSteps.Secret);
            seen[role] = JsonDocument.Parse(text).RootElement.GetProperty("items").EnumerateArray()
                .Single(i => i.GetProperty("streamId").GetGuid() == id).GetProperty("data").Clone();
        }
        return (id, seen);
    }

    [Fact]
    public async Task A_tool_sees_that_a_subscription_was_made_but_not_its_target_nor_its_secret_fingerprint_as_on_the_subscription_routes()
    {
        var (id, data) = await SubscribedAndRemovedAsync();
        (await api.Tool.GetAsync($"/api/subscriptions/{id}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var tool = data[Roles.Tool];
        tool.GetProperty("subscriptionId").GetGuid().ShouldBe(id);
        tool.GetProperty("by").GetProperty("name").GetString().ShouldBe("Mara Lind");
        tool.GetProperty("url").GetString().ShouldBe("redacted");
        tool.GetProperty("eventTypes").GetString().ShouldBe("redacted");
        tool.GetProperty("secretHash").GetString().ShouldBe("redacted");
        tool.GetRawText().ShouldNotContain("desk-private-hook");

        // The removal, read by type as well: nothing more than ids, who and when either way.
        var removed = await (await api.Tool.GetAsync("/api/audit?type=subscription-removed.v1")).ReadJsonAsync();
        removed.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("streamId").GetGuid() == id)
            .GetProperty("data").GetProperty("subscriptionId").GetGuid().ShouldBe(id);
        // Nor through another stream's route.
        (await api.Tool.GetAsync($"/api/claims/{id}/history")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Roles_that_read_subscriptions_see_the_target_and_no_role_sees_secret_material()
    {
        var (_, data) = await SubscribedAndRemovedAsync();
        foreach (var role in new[] { Roles.Editor, Roles.SeniorEditor, Roles.Auditor })
        {
            data[role].GetProperty("url").GetString().ShouldBe(Target, role);
            data[role].GetProperty("eventTypes")[0].GetString().ShouldBe("claim-flagged", role);
        }
        foreach (var role in Roles.All) data[role].GetProperty("secretHash").GetString().ShouldBe("redacted", role);
    }

    [Fact]
    public async Task The_stored_fingerprint_is_an_HMAC_under_the_servers_key_not_a_hash_anyone_can_recompute()
    {
        var id = await api.SubscribeAsync(Target);
        var stored = (await api.Store.ReadStreamAsync(id)).Single().DataJson.GetProperty("secretHash").GetString()!;
        var unkeyed = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"factdesk-webhook-secret\n{id}\n{WebhookSteps.Secret}")));
        stored.ShouldNotBe(unkeyed);
        var key = await api.Services.GetRequiredService<SubscriptionSecrets>().FingerprintKeyAsync(CancellationToken.None);
        key.Length.ShouldBe(32);
        key.ShouldNotBe(new byte[32]);
        stored.ShouldBe(Subscription.FingerprintSecret(key, id, WebhookSteps.Secret));
    }
}
