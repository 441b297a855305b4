using System.Net;
using System.Text.Json;
using Shouldly;

namespace FactDesk.Api.Tests.Audit;

/// <summary>The audit feed read newest first, its filters strict, and timestamps whose '+' was lost explained.</summary>
public class AuditFeedOrderTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    private async Task<JsonElement> FeedAsync(string query)
    {
        var response = await api.Auditor.GetAsync("/api/audit?" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    private static long[] Positions(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("position").GetInt64()).ToArray();

    [Fact]
    public async Task Newest_first_pages_by_before_cover_the_log_once_in_reverse()
    {
        for (var i = 0; i < 7; i++) await api.FlagClaimAsync($"Rents rose {i + 2}% in a year");
        await api.Runner.CatchUpAsync(TimeSpan.FromSeconds(20));
        var oldestFirst = Positions(await FeedAsync("limit=1000"));
        oldestFirst.Length.ShouldBeGreaterThanOrEqualTo(7);

        var newestFirst = new List<long>();
        var query = "order=desc&limit=3";
        while (true)
        {
            var page = await FeedAsync(query);
            var positions = Positions(page);
            positions.ShouldBeInOrder(SortDirection.Descending);
            newestFirst.AddRange(positions);
            page.GetProperty("nextAfter").ValueKind.ShouldBe(JsonValueKind.Null);
            if (page.GetProperty("nextBefore").ValueKind == JsonValueKind.Null) break;
            query = $"order=desc&limit=3&before={page.GetProperty("nextBefore").GetInt64()}";
        }
        newestFirst.ShouldBe(oldestFirst.Reverse().ToArray());
    }

    [Fact]
    public async Task An_unknown_event_type_or_order_is_400_listing_what_is_known()
    {
        var unknownType = await api.Auditor.GetAsync("/api/audit?type=claim-flaged.v1");
        unknownType.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var message = (await unknownType.ReadJsonAsync()).GetProperty("errors").GetProperty("type")[0].GetString()!;
        message.ShouldContain("claim-flaged.v1");
        message.ShouldContain("claim-flagged.v1");
        message.ShouldContain("discrepancy-resolved.v1");

        (await api.Auditor.GetAsync("/api/audit?order=newest")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await api.Auditor.GetAsync("/api/audit?type=claim-flagged.v1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_timestamp_whose_plus_arrived_as_a_space_is_told_to_encode_it()
    {
        var claim = await api.FlagClaimAsync("Fares rose 4%");
        // What a tool sends when it forgets to encode '+': the query string decodes it to a space.
        foreach (var url in new[] { $"/api/claims/{claim}?asOf=2026-12-01T10:00:00+01:00", "/api/audit?from=2026-12-01T10:00:00+01:00" })
        {
            var refused = await api.Auditor.GetAsync(url);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, url);
            (await refused.Content.ReadAsStringAsync()).ShouldContain("%2B");
        }
        (await api.Auditor.GetAsync($"/api/claims/{claim}?asOf=2099-12-01T10:00:00%2B01:00")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
