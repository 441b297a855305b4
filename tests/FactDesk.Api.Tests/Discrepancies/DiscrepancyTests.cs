using System.Net;
using System.Text.Json;
using Shouldly;

namespace FactDesk.Api.Tests.Discrepancies;

/// <summary>Two claims that state different figures for the same thing.</summary>
public class ApiWithConflictingClaims : FactDeskApi;

public class OpeningDiscrepancyTests(ApiWithConflictingClaims api) : IClassFixture<ApiWithConflictingClaims>
{
    private static object Body(Guid[] claimIds, Guid[]? sourceIds = null) => new
    {
        claimIds, sourceIds, kind = "numeric", description = "36% here, 26% there",
        values = new[] { new { side = "first claim", says = "36%" }, new { side = "second claim", says = "26%" } },
    };

    [Fact]
    public async Task Opening_answers_201_and_the_discrepancy_shows_on_both_linked_claims()
    {
        var first = await api.FlagClaimAsync("China is home to 36% of all large language models");
        var second = await api.FlagClaimAsync("China is home to 26% of all large language models");

        var response = await api.Tool.PostJsonAsync("/api/discrepancies", Body([first, second]));
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.ReadJsonAsync();
        var id = body.GetProperty("id").GetGuid();
        body.GetProperty("version").GetInt64().ShouldBe(1);
        response.Headers.Location!.ToString().ShouldBe($"/api/discrepancies/{id}");
        response.ETag().ShouldBe("\"1\"");

        foreach (var claimId in new[] { first, second })
        {
            var claim = await (await api.Auditor.GetAsync($"/api/claims/{claimId}")).ReadJsonAsync();
            var shown = claim.GetProperty("discrepancies").EnumerateArray().ShouldHaveSingleItem();
            shown.GetProperty("id").GetGuid().ShouldBe(id);
            shown.GetProperty("kind").GetString().ShouldBe("numeric");
            shown.GetProperty("status").GetString().ShouldBe("open");
            shown.GetProperty("outcome").ValueKind.ShouldBe(JsonValueKind.Null);
            shown.GetProperty("values")[1].GetProperty("says").GetString().ShouldBe("26%");
        }

        var read = await api.Auditor.GetAsync($"/api/discrepancies/{id}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.ETag().ShouldBe("\"1\"");
        var discrepancy = await read.ReadJsonAsync();
        discrepancy.GetProperty("claimIds").EnumerateArray().Select(c => c.GetGuid()).ShouldBe([first, second]);
        discrepancy.GetProperty("openedBy").GetProperty("name").GetString().ShouldBe("cms-plugin");
        discrepancy.GetProperty("status").GetString().ShouldBe("open");
    }

    [Fact]
    public async Task The_seed_shape_one_claim_plus_its_source_with_a_side_that_says_nothing_is_accepted()
    {
        var claim = await api.FlagClaimAsync();
        var source = await api.AttachSourceDirectlyAsync(claim);
        var response = await api.Tool.PostRawAsync("/api/discrepancies", $$"""
            {
              "claimIds": ["{{claim}}"],
              "sourceIds": ["{{source}}"],
              "kind": "attribution",
              "description": "The article attributes 36% to a CAICT white paper that no seed text quotes.",
              "values": [
                { "side": "dreyer-china-36pct-llms", "says": "36% of all large language models in existence, second only to the United States" },
                { "side": "caict-llm-white-paper", "says": null, "note": "Not stated in any seed text." }
              ]
            }
            """);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (await response.ReadJsonAsync()).GetProperty("id").GetGuid();
        var discrepancy = await (await api.Editor.GetAsync($"/api/discrepancies/{id}")).ReadJsonAsync();
        discrepancy.GetProperty("sourceIds")[0].GetGuid().ShouldBe(source);
        var paperSide = discrepancy.GetProperty("values")[1];
        paperSide.GetProperty("says").ValueKind.ShouldBe(JsonValueKind.Null);
        paperSide.GetProperty("note").GetString().ShouldBe("Not stated in any seed text.");
    }

    [Fact]
    public async Task An_unknown_linked_claim_is_422_naming_it_and_writes_nothing()
    {
        var known = await api.FlagClaimAsync();
        var before = await api.CountEventsAsync();
        var response = await api.Tool.PostJsonAsync("/api/discrepancies", Body([known, Guid.NewGuid()]));
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.ReadJsonAsync();
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe(["claimIds[1]"]);
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_source_of_another_claim_is_422()
    {
        var claim = await api.FlagClaimAsync();
        var other = await api.FlagClaimAsync("another claim");
        var foreignSource = await api.AttachSourceDirectlyAsync(other);
        var response = await api.Tool.PostJsonAsync("/api/discrepancies", Body([claim], [foreignSource]));
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("sourceIds[0]", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Who_may_open_tools_and_editors_yes_auditors_no_strangers_no()
    {
        var (a, b) = (await api.FlagClaimAsync(), await api.FlagClaimAsync());
        (await api.Anonymous.PostJsonAsync("/api/discrepancies", Body([a, b]))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var auditor = await api.Auditor.PostJsonAsync("/api/discrepancies", Body([a, b]));
        auditor.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await auditor.ReadJsonAsync()).GetProperty("type").GetString().ShouldEndWith("/forbidden");
        (await api.Editor.PostJsonAsync("/api/discrepancies", Body([a, b]))).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await api.Senior.PostJsonAsync("/api/discrepancies", Body([a, b]))).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await api.Anonymous.GetAsync("/api/discrepancies")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("{\"claimIds\": [", "body")]
    [InlineData("{\"claimIds\": \"abc\", \"kind\": \"numeric\", \"description\": \"d\"}", "claimIds")]
    [InlineData("{\"claimIds\": [\"not-a-uuid\"], \"kind\": \"numeric\", \"description\": \"d\"}", "claimIds[0]")]
    [InlineData("{\"claimIds\": [\"8d3c1f8e-2d2b-4a57-9d0e-1b1f4d6c1a01\", \"8d3c1f8e-2d2b-4a57-9d0e-1b1f4d6c1a02\"], \"description\": \"d\"}", "kind")]
    [InlineData("{\"claimIds\": [\"8d3c1f8e-2d2b-4a57-9d0e-1b1f4d6c1a01\", \"8d3c1f8e-2d2b-4a57-9d0e-1b1f4d6c1a02\"], \"kind\": \"vibes\", \"description\": \"d\"}", "kind")]
    [InlineData("{\"claimIds\": [\"8d3c1f8e-2d2b-4a57-9d0e-1b1f4d6c1a01\", \"8d3c1f8e-2d2b-4a57-9d0e-1b1f4d6c1a02\"], \"kind\": \"date\"}", "description")]
    [InlineData("{\"claimIds\": [\"8d3c1f8e-2d2b-4a57-9d0e-1b1f4d6c1a01\"], \"kind\": \"date\", \"description\": \"d\"}", "claimIds")]
    [InlineData("{\"claimIds\": [\"8d3c1f8e-2d2b-4a57-9d0e-1b1f4d6c1a01\", \"8d3c1f8e-2d2b-4a57-9d0e-1b1f4d6c1a02\"], \"kind\": \"date\", \"description\": \"d\", \"values\": [{\"says\": 5}]}", "values[0].says")]
    [InlineData("{\"claimIds\": [\"8d3c1f8e-2d2b-4a57-9d0e-1b1f4d6c1a01\", \"8d3c1f8e-2d2b-4a57-9d0e-1b1f4d6c1a02\"], \"kind\": \"date\", \"description\": \"d\", \"values\": [{\"says\": \"x\"}]}", "values[0].side")]
    public async Task Bad_bodies_are_field_level_400s_and_write_nothing(string json, string field)
    {
        var before = await api.CountEventsAsync();
        var response = await api.Tool.PostRawAsync("/api/discrepancies", json);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_413()
    {
        var response = await api.Tool.PostJsonAsync("/api/discrepancies", new
        {
            claimIds = new[] { Guid.NewGuid(), Guid.NewGuid() }, kind = "other", description = new string('d', 1024 * 1024 + 1),
        });
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Retrying_with_the_same_idempotency_key_opens_once()
    {
        var (a, b) = (await api.FlagClaimAsync(), await api.FlagClaimAsync());
        var first = await api.Tool.PostJsonAsync("/api/discrepancies", Body([a, b]), idempotencyKey: "open-36-vs-26");
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var before = await api.CountEventsAsync();
        var again = await api.Tool.PostJsonAsync("/api/discrepancies", Body([a, b]), idempotencyKey: "open-36-vs-26");
        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await again.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        again.Headers.Location.ShouldBe(first.Headers.Location);
        (await api.CountEventsAsync()).ShouldBe(before);
        (await api.Tool.PostJsonAsync("/api/discrepancies", Body([b, a]), idempotencyKey: "open-36-vs-26")).StatusCode
            .ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Unknown_and_malformed_discrepancy_ids_are_404_and_400()
    {
        (await api.Auditor.GetAsync($"/api/discrepancies/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Auditor.GetAsync("/api/discrepancies/not-an-id")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}

public class ResolvingDiscrepancyTests(ApiWithConflictingClaims api) : IClassFixture<ApiWithConflictingClaims>
{
    private static object Resolution(string outcome = "claim-stands", Guid[]? sourceIds = null) =>
        new { outcome, rationale = "The white paper's table 3 says 36%.", resolvedValue = "36%", sourceIds };

    private async Task<(Guid Discrepancy, Guid Claim, Guid Source)> OpenedAsync()
    {
        var claim = await api.FlagClaimAsync();
        var other = await api.FlagClaimAsync("China is home to 26% of all large language models");
        var source = await api.AttachSourceDirectlyAsync(claim);
        return (await api.OpenDiscrepancyAsync([claim, other]), claim, source);
    }

    [Fact]
    public async Task An_editor_resolves_and_the_outcome_shows_on_the_claim()
    {
        var (id, claim, source) = await OpenedAsync();
        var response = await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution(sourceIds: [source]));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.ReadJsonAsync()).GetProperty("version").GetInt64().ShouldBe(2);
        response.ETag().ShouldBe("\"2\"");

        var discrepancy = await (await api.Auditor.GetAsync($"/api/discrepancies/{id}")).ReadJsonAsync();
        discrepancy.GetProperty("status").GetString().ShouldBe("resolved");
        var resolution = discrepancy.GetProperty("resolution");
        resolution.GetProperty("outcome").GetString().ShouldBe("claim-stands");
        resolution.GetProperty("evidenceSourceIds")[0].GetGuid().ShouldBe(source);
        resolution.GetProperty("by").GetProperty("name").GetString().ShouldBe("Mara Lind");

        var shown = (await (await api.Auditor.GetAsync($"/api/claims/{claim}")).ReadJsonAsync()).GetProperty("discrepancies")[0];
        shown.GetProperty("status").GetString().ShouldBe("resolved");
        shown.GetProperty("outcome").GetString().ShouldBe("claim-stands");
        shown.GetProperty("resolvedValue").GetString().ShouldBe("36%");
    }

    [Fact]
    public async Task Resolving_again_exactly_as_before_is_200_and_writes_nothing_anything_else_is_409()
    {
        var (id, _, _) = await OpenedAsync();
        (await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution())).StatusCode.ShouldBe(HttpStatusCode.OK);
        var before = await api.CountEventsAsync();

        var same = await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution());
        same.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await same.ReadJsonAsync()).GetProperty("version").GetInt64().ShouldBe(2);

        foreach (var other in new[]
                 {
                     await api.SecondEditor.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution()),
                     await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution("sources-disagree")),
                 })
        {
            other.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await other.ReadJsonAsync()).GetProperty("type").GetString().ShouldBe("https://factdesk.example/rules/discrepancy-already-resolved");
        }
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_stale_if_match_is_412_and_a_current_one_succeeds()
    {
        var (id, _, _) = await OpenedAsync();
        var before = await api.CountEventsAsync();
        var stale = await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution(), ifMatch: "\"7\"");
        stale.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await api.CountEventsAsync()).ShouldBe(before);
        (await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution(), ifMatch: "\"1\"")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Tools_and_auditors_may_not_resolve()
    {
        var (id, _, _) = await OpenedAsync();
        (await api.Tool.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution())).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.Auditor.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution())).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.Anonymous.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution())).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.Senior.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution())).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Evidence_that_is_not_a_source_of_the_linked_claims_is_422()
    {
        var (id, _, _) = await OpenedAsync();
        var stranger = await api.AttachSourceDirectlyAsync(await api.FlagClaimAsync("unrelated"));
        var response = await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution(sourceIds: [stranger]));
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("sourceIds[0]", out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("{\"outcome\": \"maybe\", \"rationale\": \"r\"}", "outcome")]
    [InlineData("{\"rationale\": \"r\"}", "outcome")]
    [InlineData("{\"outcome\": \"claim-stands\"}", "rationale")]
    [InlineData("{\"outcome\": \"claim-corrected\", \"rationale\": \"r\"}", "resolvedValue")]
    [InlineData("{\"outcome\": \"claim-stands\", \"rationale\": \"r\", \"sourceIds\": [1]}", "sourceIds[0]")]
    [InlineData("{\"outcome\": true, \"rationale\": \"r\"}", "outcome")]
    public async Task Bad_resolutions_are_400(string json, string field)
    {
        var (id, _, _) = await OpenedAsync();
        var response = await api.Editor.PostRawAsync($"/api/discrepancies/{id}/resolution", json);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Resolving_an_unknown_or_malformed_id_is_404_or_400()
    {
        (await api.Editor.PostJsonAsync($"/api/discrepancies/{Guid.NewGuid()}/resolution", Resolution())).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Editor.PostJsonAsync("/api/discrepancies/xyz/resolution", Resolution())).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_past_claim_shows_the_discrepancy_as_it_was_then()
    {
        var claim = await api.FlagClaimAsync();
        var other = await api.FlagClaimAsync("China is home to 26% of all large language models");
        var id = await api.OpenDiscrepancyAsync([claim, other]);
        await api.AttachSourceDirectlyAsync(claim); // claim version 2, recorded while the discrepancy is open
        var openedAt = (await api.Store.ReadStreamAsync(id)).Single().RecordedAt;
        (await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/resolution", Resolution())).StatusCode.ShouldBe(HttpStatusCode.OK);

        async Task<JsonElement> DiscrepanciesAt(string query) =>
            (await (await api.Auditor.GetAsync($"/api/claims/{claim}{query}")).ReadJsonAsync()).GetProperty("discrepancies");

        (await DiscrepanciesAt(""))[0].GetProperty("status").GetString().ShouldBe("resolved");
        var atVersion2 = await DiscrepanciesAt("?version=2");
        atVersion2.GetArrayLength().ShouldBe(1);
        atVersion2[0].GetProperty("status").GetString().ShouldBe("open");
        atVersion2[0].GetProperty("outcome").ValueKind.ShouldBe(JsonValueKind.Null);
        (await DiscrepanciesAt("?version=1")).GetArrayLength().ShouldBe(0);
        var asOf = Uri.EscapeDataString(openedAt.ToString("O"));
        (await DiscrepanciesAt($"?asOf={asOf}"))[0].GetProperty("status").GetString().ShouldBe("open");
    }
}

/// <summary>Its own database, so the list holds only what these tests opened.</summary>
public class ApiWithAFewDiscrepancies : FactDeskApi;

public class ListingDiscrepanciesTests(ApiWithAFewDiscrepancies api) : IClassFixture<ApiWithAFewDiscrepancies>
{
    [Fact]
    public async Task Lists_filter_by_status_and_claim_and_page_newest_first()
    {
        var (a, b, c) = (await api.FlagClaimAsync(), await api.FlagClaimAsync(), await api.FlagClaimAsync());
        var first = await api.OpenDiscrepancyAsync([a, b]);
        var second = await api.OpenDiscrepancyAsync([b, c]);
        var third = await api.OpenDiscrepancyAsync([a, c]);
        (await api.Editor.PostJsonAsync($"/api/discrepancies/{second}/resolution",
            new { outcome = "not-a-conflict", rationale = "different years" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        async Task<JsonElement> List(string query)
        {
            var response = await api.Auditor.GetAsync("/api/discrepancies" + query);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            return await response.ReadJsonAsync();
        }
        static Guid[] Ids(JsonElement list) => list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();

        Ids(await List("?status=open")).ShouldBe([third, first]);
        var resolved = await List("?status=resolved");
        Ids(resolved).ShouldBe([second]);
        resolved.GetProperty("items")[0].GetProperty("outcome").GetString().ShouldBe("not-a-conflict");
        resolved.GetProperty("items")[0].GetProperty("version").GetInt64().ShouldBe(2);
        Ids(await List($"?claimId={a}")).ShouldBe([third, first]);

        var page1 = await List("?limit=2");
        Ids(page1).ShouldBe([third, second]);
        var cursor = page1.GetProperty("nextCursor").GetString()!;
        var page2 = await List($"?limit=2&cursor={Uri.EscapeDataString(cursor)}");
        Ids(page2).ShouldBe([first]);
        page2.GetProperty("nextCursor").ValueKind.ShouldBe(JsonValueKind.Null);

        // The tables are only a projection of the streams: a rebuild gives the same answers.
        await api.Projections.RebuildAsync("discrepancy-links");
        Ids(await List("?status=open")).ShouldBe([third, first]);
        Ids(await List("?status=resolved")).ShouldBe([second]);
    }

    [Theory]
    [InlineData("?status=closed", "status")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=many", "limit")]
    [InlineData("?cursor=garbage", "cursor")]
    [InlineData("?claimId=nope", "claimId")]
    public async Task Bad_list_queries_are_400(string query, string field)
    {
        var response = await api.Auditor.GetAsync("/api/discrepancies" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }
}
