using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

public class RetractingSourcesTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    private static readonly object Reason = new { reason = "the census was withdrawn" };

    [Fact]
    public async Task A_retracted_source_stays_on_record_marked_with_its_reason()
    {
        var claim = await api.ClaimWithSourceAsync();
        await api.Editor.PostOkAsync(claim.Url($"/sources/{claim.SourceId}/retraction"), Reason);
        var source = (await api.ReadClaimAsync(claim.Id)).GetProperty("sources").EnumerateArray().ShouldHaveSingleItem();
        source.GetProperty("retractionReason").GetString().ShouldBe("the census was withdrawn");
        source.GetProperty("retractedAt").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task An_unknown_source_is_404_and_writes_nothing()
    {
        var claim = await api.ClaimWithSourceAsync();
        var unknown = Guid.NewGuid();
        var response = await api.Editor.PostJsonAsync(claim.Url($"/sources/{unknown}/retraction"), Reason);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var problem = await response.ReadJsonAsync();
        problem.GetProperty("title").GetString().ShouldBe("No such source.");
        problem.GetProperty("detail").GetString()!.ShouldContain(unknown.ToString());
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }

    [Fact]
    public async Task A_malformed_source_id_is_400()
    {
        var claim = await api.ClaimWithSourceAsync();
        var response = await api.Editor.PostJsonAsync(claim.Url("/sources/12345/retraction"), Reason);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("sourceId", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task A_source_is_retracted_only_once()
    {
        var claim = await api.ClaimWithSourceAsync();
        await api.Editor.PostOkAsync(claim.Url($"/sources/{claim.SourceId}/retraction"), Reason);
        await api.SecondEditor.PostJsonAsync(claim.Url($"/sources/{claim.SourceId}/retraction"), Reason)
            .ShouldBreakRuleAsync("source-already-retracted", api, claim with { Version = claim.Version + 1 });
    }

    [Fact]
    public async Task The_last_source_of_a_proposed_verdict_cannot_be_retracted()
    {
        var claim = await api.ClaimWithProposedVerdictAsync();
        await api.Editor.PostJsonAsync(claim.Url($"/sources/{claim.SourceId}/retraction"), Reason)
            .ShouldBreakRuleAsync("verdict-needs-a-source", api, claim);
    }

    [Fact]
    public async Task A_source_of_a_published_claim_cannot_be_retracted()
    {
        var claim = await api.PublishedClaimAsync();
        await api.Editor.PostJsonAsync(claim.Url($"/sources/{claim.SourceId}/retraction"), Reason)
            .ShouldBreakRuleAsync("claim-is-closed", api, claim);
    }
}
