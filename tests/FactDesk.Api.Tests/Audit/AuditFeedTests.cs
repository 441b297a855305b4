using System.Net;
using System.Text.Json;
using Shouldly;

namespace FactDesk.Api.Tests.Audit;

public class AuditFeedTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    private async Task<JsonElement> FeedAsync(string query)
    {
        var response = await api.Auditor.GetAsync("/api/audit?" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    private static List<JsonElement> Items(JsonElement page) => page.GetProperty("items").EnumerateArray().ToList();

    private async Task<long> LastPositionAsync()
    {
        await using var cmd = api.Store.DataSource.CreateCommand("select coalesce(max(seq_id), 0) from factdesk.mt_events");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task The_feed_lists_every_event_in_global_order_with_who_when_why_and_hash()
    {
        var before = await LastPositionAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/claims") { Content = System.Net.Http.Json.JsonContent.Create(new { quote = "Wages rose 7%", reason = "r" }) };
        request.Headers.Add("X-Correlation-Id", "audit-corr-1");
        var flagged = (await (await api.Tool.SendAsync(request)).ReadJsonAsync()).GetProperty("id").GetGuid();
        var second = await api.FlagClaimAsync("Wages fell 2%");
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(20));

        var items = Items(await FeedAsync($"after={before}"));

        items.Select(i => i.GetProperty("streamId").GetGuid()).ShouldBe([flagged, second]);
        items.Select(i => i.GetProperty("position").GetInt64()).ShouldBeInOrder(SortDirection.Ascending);
        var first = items[0];
        first.GetProperty("position").GetInt64().ShouldBeGreaterThan(before);
        first.GetProperty("streamType").GetString().ShouldBe("claim");
        first.GetProperty("version").GetInt64().ShouldBe(1);
        first.GetProperty("type").GetString().ShouldBe("claim-flagged.v1");
        first.GetProperty("data").GetProperty("quote").GetString().ShouldBe("Wages rose 7%");
        first.GetProperty("actor").GetProperty("name").GetString().ShouldBe("cms-plugin");
        first.GetProperty("actor").GetProperty("role").GetString().ShouldBe("tool");
        first.GetProperty("correlationId").GetString().ShouldBe("audit-corr-1");
        first.GetProperty("causationId").GetString().ShouldNotBeNullOrEmpty();
        first.GetProperty("hash").GetString()!.Length.ShouldBe(64);
        first.GetProperty("recordedAt").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task Actor_type_and_time_filters_narrow_the_feed()
    {
        var before = await LastPositionAsync();
        var byTool = await api.FlagClaimAsync("Tax take up 12%");
        var byEditor = (await (await api.Editor.PostJsonAsync("/api/claims", new { quote = "Tax take down 3%", reason = "r" })).ReadJsonAsync()).GetProperty("id").GetGuid();
        await api.AppendToClaimAsync(byTool, new global::FactDesk.Api.Claims.ClaimAssigned(byTool, "Jon Berg", NewsroomHistory.Desk, DateTimeOffset.UtcNow));
        var last = await api.FlagClaimAsync("Tax take flat");
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(20));

        var byMara = Items(await FeedAsync($"after={before}&actor=Mara%20Lind"));
        byMara.Select(i => (i.GetProperty("streamId").GetGuid(), i.GetProperty("type").GetString())).ShouldBe([(byEditor, "claim-flagged.v1"), (byTool, "claim-assigned.v1")]);

        var assignments = Items(await FeedAsync($"after={before}&type=claim-assigned.v1"));
        assignments.ShouldHaveSingleItem().GetProperty("streamId").GetGuid().ShouldBe(byTool);

        var all = Items(await FeedAsync($"after={before}"));
        all.Count.ShouldBe(4);
        var middle = all[1].GetProperty("recordedAt").GetString();
        var third = all[2].GetProperty("recordedAt").GetString();
        var window = Items(await FeedAsync($"after={before}&from={Uri.EscapeDataString(middle!)}&to={Uri.EscapeDataString(third!)}"));
        window.Select(i => i.GetProperty("position").GetInt64()).ShouldBe([all[1].GetProperty("position").GetInt64(), all[2].GetProperty("position").GetInt64()]);
        Items(await FeedAsync($"after={before}&from={Uri.EscapeDataString(all[3].GetProperty("recordedAt").GetString()!)}"))
            .ShouldHaveSingleItem().GetProperty("streamId").GetGuid().ShouldBe(last);
    }

    [Fact]
    public async Task Paging_by_position_walks_the_feed_without_duplicates_or_gaps()
    {
        for (var i = 0; i < 7; i++) await api.FlagAsync();
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(20));
        var whole = Items(await FeedAsync("limit=1000")).Select(i => i.GetProperty("position").GetInt64()).ToList();
        whole.Count.ShouldBeGreaterThanOrEqualTo(7);

        var walked = new List<long>();
        long? after = 0;
        while (after is not null)
        {
            var page = await FeedAsync($"after={after}&limit=3");
            walked.AddRange(Items(page).Select(i => i.GetProperty("position").GetInt64()));
            after = page.GetProperty("nextAfter").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextAfter").GetInt64();
        }
        walked.ShouldBe(whole);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=many", "limit")]
    [InlineData("after=-1", "after")]
    [InlineData("after=first", "after")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2025-13-45", "to")]
    [InlineData("actor=a&actor=b", "actor")]
    public async Task Bad_filters_and_paging_are_400_problems(string query, string field)
    {
        var response = await api.Auditor.GetAsync("/api/audit?" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Every_role_may_read_the_feed_and_all_but_tools_its_verification_but_nobody_without_a_token()
    {
        (await api.Anonymous.GetAsync("/api/audit")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.Anonymous.GetAsync("/api/audit/verification")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        foreach (var client in new[] { api.Tool, api.Editor, api.Senior, api.Auditor })
            (await client.GetAsync("/api/audit")).StatusCode.ShouldBe(HttpStatusCode.OK);
        // The contract's second round: verification is not for tools.
        (await api.Tool.GetAsync("/api/audit/verification")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        foreach (var client in new[] { api.Editor, api.Senior, api.Auditor })
            (await client.GetAsync("/api/audit/verification")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static long[] Positions(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("position").GetInt64()).ToArray();

    [Fact]
    public async Task Newest_first_pages_by_before_cover_the_log_once_in_reverse()
    {
        for (var i = 0; i < 7; i++) await api.FlagClaimAsync($"Rents rose {i + 2}% in a year");
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(20));
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

public class AuditFeedWithASlowWriterTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task An_event_whose_transaction_commits_late_is_in_the_feed_in_its_place()
    {
        await api.FlagAsync();
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(20));

        // A writer draws its position, then stalls before committing, while later appends commit around it.
        await using var slow = await api.Store.DataSource.OpenConnectionAsync();
        await using var tx = await slow.BeginTransactionAsync();
        long slowPosition;
        // Marten's own append function, as a writer of an event type this service does not know would call it.
        await using (var append = new Npgsql.NpgsqlCommand("""
            select (factdesk.mt_quick_append_events(gen_random_uuid(), 'desk-note', null, array[gen_random_uuid()], array['desk-note-added.v1'],
                array['FactDesk.Api.Notes.DeskNoteAdded, FactDesk.Api'], array['{"note": "held back"}'::jsonb], array[null]::bytea[], array['slow'], array['slow'],
                array['{"actorName": "slow-writer", "actorRole": "editor"}'::jsonb], 0))[2]
            """, slow))
            slowPosition = (long)(await append.ExecuteScalarAsync())!;
        var later = new[] { await api.FlagClaimAsync("Later one"), await api.FlagClaimAsync("Later two") };

        // Marten's daemon skips a gap left open past StaleSequenceThreshold unless a live transaction may fill it: give
        // it several thresholds to be tempted, checking all along that the feed stops before the open position.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < api.Store.Marten.Options.Projections.StaleSequenceThreshold * 4 + TimeSpan.FromSeconds(2))
        {
            var during = await (await api.Auditor.GetAsync($"/api/audit?after={slowPosition - 1}")).ReadJsonAsync();
            during.GetProperty("items").GetArrayLength().ShouldBe(0, "the feed must stop before a position that may still commit");
            await Task.Delay(100);
        }

        await tx.CommitAsync();
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(20));

        var after = (await (await api.Auditor.GetAsync($"/api/audit?after={slowPosition - 1}")).ReadJsonAsync()).GetProperty("items").EnumerateArray().ToList();
        after.Select(i => i.GetProperty("position").GetInt64()).ShouldBe([slowPosition, slowPosition + 1, slowPosition + 2]);
        after[0].GetProperty("actor").GetProperty("name").GetString().ShouldBe("slow-writer");
        after[0].GetProperty("data").GetProperty("note").GetString().ShouldBe("held back");
        after.Skip(1).Select(i => i.GetProperty("streamId").GetGuid()).ShouldBe(later);
    }
}
