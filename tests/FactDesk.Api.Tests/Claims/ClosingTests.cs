using Shouldly;

namespace FactDesk.Api.Tests.Claims;

public class ReopeningClaimsTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task A_published_claim_reopens_without_a_verdict_keeping_its_sources_and_publication()
    {
        var claim = await api.PublishedClaimAsync();
        await api.Editor.PostOkAsync(claim.Url("/reopening"), new { reason = "new census figures" });
        var read = await api.ReadClaimAsync(claim.Id);
        // It was hers: it goes back to her review, not to the flagged pile.
        read.GetProperty("status").GetString().ShouldBe("in-review");
        read.GetProperty("assignee").GetString().ShouldBe("Mara Lind");
        read.GetProperty("verdict").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        read.GetProperty("closingReason").GetString().ShouldBe("new census figures");
        read.GetProperty("sources").GetArrayLength().ShouldBe(1);
        read.GetProperty("publication").GetProperty("url").GetString().ShouldBe("https://news.example/fact-checks/llm-share");
    }

    [Fact]
    public async Task A_dismissed_claim_reopens()
    {
        var claim = await api.DismissedClaimAsync();
        await api.Editor.PostOkAsync(claim.Url("/reopening"), new { reason = "it is a fact after all" });
        (await api.ReadClaimAsync(claim.Id)).GetProperty("status").GetString().ShouldBe("flagged");
        await api.Tool.PostOkAsync(claim.Url("/sources"), ClaimSituations.ASource);
    }

    [Fact]
    public async Task An_open_claim_cannot_be_reopened()
    {
        var claim = await api.ClaimWithApprovedVerdictAsync();
        await api.Editor.PostJsonAsync(claim.Url("/reopening"), new { reason = "r" }).ShouldBreakRuleAsync("claim-not-closed", api, claim);
    }
}

public class DismissingClaimsTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task A_flagged_claim_is_dismissed_with_its_reason()
    {
        var claim = await api.FlaggedClaimAsync();
        await api.Editor.PostOkAsync(claim.Url("/dismissal"), new { reason = "an opinion, not a fact" });
        var read = await api.ReadClaimAsync(claim.Id);
        read.GetProperty("status").GetString().ShouldBe("dismissed");
        read.GetProperty("closingReason").GetString().ShouldBe("an opinion, not a fact");
    }

    [Fact]
    public async Task A_claim_with_an_approved_verdict_can_still_be_dismissed()
    {
        var claim = await api.ClaimWithApprovedVerdictAsync();
        await api.Senior.PostOkAsync(claim.Url("/dismissal"), new { reason = "the article was withdrawn" });
        (await api.ReadClaimAsync(claim.Id)).GetProperty("status").GetString().ShouldBe("dismissed");
    }

    [Fact]
    public async Task A_dismissed_claim_is_not_dismissed_again()
    {
        var claim = await api.DismissedClaimAsync();
        await api.Editor.PostJsonAsync(claim.Url("/dismissal"), new { reason = "r" }).ShouldBreakRuleAsync("claim-is-closed", api, claim);
    }

    [Fact]
    public async Task A_published_claim_cannot_be_dismissed()
    {
        var claim = await api.PublishedClaimAsync();
        await api.Editor.PostJsonAsync(claim.Url("/dismissal"), new { reason = "r" }).ShouldBreakRuleAsync("claim-is-closed", api, claim);
    }
}
