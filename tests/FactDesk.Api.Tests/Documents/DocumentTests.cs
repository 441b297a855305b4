using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Shouldly;

namespace FactDesk.Api.Tests.Documents;

/// <summary>An article and, later, its print copy.</summary>
public class ApiWithAnArticle : FactDeskApi
{
    public const string Article = """
        When US technology entrepreneur Peter Thiel's book Zero to One was published in Chinese in 2015, it struck at an insecurity
        felt by many in China. Thiel suggested that although the country excelled at scaling and commercializing emerging technologies,
        it lagged behind the United States in true innovation, creating something entirely original from scratch. For more than a
        decade, Chinese policymakers have aimed to shed this image, embedding the pursuit of innovation into national industrial
        policies, such as Made in China 2025. Prominent venture capitalist Marc Andreessen described it as "AI's Sputnik moment",
        a reference to the space race. According to a white paper released last year, China is home to 36% of all large language
        models in existence, second only to the United States.
        """;

    /// <summary>The same article as printed: typographic quotes, words broken across lines, page furniture around it.</summary>
    public static readonly string PrintCopy = "**Books & arts**\n\n" + Article
        .Replace("\"AI's Sputnik moment\"", "\u201CAI\u2019s Sputnik moment\u201D")
        .Replace("commercializing", "commer-\ncializing")
        + "\n\nBooks in brief: Waiting for Robots (2025).";
}

public class IngestingDocumentTests(ApiWithAnArticle api) : IClassFixture<ApiWithAnArticle>
{
    private static object Body(string text, string title = "The AI race") =>
        new { title, text, outlet = (string?)null, author = "Jacob Dreyer", url = "https://example.org/ai-race", publishedOn = "2025-02-01", language = "en" };

    [Fact]
    public async Task Ingesting_answers_201_and_a_later_near_identical_copy_names_the_original()
    {
        var response = await api.Tool.PostJsonAsync("/api/documents", Body(ApiWithAnArticle.Article));
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.ReadJsonAsync();
        var original = body.GetProperty("id").GetGuid();
        body.GetProperty("version").GetInt64().ShouldBe(2, "ingestion and its detected candidates");
        body.GetProperty("duplicateOf").ValueKind.ShouldBe(JsonValueKind.Null);
        var candidates = body.GetProperty("candidates").EnumerateArray().ToList();
        var share = candidates.Single(c => c.GetProperty("kind").GetString() == "percentage");
        share.GetProperty("expression").GetString().ShouldBe("36%");
        share.GetProperty("value").GetProperty("number").GetDecimal().ShouldBe(36m);
        candidates.ShouldContain(c => c.GetProperty("kind").GetString() == "ranking");
        response.Headers.Location!.ToString().ShouldBe($"/api/documents/{original}");
        response.ETag().ShouldBe("\"2\"");

        var copy = await api.IngestAsync(ApiWithAnArticle.PrintCopy, "The AI race: how the Chinese and US approaches radically differ");
        copy.GetProperty("duplicateOf").GetGuid().ShouldBe(original);
        var copyId = copy.GetProperty("id").GetGuid();

        var read = await api.Auditor.GetAsync($"/api/documents/{original}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.ETag().ShouldBe("\"2\"");
        var document = await read.ReadJsonAsync();
        document.GetProperty("title").GetString().ShouldBe("The AI race");
        document.GetProperty("publishedOn").GetString().ShouldBe("2025-02-01");
        document.GetProperty("author").GetString().ShouldBe("Jacob Dreyer");
        document.GetProperty("copies").EnumerateArray().Select(c => c.GetGuid()).ShouldBe([copyId]);
        document.GetProperty("textLength").GetInt32().ShouldBe(ApiWithAnArticle.Article.Length);
        document.GetProperty("text").ValueKind.ShouldBe(JsonValueKind.Null);
        (await (await api.Auditor.GetAsync($"/api/documents/{original}?include=text")).ReadJsonAsync())
            .GetProperty("text").GetString().ShouldBe(ApiWithAnArticle.Article);
        (await (await api.Auditor.GetAsync($"/api/documents/{copyId}")).ReadJsonAsync())
            .GetProperty("duplicateOf").GetGuid().ShouldBe(original);
    }

    [Fact]
    public async Task A_review_after_the_article_is_withheld_unless_includeAll_and_each_sentence_is_one_card()
    {
        var id = (await api.IngestAsync("""
            The port handled 1.8 million containers in 2024, up 12% on the year before.

            Books & arts

            The Sun Merchants. By Olek Brandt. Harwick Press; 312 pages; £25.
            """, "Port review")).GetProperty("id").GetGuid();

        var offered = await (await api.Auditor.GetAsync($"/api/documents/{id}")).ReadJsonAsync();
        var candidates = offered.GetProperty("candidates").EnumerateArray().ToList();
        candidates.ShouldNotContain(c => c.GetProperty("expression").GetString() == "£25");
        candidates.Count.ShouldBe(3);
        var card = offered.GetProperty("cards").EnumerateArray().Single();
        card.GetProperty("values").GetArrayLength().ShouldBe(3);
        card.GetProperty("quote").GetString().ShouldStartWith("The port handled");

        var all = await (await api.Auditor.GetAsync($"/api/documents/{id}?includeAll=true")).ReadJsonAsync();
        var price = all.GetProperty("candidates").EnumerateArray().Single(c => c.GetProperty("expression").GetString() == "£25");
        price.GetProperty("section").GetString().ShouldBe("review");
        price.GetProperty("withheld").GetBoolean().ShouldBeTrue();

        (await api.Auditor.GetAsync($"/api/documents/{id}?includeAll=yes")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Another_article_is_not_a_copy()
    {
        var other = await api.IngestAsync("""
            Deepseek's release in January rattled investors in chip makers, who had assumed that frontier models would need
            ever larger clusters of the most advanced accelerators. The company said its model was trained for a fraction of the
            usual cost, a figure that analysts at several banks questioned in notes to clients over the following week.
            """, "Contender");
        other.GetProperty("duplicateOf").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task Who_may_ingest_tools_and_editors_yes_auditors_no_strangers_no()
    {
        (await api.Anonymous.PostJsonAsync("/api/documents", Body("text"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.Auditor.PostJsonAsync("/api/documents", Body("text"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.Editor.PostJsonAsync("/api/documents", Body("a short text"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await api.Anonymous.GetAsync($"/api/documents/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("{\"title\": \"t\", \"text\": \"x\"", "body")]
    [InlineData("{\"text\": \"x\", \"publishedOn\": \"2025-02-01\"}", "title")]
    [InlineData("{\"title\": \"t\", \"publishedOn\": \"2025-02-01\"}", "text")]
    [InlineData("{\"title\": \"t\", \"text\": \"x\"}", "publishedOn")]
    [InlineData("{\"title\": \"t\", \"text\": \"x\", \"publishedOn\": \"01/02/2025\"}", "publishedOn")]
    [InlineData("{\"title\": \"t\", \"text\": \"x\", \"publishedOn\": \"2025-02-30\"}", "publishedOn")]
    [InlineData("{\"title\": \"t\", \"text\": 42, \"publishedOn\": \"2025-02-01\"}", "text")]
    [InlineData("{\"title\": \"t\", \"text\": \"x\", \"publishedOn\": \"2025-02-01\", \"url\": \"ftp://example.org\"}", "url")]
    [InlineData("{\"title\": \"t\", \"text\": \"x\", \"publishedOn\": \"2025-02-01\", \"language\": \"en_GB!\"}", "language")]
    public async Task Bad_bodies_are_field_level_400s_and_write_nothing(string json, string field)
    {
        var before = await api.CountEventsAsync();
        var response = await api.Tool.PostRawAsync("/api/documents", json);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.ReadJsonAsync();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Text_over_one_mebibyte_is_413()
    {
        var before = await api.CountEventsAsync();
        var response = await api.Tool.PostJsonAsync("/api/documents", Body(new string('w', 1024 * 1024 + 1)));
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Retrying_with_the_same_idempotency_key_ingests_once()
    {
        var first = await api.Tool.PostJsonAsync("/api/documents", Body("A retried wire story."), idempotencyKey: "wire-0042");
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var before = await api.CountEventsAsync();
        var again = await api.Tool.PostJsonAsync("/api/documents", Body("A retried wire story."), idempotencyKey: "wire-0042");
        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await again.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Unknown_and_malformed_document_ids_are_404_and_400()
    {
        (await api.Auditor.GetAsync($"/api/documents/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Auditor.GetAsync("/api/documents/123")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}

/// <summary>A document to flag claims on.</summary>
public class ApiWithADocument : FactDeskApi;

public class FlaggingOnADocumentTests(ApiWithADocument api) : IClassFixture<ApiWithADocument>
{
    private async Task<HttpResponseMessage> FlagAsync(Guid documentId, string quote) =>
        await api.Tool.PostAsJsonAsync("/api/claims", new { quote, reason = "a share of a world total", documentId });

    [Fact]
    public async Task A_quote_that_is_not_in_the_document_is_422()
    {
        var document = (await api.IngestAsync(ApiWithAnArticle.Article)).GetProperty("id").GetGuid();
        var before = await api.CountEventsAsync();
        var response = await FlagAsync(document, "China is home to 26% of all large language models");
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await response.ReadJsonAsync();
        problem.GetProperty("type").GetString()!.ShouldEndWith("/quote-not-in-document");
        problem.GetProperty("errors").TryGetProperty("quote", out _).ShouldBeTrue();
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_quote_with_other_whitespace_and_typographic_quotes_is_found_and_the_claim_lists_on_the_document()
    {
        var document = (await api.IngestAsync(ApiWithAnArticle.Article)).GetProperty("id").GetGuid();
        var response = await FlagAsync(document, "described it as \u201CAI\u2019s   Sputnik\nmoment\u201D");
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var claimId = (await response.ReadJsonAsync()).GetProperty("id").GetGuid();

        var claims = (await (await api.Auditor.GetAsync($"/api/documents/{document}")).ReadJsonAsync()).GetProperty("claims");
        var listed = claims.EnumerateArray().ShouldHaveSingleItem();
        listed.GetProperty("id").GetGuid().ShouldBe(claimId);
        listed.GetProperty("quote").GetString().ShouldStartWith("described it as");
    }

    [Fact]
    public async Task An_unknown_document_is_422()
    {
        var response = await FlagAsync(Guid.NewGuid(), "anything");
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("documentId", out _).ShouldBeTrue();
    }
}

/// <summary>Its own database, so the article has exactly one original.</summary>
public class ApiWithAnArticleAndItsCopy : FactDeskApi;

public class FlaggingOnACopyTests(ApiWithAnArticleAndItsCopy api) : IClassFixture<ApiWithAnArticleAndItsCopy>
{
    [Fact]
    public async Task A_quote_found_only_in_the_original_may_be_flagged_on_its_copy()
    {
        var original = (await api.IngestAsync(ApiWithAnArticle.Article, "Original")).GetProperty("id").GetGuid();
        var copy = await api.IngestAsync(ApiWithAnArticle.PrintCopy.Replace("second only to the United States", ""), "Print");
        copy.GetProperty("duplicateOf").GetGuid().ShouldBe(original);
        (await api.Tool.PostAsJsonAsync("/api/claims", new { quote = "second only to the United States", reason = "rank", documentId = copy.GetProperty("id").GetGuid() })).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task After_a_rebuild_of_the_documents_projection_copies_are_still_recognised()
    {
        var edition = await api.IngestAsync(ApiWithAnArticle.Article + "\nA closing paragraph only this edition carries, about rebuilds of read models.", "Edition");
        // Another test of this class may have ingested the plain article first: then this edition is itself a copy of it.
        var original = edition.GetProperty("duplicateOf") is { ValueKind: JsonValueKind.String } earlier ? earlier.GetGuid() : edition.GetProperty("id").GetGuid();
        await api.Projections.RebuildAsync("documents");
        var copy = await api.IngestAsync(ApiWithAnArticle.PrintCopy + "\nA closing paragraph only this edition carries, about rebuilds of read models.", "Edition, print");
        copy.GetProperty("duplicateOf").GetGuid().ShouldBe(original);
        var copies = (await (await api.Auditor.GetAsync($"/api/documents/{original}")).ReadJsonAsync()).GetProperty("copies");
        copies.EnumerateArray().Select(c => c.GetGuid()).ShouldContain(copy.GetProperty("id").GetGuid());
    }
}
