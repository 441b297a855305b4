using System.Net;
using System.Text.Json;
using FactDesk.Api.Claims;
using Shouldly;

namespace FactDesk.Api.Tests.Queue;

public class ReviewQueueTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    private static readonly DateTimeOffset Morning = new(2025, 3, 4, 8, 0, 0, TimeSpan.Zero);

    private async Task<JsonElement> QueueAsync(string query, HttpClient? client = null)
    {
        var response = await (client ?? api.Editor).GetAsync("/api/queue?" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    private static List<Guid> Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();

    [Fact]
    public async Task Open_claims_come_most_urgent_first_then_soonest_due_then_oldest_then_by_id()
    {
        var desk = Guid.NewGuid();
        var lowOld = await api.FlagAsync(Priority.Low, at: Morning, documentId: desk);
        var normal = await api.FlagAsync(Priority.Normal, at: Morning.AddHours(1), documentId: desk);
        var urgentNoDue = await api.FlagAsync(Priority.Urgent, at: Morning, documentId: desk);
        var urgentDueLate = await api.FlagAsync(Priority.Urgent, dueAt: Morning.AddDays(2), at: Morning.AddHours(3), documentId: desk);
        var urgentDueSoon = await api.FlagAsync(Priority.Urgent, dueAt: Morning.AddDays(1), at: Morning.AddHours(4), documentId: desk);
        var highDueSoonest = await api.FlagAsync(Priority.High, dueAt: Morning.AddHours(5), at: Morning, documentId: desk);
        var twinA = Guid.Parse("00000000-0000-0000-0000-00000000000a");
        var twinB = Guid.Parse("00000000-0000-0000-0000-00000000000b");
        await api.FlagAsync(Priority.High, at: Morning.AddHours(2), documentId: desk, id: twinB);
        await api.FlagAsync(Priority.High, at: Morning.AddHours(2), documentId: desk, id: twinA);
        var dismissed = await api.FlagAsync(Priority.Urgent, at: Morning.AddHours(-5), documentId: desk);
        await api.AppendToClaimAsync(dismissed, new ClaimDismissed(dismissed, "not checkable", NewsroomHistory.Desk, Morning));
        var published = await api.FlagAsync(Priority.Urgent, at: Morning.AddHours(-6), documentId: desk);
        await api.AppendToClaimAsync(published, new FactCheckPublished(published, null, NewsroomHistory.Desk, Morning));

        var page = await QueueAsync($"documentId={desk}");

        Ids(page).ShouldBe([urgentDueSoon, urgentDueLate, urgentNoDue, highDueSoonest, twinA, twinB, normal, lowOld]);
        page.GetProperty("nextCursor").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_row_shows_status_assignee_unretracted_sources_open_discrepancies_and_version()
    {
        var desk = Guid.NewGuid();
        var claim = await api.FlagAsync(Priority.High, dueAt: Morning.AddDays(1), at: Morning, documentId: desk, quote: "Exports doubled");
        var kept = Guid.NewGuid();
        var withdrawn = Guid.NewGuid();
        await api.AppendToClaimAsync(claim,
            new ClaimAssigned(claim, "Jon Berg", NewsroomHistory.Desk, Morning),
            new SourceAttached(claim, kept, "https://stats.example/exports", null, null, null, null, null, Stance.Contradicts, SourceKind.Primary, NewsroomHistory.Desk, Morning),
            new SourceAttached(claim, withdrawn, "https://blog.example/exports", null, null, null, null, null, Stance.Supports, SourceKind.Secondary, NewsroomHistory.Desk, Morning),
            new SourceRetracted(claim, withdrawn, "a blog repeating the claim", NewsroomHistory.Desk, Morning));

        var row = (await QueueAsync($"documentId={desk}")).GetProperty("items").EnumerateArray().Single();

        row.GetProperty("id").GetGuid().ShouldBe(claim);
        row.GetProperty("quote").GetString().ShouldBe("Exports doubled");
        row.GetProperty("status").GetString().ShouldBe("in-review");
        row.GetProperty("priority").GetString().ShouldBe("high");
        row.GetProperty("assignee").GetString().ShouldBe("Jon Berg");
        row.GetProperty("dueAt").GetDateTimeOffset().ShouldBe(Morning.AddDays(1));
        row.GetProperty("flaggedAt").GetDateTimeOffset().ShouldBe(Morning);
        row.GetProperty("sourceCount").GetInt32().ShouldBe(1);
        row.GetProperty("openDiscrepancies").GetInt32().ShouldBe(0);
        row.GetProperty("version").GetInt64().ShouldBe(5);
    }

    [Fact]
    public async Task Each_filter_narrows_the_queue()
    {
        var desk = Guid.NewGuid();
        var assigned = await api.FlagAsync(Priority.Normal, at: Morning, documentId: desk);
        await api.AppendToClaimAsync(assigned, new ClaimAssigned(assigned, "Ines Vale", NewsroomHistory.Desk, Morning));
        var proposed = await api.FlagAsync(Priority.Urgent, at: Morning, documentId: desk);
        await api.AppendToClaimAsync(proposed,
            new ClaimAssigned(proposed, "Jon Berg", NewsroomHistory.Desk, Morning),
            new SourceAttached(proposed, Guid.NewGuid(), "https://stats.example", null, null, null, null, null, Stance.Supports, SourceKind.Primary, NewsroomHistory.Desk, Morning),
            new VerdictProposed(proposed, Rating.True, "matches the release", null, NewsroomHistory.Desk, Morning));
        var fresh = await api.FlagAsync(Priority.Low, at: Morning, documentId: desk);
        var elsewhere = await api.FlagAsync(Priority.Urgent, at: Morning);

        Ids(await QueueAsync($"documentId={desk}&status=verdict-proposed")).ShouldBe([proposed]);
        Ids(await QueueAsync($"documentId={desk}&status=flagged")).ShouldBe([fresh]);
        Ids(await QueueAsync($"documentId={desk}&assignee=Ines%20Vale")).ShouldBe([assigned]);
        Ids(await QueueAsync($"documentId={desk}&priority=low")).ShouldBe([fresh]);
        Ids(await QueueAsync($"documentId={desk}")).ShouldBe([proposed, assigned, fresh]);
        var urgentEverywhere = Ids(await QueueAsync("priority=urgent&limit=500"));
        urgentEverywhere.ShouldContain(elsewhere);
        urgentEverywhere.ShouldContain(proposed);
        urgentEverywhere.ShouldNotContain(fresh);
        Ids(await QueueAsync($"documentId={Guid.NewGuid()}")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Paging_with_the_cursor_walks_the_queue_without_duplicates_or_gaps()
    {
        var desk = Guid.NewGuid();
        var random = new Random(11);
        for (var i = 0; i < 23; i++)
            await api.FlagAsync((Priority)random.Next(4), dueAt: random.Next(3) == 0 ? null : Morning.AddHours(random.Next(5)),
                at: Morning.AddMinutes(random.Next(4)), documentId: desk);
        var whole = Ids(await QueueAsync($"documentId={desk}&limit=500"));
        whole.Count.ShouldBe(23);

        var walked = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await QueueAsync($"documentId={desk}&limit=5" + (cursor is null ? "" : $"&cursor={cursor}"));
            walked.AddRange(Ids(page));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        } while (cursor is not null);

        pages.ShouldBe(5);
        walked.ShouldBe(whole);
    }

    [Fact]
    public async Task A_claim_leaving_and_rejoining_the_queue_is_shown_only_while_open()
    {
        var desk = Guid.NewGuid();
        var claim = await api.FlagAsync(at: Morning, documentId: desk);
        await api.AppendToClaimAsync(claim, new ClaimDismissed(claim, "opinion, not fact", NewsroomHistory.Desk, Morning));
        Ids(await QueueAsync($"documentId={desk}")).ShouldBeEmpty();

        await api.AppendToClaimAsync(claim, new ClaimReopened(claim, "it is a figure after all", NewsroomHistory.Desk, Morning));
        var row = (await QueueAsync($"documentId={desk}")).GetProperty("items").EnumerateArray().Single();
        row.GetProperty("status").GetString().ShouldBe("flagged");
        row.GetProperty("version").GetInt64().ShouldBe(3);
    }

    [Fact]
    public async Task Open_discrepancies_are_counted_per_claim_and_resolution_takes_them_off()
    {
        var desk = Guid.NewGuid();
        var first = await api.FlagAsync(Priority.Urgent, at: Morning, documentId: desk);
        var second = await api.FlagAsync(Priority.Normal, at: Morning, documentId: desk);
        var both = Guid.NewGuid();
        var firstOnly = Guid.NewGuid();
        await api.OpenDiscrepancyAsync(both, first, second);
        await api.OpenDiscrepancyAsync(firstOnly, first);

        async Task<int[]> Counts() => (await QueueAsync($"documentId={desk}")).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("openDiscrepancies").GetInt32()).ToArray();

        (await Counts()).ShouldBe([2, 1]);
        await api.ResolveDiscrepancyAsync(both);
        (await Counts()).ShouldBe([1, 0]);
        await api.ResolveDiscrepancyAsync(both);
        (await Counts()).ShouldBe([1, 0]);
        await api.ResolveDiscrepancyAsync(firstOnly);
        (await Counts()).ShouldBe([0, 0]);
    }

    [Fact]
    public async Task A_claim_flagged_over_http_is_in_the_queue_as_soon_as_the_flag_answers()
    {
        var id = await api.FlagClaimAsync("Rents rose 40% in a decade", priority: "urgent");
        var row = (await QueueAsync("priority=urgent&limit=500")).GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == id);
        row.GetProperty("version").GetInt64().ShouldBe(1);
        row.GetProperty("status").GetString().ShouldBe("flagged");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("limit=5&limit=6", "limit")]
    [InlineData("cursor=not-a-cursor!", "cursor")]
    [InlineData("cursor=AQID", "cursor")]
    [InlineData("cursor=", "cursor")]
    [InlineData("status=published", "status")]
    [InlineData("status=asleep", "status")]
    [InlineData("priority=asap", "priority")]
    [InlineData("documentId=nope", "documentId")]
    public async Task Bad_paging_and_filters_are_400_problems(string query, string field)
    {
        var response = await api.Editor.GetAsync("/api/queue?" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task A_cursor_with_a_tampered_priority_is_refused()
    {
        var bytes = new byte[36];
        bytes[0] = 1;
        bytes[2] = 9;
        var response = await api.Editor.GetAsync("/api/queue?cursor=" + Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(bytes));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Every_role_may_read_the_queue_and_nobody_without_a_token()
    {
        (await api.Anonymous.GetAsync("/api/queue")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var unknown = api.CreateClient();
        unknown.DefaultRequestHeaders.Authorization = new("Bearer", "stolen-token");
        (await unknown.GetAsync("/api/queue")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        foreach (var client in new[] { api.Tool, api.Editor, api.Senior, api.Auditor })
            (await client.GetAsync("/api/queue")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
