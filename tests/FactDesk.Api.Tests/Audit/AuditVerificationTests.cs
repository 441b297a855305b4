using System.Net;
using System.Text.Json;
using FactDesk.Api.Claims;
using Microsoft.AspNetCore.Hosting;
using Shouldly;

namespace FactDesk.Api.Tests.Audit;

/// <summary>The service with a full re-verification allowed whenever none runs (no waiting window), in steps of two events.</summary>
public class ApiReverifyingFreely : FactDeskApi
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Audit:FullVerificationInterval", "00:00:00");
        builder.UseSetting("Audit:FullVerificationBatch", "2");
    }
}

/// <summary>The service verifying at most three events per call.</summary>
public class ApiVerifyingThreeAtATime : FactDeskApi
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Audit:MaxEventsPerCall", "3");
    }
}

internal static class Verification
{
    public static async Task<JsonElement> VerifyAsync(this FactDeskApi api)
    {
        var response = await api.Auditor.GetAsync("/api/audit/verification");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.ReadJsonAsync();
    }

    public static async Task<long> PositionOfAsync(this FactDeskApi api, Guid stream, long version)
    {
        await using var cmd = api.Store.DataSource.CreateCommand($"select seq_id from factdesk.mt_events where stream_id = '{stream}' and version = {version}");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Three claims, each assigned and given a source: nine events, chained into the ledger.</summary>
    public static async Task<Guid[]> ThreeWorkedClaimsAsync(this FactDeskApi api)
    {
        var claims = new[] { await api.FlagAsync(), await api.FlagAsync(), await api.FlagAsync() };
        foreach (var claim in claims)
            await api.AppendToClaimAsync(claim, new ClaimAssigned(claim, "Jon Berg", NewsroomHistory.Desk, DateTimeOffset.UtcNow));
        foreach (var claim in claims)
            await api.AppendToClaimAsync(claim, new SourceAttached(claim, Guid.NewGuid(), "https://stats.example", null, null, null, null, null,
                Stance.Supports, SourceKind.Primary, NewsroomHistory.Desk, DateTimeOffset.UtcNow));
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(20));
        return claims;
    }

    /// <summary>Asks for a full re-verification as <paramref name="client"/> and follows it until it is done; returns its last status.</summary>
    public static async Task<JsonElement> ReverifyAsync(this FactDeskApi api, HttpClient client, List<double>? progress = null)
    {
        var started = await client.PostAsync("/api/audit/verification/full", null);
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        var location = started.Headers.Location!.ToString();
        (await started.ReadJsonAsync()).GetProperty("statusUrl").GetString().ShouldBe(location);
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var status = await (await client.GetAsync(location)).ReadJsonAsync();
            progress?.Add(status.GetProperty("progress").GetDouble());
            if (status.GetProperty("status").GetString() != "running") return status;
            if (DateTime.UtcNow > limit) throw new TimeoutException("The full re-verification did not finish: " + status);
            await Task.Delay(20);
        }
    }
}

public class AuditVerificationTests(ApiReverifyingFreely api) : IClassFixture<ApiReverifyingFreely>
{
    [Fact]
    public async Task An_edit_before_the_checkpoint_is_left_to_the_full_re_verification_and_one_after_it_is_found_at_once()
    {
        var claims = await api.ThreeWorkedClaimsAsync();

        var intact = await api.VerifyAsync();
        intact.GetProperty("ok").GetBoolean().ShouldBeTrue(intact.ToString());
        intact.GetProperty("eventsChecked").GetInt64().ShouldBe(await api.CountEventsAsync());
        intact.GetProperty("firstBrokenPosition").ValueKind.ShouldBe(JsonValueKind.Null);
        intact.GetProperty("ledgerHead").GetString().ShouldNotBeNullOrEmpty();
        intact.GetProperty("verifiedFrom").GetInt64().ShouldBe(0);
        intact.GetProperty("remaining").GetInt64().ShouldBe(0);
        var checkpoint = intact.GetProperty("checkpoint");
        checkpoint.GetProperty("position").GetInt64().ShouldBe(intact.GetProperty("verifiedTo").GetInt64());
        checkpoint.GetProperty("ledgerHead").GetString().ShouldBe(intact.GetProperty("ledgerHead").GetString());

        // Someone edits an event the checkpoint already covers: the next call verifies only what came after it.
        var edited = await api.PositionOfAsync(claims[2], 3);
        edited.ShouldBeLessThanOrEqualTo(checkpoint.GetProperty("position").GetInt64());
        await api.ExecuteAsync($"update factdesk.mt_events set data = jsonb_set(data, '{{url}}', '\"https://forged.example\"') where seq_id = {edited}");
        var incremental = await api.VerifyAsync();
        incremental.GetProperty("ok").GetBoolean().ShouldBeTrue(incremental.ToString());
        incremental.GetProperty("eventsChecked").GetInt64().ShouldBe(0);
        incremental.GetProperty("verifiedFrom").GetInt64().ShouldBe(checkpoint.GetProperty("position").GetInt64());

        // The auditor's full re-verification reads the whole log again and finds it, with its progress on the way.
        var progress = new List<double>();
        var full = await api.ReverifyAsync(api.Auditor, progress);
        full.GetProperty("status").GetString().ShouldBe("done");
        full.GetProperty("requestedBy").GetString().ShouldBe("Audrey Kim");
        full.GetProperty("progress").GetDouble().ShouldBe(1);
        progress.ShouldAllBe(p => p >= 0 && p <= 1);
        var result = full.GetProperty("result");
        result.GetProperty("ok").GetBoolean().ShouldBeFalse();
        result.GetProperty("firstBrokenPosition").GetInt64().ShouldBe(edited);
        result.GetProperty("problem").GetString()!.ShouldContain(edited.ToString());

        // An edit after the checkpoint: the next incremental call finds it, and keeps finding it (the checkpoint stays).
        var later = await api.FlagAsync();
        await api.AppendToClaimAsync(later, new ClaimAssigned(later, "Jon Berg", NewsroomHistory.Desk, DateTimeOffset.UtcNow));
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(20));
        var editedLater = await api.PositionOfAsync(later, 2);
        editedLater.ShouldBeGreaterThan(checkpoint.GetProperty("position").GetInt64());
        await api.ExecuteAsync($"update factdesk.mt_events set data = jsonb_set(data, '{{assignee}}', '\"Ines Vale\"') where seq_id = {editedLater}");
        foreach (var _ in new[] { 1, 2 })
        {
            var found = await api.VerifyAsync();
            found.GetProperty("ok").GetBoolean().ShouldBeFalse(found.ToString());
            found.GetProperty("firstBrokenPosition").GetInt64().ShouldBe(editedLater);
            found.GetProperty("checkpoint").GetProperty("position").GetInt64().ShouldBe(checkpoint.GetProperty("position").GetInt64());
        }
    }

}

public class FullReverificationTests(ApiReverifyingFreely api) : IClassFixture<ApiReverifyingFreely>
{
    [Fact]
    public async Task A_full_re_verification_names_a_deleted_event_before_an_edited_one_and_an_intact_run_moves_the_checkpoint()
    {
        var claims = await api.ThreeWorkedClaimsAsync();
        var intact = await api.ReverifyAsync(api.Senior);
        intact.GetProperty("status").GetString().ShouldBe("done");
        intact.GetProperty("eventsTotal").GetInt64().ShouldBe(await api.CountEventsAsync());
        intact.GetProperty("eventsChecked").GetInt64().ShouldBe(await api.CountEventsAsync());
        var result = intact.GetProperty("result");
        result.GetProperty("ok").GetBoolean().ShouldBeTrue(intact.ToString());
        // The incremental verification goes on from where the full one ended.
        var next = await api.VerifyAsync();
        next.GetProperty("verifiedFrom").GetInt64().ShouldBe(result.GetProperty("verifiedTo").GetInt64());
        next.GetProperty("eventsChecked").GetInt64().ShouldBe(0);
        next.GetProperty("checkpoint").GetProperty("ledgerHead").GetString().ShouldBe(result.GetProperty("ledgerHead").GetString());

        var edited = await api.PositionOfAsync(claims[2], 3);
        var deleted = await api.PositionOfAsync(claims[0], 2);
        deleted.ShouldBeLessThan(edited);
        await api.ExecuteAsync($"update factdesk.mt_events set data = jsonb_set(data, '{{url}}', '\"https://forged.example\"') where seq_id = {edited}");
        await api.ExecuteAsync($"delete from factdesk.mt_events where seq_id = {deleted}");

        var broken = (await api.ReverifyAsync(api.Auditor)).GetProperty("result");
        broken.GetProperty("ok").GetBoolean().ShouldBeFalse();
        broken.GetProperty("firstBrokenPosition").GetInt64().ShouldBe(deleted);
        broken.GetProperty("problem").GetString().ShouldNotBeNullOrEmpty();
    }
}

public class AuditVerificationProgressTests(ApiVerifyingThreeAtATime api) : IClassFixture<ApiVerifyingThreeAtATime>
{
    [Fact]
    public async Task Each_call_verifies_a_bounded_part_and_says_how_much_remains()
    {
        await api.ThreeWorkedClaimsAsync();
        var total = await api.CountEventsAsync();
        total.ShouldBeGreaterThan(6);

        var checkedSoFar = 0L;
        var remaining = new List<long>();
        var previousTo = 0L;
        for (var call = 0; call < 10; call++)
        {
            var answer = await api.VerifyAsync();
            answer.GetProperty("ok").GetBoolean().ShouldBeTrue(answer.ToString());
            answer.GetProperty("eventsChecked").GetInt64().ShouldBeLessThanOrEqualTo(3);
            answer.GetProperty("verifiedFrom").GetInt64().ShouldBe(previousTo);
            previousTo = answer.GetProperty("verifiedTo").GetInt64();
            checkedSoFar += answer.GetProperty("eventsChecked").GetInt64();
            remaining.Add(answer.GetProperty("remaining").GetInt64());
            if (remaining[^1] == 0) break;
        }
        checkedSoFar.ShouldBe(total);
        remaining[0].ShouldBe(total - 3);
        remaining.ShouldBe(remaining.OrderByDescending(r => r).ToList());
        remaining[^1].ShouldBe(0);
    }
}

public class FullVerificationLimitsTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task Tools_and_editors_may_not_ask_for_a_full_re_verification_and_a_second_request_within_the_window_is_429()
    {
        await api.FlagAsync();
        foreach (var client in new[] { api.Tool, api.Editor })
        {
            var refused = await client.PostAsync("/api/audit/verification/full", null);
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }
        (await api.Anonymous.PostAsync("/api/audit/verification/full", null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var first = await api.Auditor.PostAsync("/api/audit/verification/full", null);
        first.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var again = await api.Senior.PostAsync("/api/audit/verification/full", null);
        again.StatusCode.ShouldBe((HttpStatusCode)429);
        again.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var retryAfter = again.Headers.RetryAfter!.Delta!.Value;
        retryAfter.ShouldBeGreaterThan(TimeSpan.FromMinutes(9));
        retryAfter.ShouldBeLessThanOrEqualTo(TimeSpan.FromMinutes(10));

        // The status of the run is for auditors and senior editors; an unknown run is 404, a malformed id 400.
        var location = first.Headers.Location!.ToString();
        (await api.Editor.GetAsync(location)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.Senior.GetAsync(location)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.Auditor.GetAsync($"/api/audit/verification/full/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Auditor.GetAsync("/api/audit/verification/full/not-a-run")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

}

public class FullVerificationIdempotencyTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task The_same_idempotency_key_answers_the_run_it_started_instead_of_429()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/audit/verification/full");
        request.Headers.Add("Idempotency-Key", "reverify-2026-12-01");
        var first = await api.Auditor.SendAsync(request);
        first.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        using var repeat = new HttpRequestMessage(HttpMethod.Post, "/api/audit/verification/full");
        repeat.Headers.Add("Idempotency-Key", "reverify-2026-12-01");
        var second = await api.Auditor.SendAsync(repeat);
        second.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        second.Headers.Location.ShouldBe(first.Headers.Location);
        second.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await second.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        // Another key in the window is the rate limit's business.
        using var other = new HttpRequestMessage(HttpMethod.Post, "/api/audit/verification/full");
        other.Headers.Add("Idempotency-Key", "reverify-2026-12-01-again");
        (await api.Auditor.SendAsync(other)).StatusCode.ShouldBe((HttpStatusCode)429);
    }
}
