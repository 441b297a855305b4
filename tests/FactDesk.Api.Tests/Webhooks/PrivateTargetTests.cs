using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests.Webhooks;

public class PrivateTargetTests(ApiRefusingPrivateTargets api) : IClassFixture<ApiRefusingPrivateTargets>
{
    [Theory]
    [InlineData("http://127.0.0.1/hook")]
    [InlineData("http://127.8.9.10:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://desk.localhost/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://[::ffff:10.1.2.3]/hook")]
    [InlineData("http://10.0.0.8/hook")]
    [InlineData("http://172.20.1.1/hook")]
    [InlineData("http://192.168.1.20/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://100.64.0.1/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://[fd12:3456::1]/hook")]
    [InlineData("http://224.0.0.251/hook")]
    [InlineData("http://[ff02::1]/hook")]
    [InlineData("http://[64:ff9b::a00:1]/hook")]
    [InlineData("http://2130706433/hook")]
    [InlineData("http://192.0.2.10/hook")]
    [InlineData("http://198.51.100.10/hook")]
    [InlineData("http://203.0.113.10/hook")]
    [InlineData("http://198.18.0.1/hook")]
    [InlineData("http://[64:ff9b:1::a00:1]/hook")]
    [InlineData("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook")]
    [InlineData("http://[2002:c0a8:101::1]/hook")]
    [InlineData("http://[2001:db8::7]/hook")]
    [InlineData("http://documentation.example/hook")]
    [InlineData("http://inside.example/hook")]
    [InlineData("http://half-inside.example/hook")]
    [InlineData("http://nowhere.example/hook")]
    public async Task Targets_inside_the_network_are_refused_422(string url)
    {
        api.Lookup.Answer("inside.example", ["10.20.30.40"]);
        api.Lookup.Answer("documentation.example", ["2001:db8::10"]);
        api.Lookup.Answer("half-inside.example", ["93.184.215.7", "192.168.0.9"]);
        var before = await api.CountEventsAsync();
        var response = await api.Editor.PostJsonAsync("/api/subscriptions", new { url, secret = WebhookSteps.Secret });
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, await response.Content.ReadAsStringAsync());
        var problem = await response.ReadJsonAsync();
        problem.GetProperty("type").GetString()!.ShouldEndWith("/private-target");
        problem.GetProperty("errors").TryGetProperty("url", out _).ShouldBeTrue();
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("https://93.184.215.7/hook")]
    [InlineData("https://[2606:4700:4700::1111]/hook")]
    [InlineData("https://desk.example/hook")]
    public async Task Public_targets_are_accepted(string url)
    {
        api.Lookup.Answer("desk.example", ["93.184.215.7", "2606:4700:4700::1111"]);
        var response = await api.Editor.PostJsonAsync("/api/subscriptions", new { url, secret = WebhookSteps.Secret, eventTypes = new[] { "document-ingested" } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        await api.UnsubscribeAsync((await response.ReadJsonAsync()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task A_name_that_later_resolves_inside_is_not_sent_to()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // Public when subscribing, loopback (where the receiver listens) at every lookup after that.
        api.Lookup.Answer("rebinding.example", ["93.184.215.50"], ["127.0.0.1"]);
        var subscription = await api.SubscribeAsync($"http://rebinding.example:{receiver.Port}/hook", "claim-flagged");
        var claimId = await api.FlagClaimAsync("The stadium seats 90,000");

        var dead = (await api.WaitForDeliveriesAsync(subscription, rows => rows.Any(r => r.GetProperty("status").GetString() == "dead"))).Single();
        dead.GetProperty("streamId").GetGuid().ShouldBe(claimId);
        dead.GetProperty("lastError").GetString()!.ShouldContain("127.0.0.1");
        dead.GetProperty("lastError").GetString()!.ShouldStartWith("Target refused");
        receiver.All.ShouldBeEmpty();
        await api.UnsubscribeAsync(subscription);
    }
}
