using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

public class ProposingVerdictsTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task An_editor_proposes_a_verdict_on_a_claim_with_a_source()
    {
        var claim = await api.ClaimWithSourceAsync();
        await api.Editor.PostOkAsync(claim.Url("/verdict"), new { rating = "false", summary = "Only 12% are.", correction = "China is home to 12%" });
        var read = await api.ReadClaimAsync(claim.Id);
        read.GetProperty("status").GetString().ShouldBe("verdict-proposed");
        var verdict = read.GetProperty("verdict");
        verdict.GetProperty("rating").GetString().ShouldBe("false");
        verdict.GetProperty("correction").GetString().ShouldBe("China is home to 12%");
        verdict.GetProperty("proposedBy").GetProperty("name").GetString().ShouldBe("Mara Lind");
    }

    [Fact]
    public async Task A_verdict_needs_a_source()
    {
        var claim = await api.AssignedClaimAsync();
        await api.Editor.PostJsonAsync(claim.Url("/verdict"), ClaimSituations.AVerdict).ShouldBreakRuleAsync("verdict-needs-a-source", api, claim);
    }

    [Fact]
    public async Task A_retracted_source_is_not_enough_for_a_verdict()
    {
        var claim = await api.ClaimWithSourceAsync();
        await api.Editor.PostOkAsync(claim.Url($"/sources/{claim.SourceId}/retraction"), new { reason = "withdrawn" });
        await api.Editor.PostJsonAsync(claim.Url("/verdict"), ClaimSituations.AVerdict)
            .ShouldBreakRuleAsync("verdict-needs-a-source", api, claim with { Version = 4 });
    }

    [Fact]
    public async Task A_second_verdict_is_not_proposed_over_a_standing_one()
    {
        var claim = await api.ClaimWithProposedVerdictAsync();
        await api.SecondEditor.PostJsonAsync(claim.Url("/verdict"), ClaimSituations.AVerdict).ShouldBreakRuleAsync("verdict-already-proposed", api, claim);
    }

    [Fact]
    public async Task A_dismissed_claim_gets_no_verdict()
    {
        var claim = await api.DismissedClaimAsync();
        await api.Editor.PostJsonAsync(claim.Url("/verdict"), ClaimSituations.AVerdict).ShouldBreakRuleAsync("claim-is-closed", api, claim);
    }

    [Theory]
    [InlineData("{\"rating\": \"pants-on-fire\", \"summary\": \"s\"}", "rating")]
    [InlineData("{\"rating\": \"False\", \"summary\": \"s\"}", "rating")]
    [InlineData("{\"rating\": \"false\"}", "summary")]
    [InlineData("{\"rating\": \"false\", \"summary\": \"s\", \"correction\": 7}", "correction")]
    public async Task An_unusable_verdict_is_400_naming_the_field(string json, string field)
    {
        var claim = await api.ClaimWithSourceAsync();
        var response = await api.Editor.PostRawAsync(claim.Url("/verdict"), json);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }
}

public class ApprovingVerdictsTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task A_senior_editor_signs_off_a_verdict_an_editor_proposed()
    {
        var claim = await api.ClaimWithProposedVerdictAsync();
        await api.Senior.PostOkAsync(claim.Url("/verdict/approval"), new { note = "census checked" });
        var read = await api.ReadClaimAsync(claim.Id);
        read.GetProperty("status").GetString().ShouldBe("approved");
        read.GetProperty("verdict").GetProperty("approvedBy").GetProperty("name").GetString().ShouldBe("Tomás Ruiz");
        read.GetProperty("verdict").GetProperty("approvalNote").GetString().ShouldBe("census checked");
    }

    [Fact]
    public async Task An_approval_needs_no_note()
    {
        var claim = await api.ClaimWithProposedVerdictAsync();
        await api.Senior.PostOkAsync(claim.Url("/verdict/approval"), new { });
        (await api.ReadClaimAsync(claim.Id)).GetProperty("verdict").GetProperty("approvalNote").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task The_editor_who_proposed_may_not_approve_at_all()
    {
        var claim = await api.ClaimWithProposedVerdictAsync();
        var response = await api.Editor.PostJsonAsync(claim.Url("/verdict/approval"), new { });
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }

    [Fact]
    public async Task A_senior_editor_cannot_approve_their_own_verdict()
    {
        var claim = await api.ClaimWithProposedVerdictAsync(proposer: api.Senior);
        await api.Senior.PostJsonAsync(claim.Url("/verdict/approval"), new { }).ShouldBreakRuleAsync("approver-is-proposer", api, claim);
        await api.SecondSenior.PostOkAsync(claim.Url("/verdict/approval"), new { });
    }

    [Fact]
    public async Task There_is_nothing_to_approve_before_a_verdict_is_proposed()
    {
        var claim = await api.ClaimWithSourceAsync();
        await api.Senior.PostJsonAsync(claim.Url("/verdict/approval"), new { }).ShouldBreakRuleAsync("no-verdict-to-approve", api, claim);
    }

    [Fact]
    public async Task Approving_again_what_you_approved_answers_200_and_writes_nothing()
    {
        var claim = await api.ClaimWithApprovedVerdictAsync();
        var again = await api.Senior.PostJsonAsync(claim.Url("/verdict/approval"), new { });
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await again.ReadJsonAsync()).GetProperty("version").GetInt64().ShouldBe(claim.Version);
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }

    [Fact]
    public async Task A_second_senior_editor_cannot_approve_an_approved_verdict_again()
    {
        var claim = await api.ClaimWithApprovedVerdictAsync();
        await api.SecondSenior.PostJsonAsync(claim.Url("/verdict/approval"), new { }).ShouldBreakRuleAsync("verdict-already-approved", api, claim);
    }

    [Fact]
    public async Task A_published_verdict_is_not_approved_again()
    {
        var claim = await api.PublishedClaimAsync();
        await api.SecondSenior.PostJsonAsync(claim.Url("/verdict/approval"), new { }).ShouldBreakRuleAsync("claim-is-closed", api, claim);
    }
}

public class RejectingVerdictsTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task A_rejected_verdict_sends_the_claim_back_to_review_for_a_new_proposal()
    {
        var claim = await api.ClaimWithProposedVerdictAsync();
        await api.Senior.PostOkAsync(claim.Url("/verdict/rejection"), new { reason = "one source is not enough" });
        var read = await api.ReadClaimAsync(claim.Id);
        read.GetProperty("status").GetString().ShouldBe("in-review");
        read.GetProperty("verdict").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        await api.Editor.PostOkAsync(claim.Url("/verdict"), new { rating = "half-true", summary = "Depends on the count." });
    }

    [Fact]
    public async Task An_approved_verdict_can_still_be_rejected_before_publication()
    {
        var claim = await api.ClaimWithApprovedVerdictAsync();
        await api.SecondSenior.PostOkAsync(claim.Url("/verdict/rejection"), new { reason = "new figures came in" });
        (await api.ReadClaimAsync(claim.Id)).GetProperty("status").GetString().ShouldBe("in-review");
    }

    [Fact]
    public async Task There_is_nothing_to_reject_without_a_verdict()
    {
        var claim = await api.ClaimWithSourceAsync();
        await api.Senior.PostJsonAsync(claim.Url("/verdict/rejection"), new { reason = "r" }).ShouldBreakRuleAsync("no-verdict-to-reject", api, claim);
    }

    [Fact]
    public async Task A_published_verdict_cannot_be_rejected()
    {
        var claim = await api.PublishedClaimAsync();
        await api.Senior.PostJsonAsync(claim.Url("/verdict/rejection"), new { reason = "r" }).ShouldBreakRuleAsync("claim-is-closed", api, claim);
    }
}

public class PublishingTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task An_approved_verdict_is_published_and_the_claim_closes()
    {
        var claim = await api.ClaimWithApprovedVerdictAsync();
        await api.Senior.PostOkAsync(claim.Url("/publication"), new { url = "https://news.example/fc/llm" });
        var read = await api.ReadClaimAsync(claim.Id);
        read.GetProperty("status").GetString().ShouldBe("published");
        read.GetProperty("publication").GetProperty("url").GetString().ShouldBe("https://news.example/fc/llm");
        read.GetProperty("publication").GetProperty("verdict").GetProperty("rating").GetString().ShouldBe("misleading");
    }

    [Fact]
    public async Task A_fact_check_can_be_published_before_its_page_has_a_url()
    {
        var claim = await api.ClaimWithApprovedVerdictAsync();
        await api.Senior.PostOkAsync(claim.Url("/publication"), new { });
        (await api.ReadClaimAsync(claim.Id)).GetProperty("status").GetString().ShouldBe("published");
    }

    [Fact]
    public async Task A_verdict_that_is_only_proposed_cannot_be_published()
    {
        var claim = await api.ClaimWithProposedVerdictAsync();
        await api.Senior.PostJsonAsync(claim.Url("/publication"), new { }).ShouldBreakRuleAsync("publish-needs-approval", api, claim);
    }

    [Fact]
    public async Task A_published_fact_check_is_not_published_twice()
    {
        var claim = await api.PublishedClaimAsync();
        await api.Senior.PostJsonAsync(claim.Url("/publication"), new { }).ShouldBreakRuleAsync("claim-is-closed", api, claim);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("/relative/page")]
    public async Task The_publication_url_must_be_an_absolute_web_address(string url)
    {
        var claim = await api.ClaimWithApprovedVerdictAsync();
        var response = await api.Senior.PostJsonAsync(claim.Url("/publication"), new { url });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("url", out _).ShouldBeTrue();
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }
}
