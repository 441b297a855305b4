using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

public class AttachingSourcesTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task A_tool_attaches_a_source_and_the_answer_names_it()
    {
        var claim = await api.FlaggedClaimAsync();
        var body = await api.Tool.PostOkAsync(claim.Url("/sources"), new
        {
            url = "https://stats.example/llm-census", title = "LLM census", publisher = "Stats Office", publishedOn = "2025-01-10",
            quote = "12% of models", stance = "contradicts",
        });
        var sourceId = body.GetProperty("sourceId").GetGuid();
        body.GetProperty("version").GetInt64().ShouldBe(2);

        var source = (await api.ReadClaimAsync(claim.Id)).GetProperty("sources").EnumerateArray().ShouldHaveSingleItem();
        source.GetProperty("sourceId").GetGuid().ShouldBe(sourceId);
        source.GetProperty("stance").GetString().ShouldBe("contradicts");
        source.GetProperty("kind").GetString().ShouldBe("primary");
        source.GetProperty("publishedOn").GetString().ShouldBe("2025-01-10");
        source.GetProperty("attachedBy").GetProperty("name").GetString().ShouldBe("cms-plugin");
    }

    [Fact]
    public async Task A_citation_is_enough_when_there_is_no_url()
    {
        var claim = await api.FlaggedClaimAsync();
        await api.Editor.PostOkAsync(claim.Url("/sources"), new { citation = "Interview with the ministry, 3 March", stance = "context", kind = "secondary" });
        var source = (await api.ReadClaimAsync(claim.Id)).GetProperty("sources")[0];
        source.GetProperty("citation").GetString().ShouldBe("Interview with the ministry, 3 March");
        source.GetProperty("kind").GetString().ShouldBe("secondary");
    }

    [Fact]
    public async Task Each_attachment_without_a_key_gets_its_own_source_id()
    {
        var claim = await api.FlaggedClaimAsync();
        var first = await api.Tool.PostOkAsync(claim.Url("/sources"), ClaimSituations.ASource);
        var second = await api.Tool.PostOkAsync(claim.Url("/sources"), ClaimSituations.ASource);
        second.GetProperty("sourceId").GetGuid().ShouldNotBe(first.GetProperty("sourceId").GetGuid());
        (await api.ReadClaimAsync(claim.Id)).GetProperty("sources").GetArrayLength().ShouldBe(2);
    }

    [Theory]
    [InlineData("{\"stance\": \"supports\"}", "url")]
    [InlineData("{\"stance\": \"supports\", \"url\": \" \", \"citation\": \"\"}", "citation")]
    [InlineData("{\"stance\": \"supports\", \"url\": \"ftp://files.example/x\"}", "url")]
    [InlineData("{\"stance\": \"supports\", \"url\": \"not a url\"}", "url")]
    [InlineData("{\"url\": \"https://a.example\"}", "stance")]
    [InlineData("{\"url\": \"https://a.example\", \"stance\": \"agrees\"}", "stance")]
    [InlineData("{\"url\": \"https://a.example\", \"stance\": \"supports\", \"kind\": \"tertiary\"}", "kind")]
    [InlineData("{\"url\": \"https://a.example\", \"stance\": \"supports\", \"publishedOn\": \"last week\"}", "publishedOn")]
    [InlineData("{\"url\": \"https://a.example\", \"stance\": 1}", "stance")]
    public async Task A_source_that_is_not_usable_is_400_naming_the_field(string json, string field)
    {
        var claim = await api.FlaggedClaimAsync();
        var response = await api.Tool.PostRawAsync(claim.Url("/sources"), json);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(1);
    }

    [Fact]
    public async Task A_source_cannot_be_attached_to_a_dismissed_claim()
    {
        var claim = await api.DismissedClaimAsync();
        await api.Tool.PostJsonAsync(claim.Url("/sources"), ClaimSituations.ASource).ShouldBreakRuleAsync("claim-is-closed", api, claim);
    }

    [Fact]
    public async Task A_source_cannot_be_attached_to_a_published_claim()
    {
        var claim = await api.PublishedClaimAsync();
        await api.Tool.PostJsonAsync(claim.Url("/sources"), ClaimSituations.ASource).ShouldBreakRuleAsync("claim-is-closed", api, claim);
    }

    [Fact]
    public async Task A_source_may_arrive_while_a_verdict_waits_for_sign_off()
    {
        var claim = await api.ClaimWithProposedVerdictAsync();
        await api.Tool.PostOkAsync(claim.Url("/sources"), ClaimSituations.ASource);
        var read = await api.ReadClaimAsync(claim.Id);
        read.GetProperty("status").GetString().ShouldBe("verdict-proposed");
        read.GetProperty("sources").GetArrayLength().ShouldBe(2);
    }
}
