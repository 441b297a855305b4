using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

/// <summary>One claim from flag to published fact check and back into review, as the newsroom does it.</summary>
public class FullWorkflowTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task A_claim_goes_from_flag_to_published_fact_check_with_two_person_sign_off_and_reopens_keeping_its_history()
    {
        // The CMS plugin flags the quote.
        var flagged = await api.Tool.PostJsonAsync("/api/claims", new { quote = "Unemployment fell to 3.1% last month", reason = "a statistic", priority = "high" });
        flagged.StatusCode.ShouldBe(HttpStatusCode.Created);
        var claim = new ClaimAt((await flagged.ReadJsonAsync()).GetProperty("id").GetGuid(), 1);

        // An editor takes it on; the tool finds the official figure.
        await api.Editor.PostOkAsync(claim.Url("/assignment"), new { assignee = "Mara Lind" });
        var source = await api.Tool.PostOkAsync(claim.Url("/sources"), new { url = "https://stats.example/labour/2025-02", stance = "contradicts", title = "Labour force survey" });
        source.GetProperty("version").GetInt64().ShouldBe(3);

        // The editor proposes; as an editor she cannot sign off at all.
        await api.Editor.PostOkAsync(claim.Url("/verdict"), new { rating = "false", summary = "The survey shows 3.4%.", correction = "Unemployment was 3.4% last month" });
        (await api.Editor.PostJsonAsync(claim.Url("/verdict/approval"), new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // A senior editor who proposed a verdict cannot approve it: the second senior does.
        await api.Senior.PostOkAsync(claim.Url("/verdict/rejection"), new { reason = "rewording the summary" });
        await api.Senior.PostOkAsync(claim.Url("/verdict"), new { rating = "false", summary = "The labour force survey shows 3.4%, not 3.1%." });
        await api.Senior.PostJsonAsync(claim.Url("/verdict/approval"), new { note = "mine" })
            .ShouldBreakRuleAsync("approver-is-proposer", api, claim with { Version = 6 });
        await api.SecondSenior.PostOkAsync(claim.Url("/verdict/approval"), new { note = "figure checked against the release" });

        var published = await api.SecondSenior.PostJsonAsync(claim.Url("/publication"), new { url = "https://news.example/fact-checks/unemployment" }, ifMatch: "\"7\"");
        published.StatusCode.ShouldBe(HttpStatusCode.OK);
        published.ETag().ShouldBe("\"8\"");

        var review = await api.Auditor.GetAsync(claim.Url("/claimreview"));
        review.StatusCode.ShouldBe(HttpStatusCode.OK);
        review.Content.Headers.ContentType!.MediaType.ShouldBe("application/ld+json");
        var reviewBody = await review.ReadJsonAsync();
        reviewBody.GetProperty("claimReviewed").GetString().ShouldBe("Unemployment fell to 3.1% last month");
        reviewBody.GetProperty("reviewRating").GetProperty("ratingValue").GetInt32().ShouldBe(1);

        // New figures: the claim is reopened; everything that happened stays in its history.
        await api.Editor.PostOkAsync(claim.Url("/reopening"), new { reason = "the statistics office revised the figure" });
        var read = await api.ReadClaimAsync(claim.Id);
        read.GetProperty("status").GetString().ShouldBe("in-review");
        read.GetProperty("assignee").GetString().ShouldBe("Mara Lind");
        read.GetProperty("publication").GetProperty("verdict").GetProperty("approvedBy").GetProperty("name").GetString().ShouldBe("Ines Vale");

        var history = (await (await api.Auditor.GetAsync(claim.Url("/history"))).ReadJsonAsync()).GetProperty("events").EnumerateArray().ToArray();
        history.Select(e => e.GetProperty("type").GetString()).ShouldBe([
            "claim-flagged.v1", "claim-assigned.v1", "source-attached.v1", "verdict-proposed.v1", "verdict-rejected.v1",
            "verdict-proposed.v1", "verdict-approved.v1", "fact-check-published.v1", "claim-reopened.v1",
        ]);
        history.Select(e => e.GetProperty("actor").GetString()).ShouldBe([
            "cms-plugin", "Mara Lind", "cms-plugin", "Mara Lind", "Tomás Ruiz", "Tomás Ruiz", "Ines Vale", "Ines Vale", "Mara Lind",
        ]);

        // The state as it was when published is still there to read.
        var asPublished = await (await api.Auditor.GetAsync(claim.Url("?version=8"))).ReadJsonAsync();
        asPublished.GetProperty("status").GetString().ShouldBe("published");

        // The reopened claim is worked on again.
        await api.Tool.PostOkAsync(claim.Url("/sources"), new { url = "https://stats.example/labour/2025-02-revised", stance = "contradicts" });
        await api.Editor.PostOkAsync(claim.Url("/verdict"), new { rating = "mostly-true", summary = "Revised to 3.2%." });
    }
}
