using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

public class ConcurrentSourcesTests(FactDeskApi api, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task Thirty_tools_attaching_sources_at_once_lose_none()
    {
        var claim = await api.FlaggedClaimAsync();
        var clients = Enumerable.Range(0, 30).Select(_ => api.Tool).ToArray();
        var responses = await Task.WhenAll(clients.Select((client, i) =>
            client.PostJsonAsync(claim.Url("/sources"), new { citation = $"Source {i}", stance = "context" })));

        var succeeded = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToArray();
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            // Under heavy contention the only other answer allowed is a clear "retry" 409.
            refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await refused.ReadJsonAsync()).GetProperty("type").GetString()!.ShouldEndWith("/too-much-contention");
        }
        succeeded.Length.ShouldBeGreaterThan(0);
        output.WriteLine($"{succeeded.Length} of 30 attached, {responses.Length - succeeded.Length} told to retry");

        var sourceIds = await Task.WhenAll(succeeded.Select(async r => (await r.ReadJsonAsync()).GetProperty("sourceId").GetGuid()));
        var read = await api.ReadClaimAsync(claim.Id);
        read.GetProperty("version").GetInt64().ShouldBe(1 + succeeded.Length);
        var stored = read.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("sourceId").GetGuid()).ToArray();
        stored.Length.ShouldBe(succeeded.Length);
        stored.ShouldBe(sourceIds, ignoreOrder: true);
        // Every answered version is distinct: no two successes claim the same slot.
        (await Task.WhenAll(succeeded.Select(async r => (await r.ReadJsonAsync()).GetProperty("version").GetInt64()))).Distinct().Count().ShouldBe(succeeded.Length);
    }
}

public class ConcurrentRetriesTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task Copies_of_one_attachment_sent_at_once_with_one_key_attach_one_source()
    {
        var claim = await api.FlaggedClaimAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            api.Tool.PostJsonAsync(claim.Url("/sources"), ClaimSituations.ASource, idempotencyKey: "attach-census-once")));
        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        (await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()))).Distinct().Count().ShouldBe(1);
        (await api.ReadClaimAsync(claim.Id)).GetProperty("sources").GetArrayLength().ShouldBe(1);
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(2);
    }
}
