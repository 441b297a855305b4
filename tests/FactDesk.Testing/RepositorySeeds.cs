namespace FactDesk.Testing;

/// <summary>
/// The article texts under <c>seeds/articles</c>: attributed excerpts of five published articles (000-004) and the
/// desk's own original articles (100 and up). Tests read nothing outside the repository.
/// </summary>
public static class RepositorySeeds
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

    public static string SeedsDirectory => Path.Combine(RepositoryRoot, "seeds");

    public static string ArticlesDirectory => Path.Combine(SeedsDirectory, "articles");

    public static string DatasetPath => Path.Combine(SeedsDirectory, "dataset.json");

    /// <summary>The file of an article by its number ("000").</summary>
    public static string ArticlePath(string number) => Directory.GetFiles(ArticlesDirectory, number + "-*").Single();

    public static string Article(string number) => File.ReadAllText(ArticlePath(number));
}
