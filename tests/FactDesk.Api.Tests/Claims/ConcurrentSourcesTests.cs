using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

public class ConcurrentSourcesTests(FactDeskApi api) : IClassFixture<FactDeskApi>
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
