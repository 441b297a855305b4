using System.Net;
using System.Text.Json;
using FactDesk.Testing;
using Shouldly;

namespace FactDesk.Api.Tests.Documents;

/// <summary>The excerpts of the five seed articles (seeds/articles), ingested through HTTP as a CMS would send them.</summary>
public class SeedArticleTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    private async Task<JsonElement> IngestSeedAsync(string prefix, string publishedOn)
    {
        var file = RepositorySeeds.ArticlePath(prefix);
        var response = await api.Tool.PostJsonAsync("/api/documents",
            new { title = Path.GetFileName(file), text = await File.ReadAllTextAsync(file), publishedOn, language = "en" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    private static JsonElement Candidate(JsonElement document, string expression) =>
        document.GetProperty("candidates").EnumerateArray().First(c => c.GetProperty("expression").GetString() == expression);

    [Fact]
    public async Task Seed_articles_yield_normalised_candidates_and_the_two_copies_are_linked()
    {
        var dreyer = await IngestSeedAsync("000", "2025-02-18");
        var print = await IngestSeedAsync("001", "2025-02-18");
        var contender = await IngestSeedAsync("002", "2025-03-20");
        var unstoppable = await IngestSeedAsync("003", "2026-01-20");
        var techWar = await IngestSeedAsync("004", "2025-10-20");

        print.GetProperty("duplicateOf").GetGuid().ShouldBe(dreyer.GetProperty("id").GetGuid());
        foreach (var other in new[] { dreyer, contender, unstoppable, techWar })
            other.GetProperty("duplicateOf").ValueKind.ShouldBe(JsonValueKind.Null);

        var bigFund = Candidate(dreyer, "US$47 billion");
        bigFund.GetProperty("kind").GetString().ShouldBe("money");
        bigFund.GetProperty("value").GetProperty("number").GetDecimal().ShouldBe(47_000_000_000m);
        bigFund.GetProperty("value").GetProperty("currency").GetString().ShouldBe("USD");
        Candidate(dreyer, "last month\u2019s").GetProperty("value").GetProperty("date").GetString().ShouldBe("2025-01");
        Candidate(dreyer, "7 October 2022").GetProperty("value").GetProperty("date").GetString().ShouldBe("2022-10-07");
        Candidate(dreyer, "roughly 13 times cheaper").GetProperty("kind").GetString().ShouldBe("ratio");

        var share = Candidate(print, "36%");
        share.GetProperty("value").GetProperty("number").GetDecimal().ShouldBe(36m);
        Candidate(print, "second only to the United States").GetProperty("kind").GetString().ShouldBe("ranking");

        Candidate(unstoppable, "September 2024").GetProperty("value").GetProperty("date").GetString().ShouldBe("2024-09");
        var models = Candidate(unstoppable, "over 400 open Qwen models");
        models.GetProperty("value").GetProperty("number").GetDecimal().ShouldBe(400m);
        models.GetProperty("value").GetProperty("qualifier").GetString().ShouldBe("more than");

        // A quote flagged on the print copy anchors in it; the stored document lists its candidates.
        var read = await (await api.Editor.GetAsync($"/api/documents/{print.GetProperty("id").GetGuid()}")).ReadJsonAsync();
        read.GetProperty("candidates").GetArrayLength().ShouldBe(print.GetProperty("candidates").GetArrayLength());
    }
}
