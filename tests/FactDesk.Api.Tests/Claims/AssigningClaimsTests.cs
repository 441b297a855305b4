using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

public class AssigningClaimsTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task Assigning_a_flagged_claim_puts_it_in_review_with_the_assignee()
    {
        var claim = await api.FlaggedClaimAsync();
        await api.Editor.PostOkAsync(claim.Url("/assignment"), new { assignee = "Jon Berg" });
        var read = await api.ReadClaimAsync(claim.Id);
        read.GetProperty("status").GetString().ShouldBe("in-review");
        read.GetProperty("assignee").GetString().ShouldBe("Jon Berg");
    }

    [Fact]
    public async Task Assigning_to_the_same_assignee_again_answers_200_and_writes_nothing()
    {
        var claim = await api.FlaggedClaimAsync();
        await api.Editor.PostOkAsync(claim.Url("/assignment"), new { assignee = "Jon Berg" });
        var again = await api.SecondEditor.PostJsonAsync(claim.Url("/assignment"), new { assignee = "Jon Berg" });
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await again.ReadJsonAsync()).GetProperty("version").GetInt64().ShouldBe(2);
        again.ETag().ShouldBe("\"2\"");
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(2);
    }

    [Fact]
    public async Task A_dismissed_claim_cannot_be_assigned()
    {
        var claim = await api.DismissedClaimAsync();
        await api.Editor.PostJsonAsync(claim.Url("/assignment"), new { assignee = "Jon Berg" }).ShouldBreakRuleAsync("claim-is-closed", api, claim);
    }

    [Theory]
    [InlineData("{\"assignee\": \"   \"}")]
    [InlineData("{\"assignee\": null}")]
    public async Task A_blank_assignee_is_400(string json)
    {
        var claim = await api.FlaggedClaimAsync();
        var response = await api.Editor.PostRawAsync(claim.Url("/assignment"), json);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("assignee", out _).ShouldBeTrue();
    }
}
