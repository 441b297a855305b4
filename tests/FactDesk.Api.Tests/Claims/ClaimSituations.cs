using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

/// <summary>A claim at a known version, with the source attached on the way there (if any).</summary>
public sealed record ClaimAt(Guid Id, long Version, Guid? SourceId = null)
{
    public string Url(string suffix = "") => $"/api/claims/{Id}{suffix}";
}

/// <summary>Claims put into each stage of the workflow through the HTTP surface, the way the newsroom would.</summary>
public static class ClaimSituations
{
    public static readonly object ASource = new { url = "https://stats.example/llm-census", title = "LLM census", stance = "contradicts" };
    public static readonly object AVerdict = new { rating = "misleading", summary = "The share counts only released models." };

    public static async Task<ClaimAt> FlaggedClaimAsync(this FactDeskApi api) => new(await api.FlagClaimAsync(), 1);

    public static async Task<ClaimAt> AssignedClaimAsync(this FactDeskApi api)
    {
        var claim = await api.FlaggedClaimAsync();
        await api.Senior.PostOkAsync(claim.Url("/assignment"), new { assignee = "Mara Lind" });
        return claim with { Version = 2 };
    }

    /// <summary>In review, with one source: ready for a verdict.</summary>
    public static async Task<ClaimAt> ClaimWithSourceAsync(this FactDeskApi api)
    {
        var claim = await api.AssignedClaimAsync();
        var body = await api.Tool.PostOkAsync(claim.Url("/sources"), ASource);
        return claim with { Version = 3, SourceId = body.GetProperty("sourceId").GetGuid() };
    }

    /// <summary>A verdict proposed by the first editor unless someone else is named.</summary>
    public static async Task<ClaimAt> ClaimWithProposedVerdictAsync(this FactDeskApi api, HttpClient? proposer = null)
    {
        var claim = await api.ClaimWithSourceAsync();
        await (proposer ?? api.Editor).PostOkAsync(claim.Url("/verdict"), AVerdict);
        return claim with { Version = 4 };
    }

    public static async Task<ClaimAt> ClaimWithApprovedVerdictAsync(this FactDeskApi api)
    {
        var claim = await api.ClaimWithProposedVerdictAsync();
        await api.Senior.PostOkAsync(claim.Url("/verdict/approval"), new { note = "checked" });
        return claim with { Version = 5 };
    }

    public static async Task<ClaimAt> PublishedClaimAsync(this FactDeskApi api)
    {
        var claim = await api.ClaimWithApprovedVerdictAsync();
        await api.Senior.PostOkAsync(claim.Url("/publication"), new { url = "https://news.example/fact-checks/llm-share" });
        return claim with { Version = 6 };
    }

    public static async Task<ClaimAt> DismissedClaimAsync(this FactDeskApi api)
    {
        var claim = await api.FlaggedClaimAsync();
        await api.Editor.PostOkAsync(claim.Url("/dismissal"), new { reason = "an opinion" });
        return claim with { Version = 2 };
    }

    /// <summary>Posts a command that must succeed with 200 and returns its body.</summary>
    public static async Task<System.Text.Json.JsonElement> PostOkAsync(this HttpClient client, string url, object body)
    {
        var response = await client.PostJsonAsync(url, body);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    public static async Task<long> ClaimVersionAsync(this FactDeskApi api, Guid claimId) =>
        (await api.Store.ReadStreamAsync(claimId)).Count;

    public static async Task<System.Text.Json.JsonElement> ReadClaimAsync(this FactDeskApi api, Guid claimId)
    {
        var response = await api.Auditor.GetAsync($"/api/claims/{claimId}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.ReadJsonAsync();
    }

    /// <summary>Asserts a 409 naming the rule, and that the claim did not move.</summary>
    public static async Task ShouldBreakRuleAsync(this Task<HttpResponseMessage> sending, string rule, FactDeskApi api, ClaimAt claim)
    {
        var response = await sending;
        response.StatusCode.ShouldBe(HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.ReadJsonAsync()).GetProperty("type").GetString().ShouldBe("https://factdesk.example/rules/" + rule);
        (await api.ClaimVersionAsync(claim.Id)).ShouldBe(claim.Version);
    }
}
