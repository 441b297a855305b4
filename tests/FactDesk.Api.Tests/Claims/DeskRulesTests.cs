using System.Net;
using System.Text.Json;
using FactDesk.Testing;
using Microsoft.AspNetCore.Hosting;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

/// <summary>The workflow rules exactly as the README's table states them, each refused with its rule and nothing written.</summary>
public class DeskRulesTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task A_verdict_is_not_proposed_on_a_flagged_claim_that_no_one_was_given()
    {
        var claim = await api.FlagClaimAsync();
        await api.AttachSourceDirectlyAsync(claim);
        var before = await api.CountEventsAsync();

        var refused = await api.Editor.PostJsonAsync($"/api/claims/{claim}/verdict", new { rating = "misleading", summary = "Counts differ." });

        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await refused.ReadJsonAsync()).GetProperty("type").GetString().ShouldBe("https://factdesk.example/rules/claim-not-in-review");
        (await api.CountEventsAsync()).ShouldBe(before);

        (await api.Senior.PostJsonAsync($"/api/claims/{claim}/assignment", new { assignee = "Mara Lind" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.Editor.PostJsonAsync($"/api/claims/{claim}/verdict", new { rating = "misleading", summary = "Counts differ." }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_version_the_claim_never_reached_is_404_not_the_current_state()
    {
        var claim = await api.FlagClaimAsync();
        (await api.Auditor.GetAsync($"/api/claims/{claim}?version=1")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var missing = await api.Auditor.GetAsync($"/api/claims/{claim}?version=2");
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await missing.ReadJsonAsync()).GetProperty("detail").GetString()!.ShouldContain("at version 1");
    }

    [Theory]
    [InlineData("{\"quote\":\"Rents rose 9%\",\"reason\":\"r\",\"priorty\":\"high\"}", "priorty")]
    [InlineData("{\"quote\":\"Rents rose 9%\",\"reason\":\"r\",\"assertion\":{\"subjekt\":\"rents\"}}", "assertion.subjekt")]
    public async Task A_field_the_request_does_not_have_is_400_naming_it_and_nothing_is_written(string json, string field)
    {
        var before = await api.CountEventsAsync();
        var refused = await api.Tool.PostRawAsync("/api/claims", json);
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var body = await refused.Content.ReadAsStringAsync();
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        errors.TryGetProperty(field, out var messages).ShouldBeTrue(body);
        messages[0].GetString()!.ShouldContain("is not a field of this request");
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task The_desk_lists_its_people_and_a_claim_goes_only_to_an_editor_on_it()
    {
        var people = (await (await api.Tool.GetAsync("/api/people")).ReadJsonAsync()).GetProperty("items").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => (Role: p.GetProperty("role").GetString(), Assignable: p.GetProperty("canBeAssigned").GetBoolean()));
        people["Mara Lind"].ShouldBe(("editor", true));
        people["Tomás Ruiz"].ShouldBe(("senior-editor", true));
        people["Audrey Kim"].ShouldBe(("auditor", false));
        people.ShouldNotContainKey("cms-plugin");

        var claim = await api.FlagClaimAsync();
        foreach (var stranger in new[] { "Maria Lind", "Audrey Kim", "cms-plugin" })
        {
            var refused = await api.Senior.PostJsonAsync($"/api/claims/{claim}/assignment", new { assignee = stranger });
            refused.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, stranger);
            (await refused.ReadJsonAsync()).GetProperty("errors").GetProperty("assignee")[0].GetString()!.ShouldContain(stranger);
        }
        (await (await api.Auditor.GetAsync($"/api/claims/{claim}")).ReadJsonAsync()).GetProperty("version").GetInt64().ShouldBe(1);
        (await api.Senior.PostJsonAsync($"/api/claims/{claim}/assignment", new { assignee = " Jon Berg " })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_resolved_discrepancy_takes_only_an_exact_repeat_of_its_resolution()
    {
        var first = await api.FlagClaimAsync("China is home to 36% of LLMs");
        var second = await api.FlagClaimAsync("China is home to 26% of LLMs");
        var discrepancy = await api.OpenDiscrepancyAsync([first, second]);
        var resolution = new { outcome = "claim-corrected", rationale = "The census counts 26%.", resolvedValue = "26%" };

        var resolved = await api.Editor.PostJsonAsync($"/api/discrepancies/{discrepancy}/resolution", resolution);
        resolved.StatusCode.ShouldBe(HttpStatusCode.OK);
        var version = (await resolved.ReadJsonAsync()).GetProperty("version").GetInt64();

        var repeat = await api.Editor.PostJsonAsync($"/api/discrepancies/{discrepancy}/resolution", resolution);
        repeat.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await repeat.ReadJsonAsync()).GetProperty("version").GetInt64().ShouldBe(version);

        foreach (var (client, body) in new[]
                 {
                     (api.Editor, (object)new { outcome = "claim-corrected", rationale = "Another reason.", resolvedValue = "26%" }),
                     (api.Editor, new { outcome = "claim-corrected", rationale = "The census counts 26%.", resolvedValue = "27%" }),
                     (api.SecondEditor, (object)resolution),
                 })
        {
            var refused = await client.PostJsonAsync($"/api/discrepancies/{discrepancy}/resolution", body);
            refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await refused.ReadJsonAsync()).GetProperty("type").GetString().ShouldBe("https://factdesk.example/rules/discrepancy-already-resolved");
        }
        (await (await api.Auditor.GetAsync($"/api/discrepancies/{discrepancy}")).ReadJsonAsync())
            .GetProperty("resolution").GetProperty("rationale").GetString().ShouldBe("The census counts 26%.");
    }

    [Fact]
    public async Task A_quote_anchors_in_an_article_when_only_its_other_layout_has_it()
    {
        // The print layout carries a paragraph that the web excerpt lacks; the web copy was ingested first, so it is the original.
        var web = (await api.IngestAsync(RepositorySeeds.Article("000"), "The AI race (web)", "2025-02-18")).GetProperty("id").GetGuid();
        var print = await api.IngestAsync(RepositorySeeds.Article("001"), "The AI race (print)", "2025-02-18");
        print.GetProperty("duplicateOf").GetGuid().ShouldBe(web);
        const string onlyInPrint = "Currently, China is home to 36% of all large language models in existence";
        RepositorySeeds.Article("000").ShouldNotContain("36%");

        var flagged = await api.Tool.PostJsonAsync("/api/claims", new { quote = onlyInPrint, reason = "share of a world total", documentId = web });
        flagged.StatusCode.ShouldBe(HttpStatusCode.Created, await flagged.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Flagging_a_flagged_quote_again_points_to_the_claim_that_exists()
    {
        var document = (await api.IngestAsync("Alibaba has released over 400 open Qwen models, amassing over one billion downloads.", "Qwen", "2025-01-10"))
            .GetProperty("id").GetGuid();
        var body = new { quote = "over 400 open Qwen models", reason = "model count", documentId = document };

        // Two tools at once: one claim, and every other answer names it.
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => api.Tool.PostJsonAsync("/api/claims", body)));
        var created = answers.Where(a => a.StatusCode == HttpStatusCode.Created).ShouldHaveSingleItem();
        var claimId = (await created.ReadJsonAsync()).GetProperty("id").GetGuid();
        foreach (var refused in answers.Where(a => a != created))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            var problem = await refused.ReadJsonAsync();
            problem.GetProperty("type").GetString().ShouldBe("https://factdesk.example/rules/claim-already-flagged");
            problem.GetProperty("claimId").GetGuid().ShouldBe(claimId);
            problem.GetProperty("detail").GetString()!.ShouldContain(claimId.ToString());
        }

        // Spacing and quote marks do not make another sentence.
        (await api.Editor.PostJsonAsync("/api/claims", new { quote = "over  400 open Qwen models ", reason = "again", documentId = document }))
            .StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await api.Tool.PostJsonAsync("/api/claims", new { body.quote, body.reason, body.documentId, allowDuplicate = true }))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var duplicate = await api.Editor.PostJsonAsync("/api/claims", new { body.quote, body.reason, body.documentId, allowDuplicate = true });
        duplicate.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await duplicate.ReadJsonAsync()).GetProperty("id").GetGuid().ShouldNotBe(claimId);
    }
}

/// <summary>A service that gives up on a lost race at once, so contention is easy to cause.</summary>
public class ApiThatNeverRetriesARace : FactDeskApi
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Commands:MaxOptimisticRetries", "0");
    }
}

public class ContentionRefusalTests(ApiThatNeverRetriesARace api) : IClassFixture<ApiThatNeverRetriesARace>
{
    [Fact]
    public async Task A_refusal_for_contention_is_not_remembered_as_the_keys_answer()
    {
        var claim = await api.FlagClaimAsync();
        var contended = new List<(string Key, object Body)>();
        for (var round = 0; round < 10 && contended.Count == 0; round++)
        {
            var requests = Enumerable.Range(0, 16).Select(i => (Key: $"attach-{round}-{i}", Body: (object)new { citation = $"Census table {round}.{i}", stance = "context" })).ToList();
            var answers = await Task.WhenAll(requests.Select(r => api.Tool.PostJsonAsync($"/api/claims/{claim}/sources", r.Body, r.Key)));
            for (var i = 0; i < answers.Length; i++)
            {
                if (answers[i].StatusCode == HttpStatusCode.OK) continue;
                answers[i].StatusCode.ShouldBe(HttpStatusCode.Conflict);
                (await answers[i].ReadJsonAsync()).GetProperty("type").GetString()!.ShouldEndWith("/too-much-contention");
                contended.Add(requests[i]);
            }
        }
        contended.ShouldNotBeEmpty("sixteen writers on one claim with no retries should collide");

        foreach (var (key, body) in contended)
        {
            var retried = await api.Tool.PostJsonAsync($"/api/claims/{claim}/sources", body, key);
            retried.StatusCode.ShouldBe(HttpStatusCode.OK);
            retried.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        }
    }
}
