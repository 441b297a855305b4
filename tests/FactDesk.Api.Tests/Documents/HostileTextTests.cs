using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests.Documents;

public class ApiForHostileText : FactDeskApi;

/// <summary>Article text and dates are client input: anything a client sends is a 201 or a 400, never a 500.</summary>
public class HostileTextTests(ApiForHostileText api) : IClassFixture<ApiForHostileText>
{
    private static object Body(string text, string publishedOn = "2025-02-01") =>
        new { title = "Hostile", text, publishedOn, language = "en" };

    [Theory]
    [InlineData("The deal closed on February 30, 2024.")]
    [InlineData("The deal closed on 31 June 2024.")]
    [InlineData("The deal closed on 0 March 2024.")]
    [InlineData("The fund is worth $100000000000000000000000000000.")]
    [InlineData("Turnout was 1000000000000000000000000000000000000000000000000000000000000% in the district.")]
    [InlineData("The fund is worth $99999999999999999999 trillion.")]
    [InlineData("It raised 0.0000000001 yuan ($70000000000000000000000000) in pledges.")]
    public async Task Text_detection_cannot_read_is_ingested_without_its_candidates(string text)
    {
        var response = await api.Tool.PostJsonAsync("/api/documents", Body(text));
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_million_characters_of_one_word_is_ingested()
    {
        var response = await api.Tool.PostJsonAsync("/api/documents", Body(new string('a', 1_000_000)));
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("0001-01-01", "Prices rose last month.")]
    [InlineData("9999-12-31", "Prices will rise next week.")]
    [InlineData("1799-12-31", "Prices rose last month.")]
    [InlineData("2101-01-01", "Prices will rise next week.")]
    public async Task A_publication_date_outside_1800_to_2100_is_a_field_level_400(string publishedOn, string text)
    {
        var response = await api.Tool.PostJsonAsync("/api/documents", Body(text, publishedOn));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("publishedOn", out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("1800-01-01")]
    [InlineData("2100-12-31")]
    public async Task The_edges_of_the_publication_range_are_accepted(string publishedOn)
    {
        var response = await api.Tool.PostJsonAsync("/api/documents", Body("Prices rose last month and will rise next week.", publishedOn));
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
    }
}
