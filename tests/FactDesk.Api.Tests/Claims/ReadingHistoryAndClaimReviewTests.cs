using System.Net;
using FactDesk.Api.Documents;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

public class ClaimHistoryTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task The_history_lists_every_event_in_order_with_who_when_why_and_hash()
    {
        var claim = await api.ClaimWithProposedVerdictAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, claim.Url("/dismissal")) { Content = System.Net.Http.Json.JsonContent.Create(new { reason = "duplicate" }) };
        request.Headers.Add("X-Correlation-Id", "desk-42");
        (await api.Editor.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var response = await api.Auditor.GetAsync(claim.Url("/history"));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.ETag().ShouldBe("\"5\"");
        var history = await response.ReadJsonAsync();
        history.GetProperty("id").GetGuid().ShouldBe(claim.Id);
        history.GetProperty("version").GetInt64().ShouldBe(5);
        var events = history.GetProperty("events").EnumerateArray().ToArray();
        events.Select(e => e.GetProperty("type").GetString())
            .ShouldBe(["claim-flagged.v1", "claim-assigned.v1", "source-attached.v1", "verdict-proposed.v1", "claim-dismissed.v1"]);
        events.Select(e => e.GetProperty("version").GetInt64()).ShouldBe([1L, 2, 3, 4, 5]);
        events.Select(e => e.GetProperty("position").GetInt64()).ShouldBeInOrder(SortDirection.Ascending);
        events.Select(e => e.GetProperty("actor").GetString()).ShouldBe(["cms-plugin", "Tomás Ruiz", "cms-plugin", "Mara Lind", "Mara Lind"]);
        events.Select(e => e.GetProperty("role").GetString()).ShouldBe(["tool", "senior-editor", "tool", "editor", "editor"]);

        var last = events[^1];
        last.GetProperty("data").GetProperty("reason").GetString().ShouldBe("duplicate");
        last.GetProperty("correlationId").GetString().ShouldBe("desk-42");
        last.GetProperty("causationId").GetString().ShouldNotBeNullOrEmpty();
        last.GetProperty("recordedAt").GetDateTimeOffset().ShouldBeGreaterThan(events[0].GetProperty("recordedAt").GetDateTimeOffset().AddTicks(-1));
        var stored = await api.Store.ReadStreamAsync(claim.Id);
        events.Select(e => e.GetProperty("hash").GetString()).ShouldBe(stored.Select(e => Convert.ToHexStringLower(e.Hash)));
        last.GetProperty("hash").GetString()!.Length.ShouldBe(64);
    }

    [Fact]
    public async Task History_is_readable_by_every_role_but_not_without_a_token()
    {
        var claim = await api.FlaggedClaimAsync();
        foreach (var role in Roles.All) (await api.As(role).GetAsync(claim.Url("/history"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.Anonymous.GetAsync(claim.Url("/history"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task History_of_an_unknown_claim_is_404_and_of_a_malformed_id_400()
    {
        (await api.Auditor.GetAsync($"/api/claims/{Guid.NewGuid()}/history")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Auditor.GetAsync("/api/claims/%27%3B--/history")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}

public class ClaimReviewTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    private async Task<Guid> ArticleAsync()
    {
        var id = Guid.NewGuid();
        await api.Store.AppendAsync(id, Document.StreamType, ExpectedVersion.NoStream,
            new DocumentIngested(id, "The AI race", "Officials said China is home to 36% of all large language models.", "Daily Planet",
                "Lois Lane", "https://planet.example/ai-race", new DateOnly(2025, 2, 28), "en", null, new Actor("cms-plugin", Roles.Tool), DateTimeOffset.UtcNow),
            new EventMetadata("cms-plugin", Roles.Tool, "test", "test"));
        return id;
    }

    private async Task<ClaimAt> PublishAsync(Guid claimId)
    {
        await api.Senior.PostOkAsync($"/api/claims/{claimId}/assignment", new { assignee = "Mara Lind" });
        await api.Tool.PostOkAsync($"/api/claims/{claimId}/sources", ClaimSituations.ASource);
        await api.Editor.PostOkAsync($"/api/claims/{claimId}/verdict", new { rating = "false", summary = "Only 12% are." });
        await api.Senior.PostOkAsync($"/api/claims/{claimId}/verdict/approval", new { });
        await api.Senior.PostOkAsync($"/api/claims/{claimId}/publication", new { url = "https://news.example/fc/llm" });
        return new ClaimAt(claimId, 6);
    }

    [Fact]
    public async Task A_published_fact_check_is_served_as_claimreview_json_ld()
    {
        var claim = await PublishAsync(await api.FlagClaimAsync(documentId: await ArticleAsync()));
        var response = await api.Auditor.GetAsync(claim.Url("/claimreview"));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/ld+json");
        response.ETag().ShouldBe("\"6\"");
        var review = await response.ReadJsonAsync();
        review.GetProperty("@context").GetString().ShouldBe("https://schema.org");
        review.GetProperty("@type").GetString().ShouldBe("ClaimReview");
        review.GetProperty("claimReviewed").GetString().ShouldBe("China is home to 36% of all large language models");
        review.GetProperty("url").GetString().ShouldBe("https://news.example/fc/llm");
        review.GetProperty("datePublished").GetString().ShouldBe(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd"));
        review.GetProperty("author").GetProperty("@type").GetString().ShouldBe("Organization");
        review.GetProperty("author").GetProperty("name").GetString().ShouldBe("FactDesk");

        var rating = review.GetProperty("reviewRating");
        rating.GetProperty("@type").GetString().ShouldBe("Rating");
        rating.GetProperty("ratingValue").GetInt32().ShouldBe(1);
        rating.GetProperty("bestRating").GetInt32().ShouldBe(5);
        rating.GetProperty("worstRating").GetInt32().ShouldBe(1);
        rating.GetProperty("alternateName").GetString().ShouldBe("False");

        var item = review.GetProperty("itemReviewed");
        item.GetProperty("@type").GetString().ShouldBe("Claim");
        item.GetProperty("appearance").GetProperty("url").GetString().ShouldBe("https://planet.example/ai-race");
        item.GetProperty("author").GetProperty("name").GetString().ShouldBe("Lois Lane");
        item.GetProperty("datePublished").GetString().ShouldBe("2025-02-28");
    }

    [Fact]
    public async Task A_claim_without_a_document_still_gets_a_review_without_appearance()
    {
        var claim = await api.PublishedClaimAsync();
        var review = await (await api.Editor.GetAsync(claim.Url("/claimreview"))).ReadJsonAsync();
        review.GetProperty("itemReviewed").TryGetProperty("appearance", out _).ShouldBeFalse();
        review.GetProperty("reviewRating").GetProperty("alternateName").GetString().ShouldBe("Misleading");
    }

    [Fact]
    public async Task Before_publication_there_is_no_claimreview()
    {
        var claim = await api.ClaimWithApprovedVerdictAsync();
        var response = await api.Auditor.GetAsync(claim.Url("/claimreview"));
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task A_reopened_claim_keeps_serving_what_was_published()
    {
        var claim = await api.PublishedClaimAsync();
        await api.Editor.PostOkAsync(claim.Url("/reopening"), new { reason = "new figures" });
        var response = await api.Auditor.GetAsync(claim.Url("/claimreview"));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.ReadJsonAsync()).GetProperty("reviewRating").GetProperty("ratingValue").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task Claimreview_answers_404_for_unknown_400_for_malformed_and_401_without_a_token()
    {
        (await api.Auditor.GetAsync($"/api/claims/{Guid.NewGuid()}/claimreview")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Auditor.GetAsync("/api/claims/nope/claimreview")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var claim = await api.PublishedClaimAsync();
        (await api.Anonymous.GetAsync(claim.Url("/claimreview"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
