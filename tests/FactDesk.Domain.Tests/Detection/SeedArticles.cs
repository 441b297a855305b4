using System.Text.Json;

namespace FactDesk.Domain.Tests.Detection;

/// <summary>The seed articles (shared/seeds beside the repository) and their hand-made labels.</summary>
public static class SeedArticles
{
    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "FactDesk.sln")))
                directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException("FactDesk.sln not found above the test binaries.");
        }
    }

    public static string SeedsDirectory => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "seeds"));

    public static string LabelsDirectory =>
        Path.Combine(RepositoryRoot, "tests", "FactDesk.Domain.Tests", "Detection", "labelled");

    /// <summary>Reads a seed by its number prefix ("000").</summary>
    public static string Read(string number) =>
        File.ReadAllText(Directory.GetFiles(SeedsDirectory, number + "_*.txt").Single());

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
    public string Text => File.ReadAllText(Path.Combine(SeedArticles.SeedsDirectory, Article));
}

public sealed record LabelledClaim(
    string Quote, string Kind, string Expression,
    decimal? Number, decimal? UpperNumber, string? Unit, string? Currency, string? Date);
