using System.Text.Json;
using FactDesk.Testing;

namespace FactDesk.Domain.Tests.Detection;

/// <summary>The articles under seeds/articles (excerpts and the desk's own texts) and their hand-made labels.</summary>
public static class SeedArticles
{
    public static string LabelsDirectory =>
        Path.Combine(RepositorySeeds.RepositoryRoot, "tests", "FactDesk.Domain.Tests", "Detection", "labelled");

    /// <summary>Reads a seed by its number prefix ("000").</summary>
    public static string Read(string number) => RepositorySeeds.Article(number);

    public static IReadOnlyList<LabelledArticle> Labelled()
    {
        var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        return Directory.GetFiles(LabelsDirectory, "*.json").Order()
            .Select(path => JsonSerializer.Deserialize<LabelledArticle>(File.ReadAllText(path), options)!)
            .ToList();
    }
}

public sealed record LabelledArticle(string Article, DateOnly PublishedOn, string PublishedOnNote, IReadOnlyList<LabelledClaim> Claims)
{
    public string Text => File.ReadAllText(Path.Combine(RepositorySeeds.ArticlesDirectory, Article));
}

public sealed record LabelledClaim(
    string Quote, string Kind, string Expression,
    decimal? Number, decimal? UpperNumber, string? Unit, string? Currency, string? Date);
