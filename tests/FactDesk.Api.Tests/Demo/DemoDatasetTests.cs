using System.Net;
using System.Text.Json;
using FactDesk.Api.Demo;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Shouldly;

namespace FactDesk.Api.Tests.Demo;

public class ApiWithDemoDataset : FactDeskApi
{
    public DemoLoad FirstLoad { get; private set; } = null!;
    public DemoLoad SecondLoad { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var tokens = new Dictionary<string, string>
        {
            [Roles.Tool] = Token(Roles.Tool), [Roles.Editor] = Token(Roles.Editor), [Roles.SeniorEditor] = Token(Roles.SeniorEditor),
        };
        using var http = CreateClient();
        FirstLoad = await DemoDatasetLoader.LoadAsync(http, tokens, RepositorySeeds.DatasetPath);
        SecondLoad = await DemoDatasetLoader.LoadAsync(http, tokens, RepositorySeeds.DatasetPath);
    }

    private static string Token(string role) => People.First(p => p.Role == role).Token;
}

/// <summary>The demo a newcomer gets from ops/run: the seed excerpts and the desk's own articles, worked through a day.</summary>
public class DemoDatasetTests(ApiWithDemoDataset api) : IClassFixture<ApiWithDemoDataset>
{
    private static readonly JsonElement Dataset = JsonDocument.Parse(File.ReadAllText(RepositorySeeds.DatasetPath)).RootElement;

    private async Task<JsonElement[]> ClaimsAsync() =>
        await Task.WhenAll(api.FirstLoad.ClaimIds.Values.Select(async id => await (await api.Auditor.GetAsync($"/api/claims/{id}")).ReadJsonAsync()));

    [Fact]
    public void Every_document_of_the_dataset_is_loaded_from_inside_the_repository()
    {
        api.FirstLoad.Documents.ShouldBe(Dataset.GetProperty("documents").GetArrayLength());
        api.FirstLoad.Documents.ShouldBeGreaterThanOrEqualTo(5);
        api.FirstLoad.Claims.ShouldBe(Dataset.GetProperty("claims").GetArrayLength());
        api.FirstLoad.Discrepancies.ShouldBe(Dataset.GetProperty("discrepancies").GetArrayLength());
        api.FirstLoad.CommandsWritten.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Loading_again_writes_nothing_and_says_so()
    {
        api.SecondLoad.CommandsWritten.ShouldBe(0);
        api.SecondLoad.CommandsReplayed.ShouldBe(api.FirstLoad.CommandsWritten);
        api.SecondLoad.Describe().ShouldStartWith("Demo dataset already loaded: nothing written");
    }

    [Fact]
    public async Task The_desk_holds_claims_in_every_state_and_one_overdue()
    {
        var claims = await ClaimsAsync();
        claims.Select(c => c.GetProperty("status").GetString()).Distinct()
            .ShouldBe(["flagged", "in-review", "verdict-proposed", "approved", "published", "dismissed"], ignoreOrder: true);
        claims.Count(c => c.TryGetProperty("dueAt", out var due) && due.ValueKind == JsonValueKind.String
                          && due.GetDateTimeOffset() < DateTimeOffset.UtcNow)
            .ShouldBe(1);
        var queue = await (await api.Auditor.GetAsync("/api/queue?limit=100")).ReadJsonAsync();
        queue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("status").GetString()).Distinct()
            .ShouldBe(["flagged", "in-review", "verdict-proposed", "approved"], ignoreOrder: true);
    }

    [Fact]
    public async Task Every_claim_is_flagged_on_its_article()
    {
        foreach (var (key, id) in api.FirstLoad.ClaimIds)
        {
            var details = await (await api.Editor.GetAsync($"/api/claims/{id}")).ReadJsonAsync();
            details.GetProperty("documentId").ValueKind.ShouldBe(JsonValueKind.String, $"claim {key} has no document");
        }
    }

    [Fact]
    public async Task Discrepancy_sides_are_statements_people_can_read()
    {
        var list = await (await api.Editor.GetAsync("/api/discrepancies?status=open&limit=50")).ReadJsonAsync();
        var open = list.GetProperty("items").EnumerateArray().ToArray();
        open.Length.ShouldBe(Dataset.GetProperty("discrepancies").GetArrayLength());
        foreach (var item in open)
        {
            var details = await (await api.Editor.GetAsync($"/api/discrepancies/{item.GetProperty("id").GetGuid()}")).ReadJsonAsync();
            foreach (var value in details.GetProperty("values").EnumerateArray())
            {
                var side = value.GetProperty("side").GetString()!;
                side.ShouldStartWith("“");
                side.ShouldNotContain("claim ");
                System.Text.RegularExpressions.Regex.IsMatch(side, "[0-9a-f]{8}-[0-9a-f]{4}").ShouldBeFalse(side);
                value.GetProperty("says").GetString().ShouldNotBeNullOrWhiteSpace();
                value.GetProperty("says").GetString()!.ShouldNotContain("not stated");
            }
        }
    }

    [Fact]
    public void No_word_of_how_the_dataset_was_written_reaches_an_editor()
    {
        var text = Dataset.ToString();
        foreach (var phrase in new[] { "design's example", "design’s example", "see notes", "seed text", "not stated" })
            text.ShouldNotContain(phrase, Case.Insensitive);
    }

    [Fact]
    public void Excerpts_stay_well_under_a_fifth_of_each_article()
    {
        foreach (var document in Dataset.GetProperty("documents").EnumerateArray().Where(d => d.TryGetProperty("excerptOfWords", out _)))
        {
            var words = File.ReadAllText(Path.Combine(RepositorySeeds.ArticlesDirectory, document.GetProperty("file").GetString()!))
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            ((double)words / document.GetProperty("excerptOfWords").GetInt32()).ShouldBeLessThan(0.17, document.GetProperty("file").GetString());
        }
        Dataset.GetProperty("documents").EnumerateArray().Count(d => d.TryGetProperty("excerptOfWords", out _)).ShouldBe(5);
    }
}
