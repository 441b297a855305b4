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

    /// <summary>
    /// Reads labelled/sentences: "# article: file", "# published: yyyy-MM-dd", then one line per sentence,
    /// "+ quote" for check-worthy and "- quote" for not.
    /// </summary>
    public static IReadOnlyList<SentenceLabelledArticle> LabelledSentences() =>
        Directory.GetFiles(Path.Combine(LabelsDirectory, "sentences"), "*.txt").Order()
            .Select(path =>
            {
                var lines = File.ReadAllLines(path);
                string Header(string name) => lines.Single(l => l.StartsWith($"# {name}: ", StringComparison.Ordinal))[(name.Length + 4)..].Trim();
                var sentences = lines
                    .Where(l => l.StartsWith("+ ", StringComparison.Ordinal) || l.StartsWith("- ", StringComparison.Ordinal))
                    .Select(l => new LabelledSentence(l[2..], l[0] == '+'))
                    .ToList();
                return new SentenceLabelledArticle(Header("article"), DateOnly.Parse(Header("published"), System.Globalization.CultureInfo.InvariantCulture), sentences);
            })
            .ToList();
}

public sealed record LabelledSentence(string Quote, bool CheckWorthy);

/// <summary>An article whose sentences are each labelled check-worthy or not (labelled/sentences/*.txt).</summary>
public sealed record SentenceLabelledArticle(string Article, DateOnly PublishedOn, IReadOnlyList<LabelledSentence> Sentences)
{
    public string Text => File.ReadAllText(Path.Combine(RepositorySeeds.ArticlesDirectory, Article));
}

public sealed record LabelledArticle(string Article, DateOnly PublishedOn, string PublishedOnNote, IReadOnlyList<LabelledClaim> Claims)
{
    public string Text => File.ReadAllText(Path.Combine(RepositorySeeds.ArticlesDirectory, Article));
}

public sealed record LabelledClaim(
    string Quote, string Kind, string Expression,
    decimal? Number, decimal? UpperNumber, string? Unit, string? Currency, string? Date);
