namespace FactDesk.Testing;

/// <summary>How a test PostgreSQL is chosen when <c>FACTDESK_TEST_DB</c> names none.</summary>
public enum PostgresMode
{
    /// <summary>A container when a Docker engine answers, else a local cluster (saying so).</summary>
    Auto,
    /// <summary>A container, or an error: what ops/test and CI ask for (<c>FACTDESK_TEST_POSTGRES=container</c>).</summary>
    Container,
    /// <summary>A local cluster, Docker or not (<c>FACTDESK_TEST_POSTGRES=local</c>).</summary>
    Local,
}

/// <summary>What <see cref="PostgresServer.StartAsync"/> starts, read from the environment for the shared server.</summary>
public sealed record PostgresChoice
{
    public string? ExternalConnectionString { get; init; }
    public PostgresMode Mode { get; init; }
    public string DockerEndpoint { get; init; } = "unix:///var/run/docker.sock";
    public string Image { get; init; } = "postgres:15";

    /// <summary>Where the one line saying which server was started goes.</summary>
    public Action<string> Say { get; init; } = SayToTestOutput;

    public static PostgresChoice FromEnvironment()
    {
        var mode = Environment.GetEnvironmentVariable("FACTDESK_TEST_POSTGRES")?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => PostgresMode.Auto,
            "container" or "docker" => PostgresMode.Container,
            "local" => PostgresMode.Local,
            var other => throw new InvalidOperationException($"FACTDESK_TEST_POSTGRES={other}: expected container, local or auto."),
        };
        return new PostgresChoice
        {
            ExternalConnectionString = Environment.GetEnvironmentVariable("FACTDESK_TEST_DB"),
            Mode = mode,
            DockerEndpoint = NonEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) ?? "unix:///var/run/docker.sock",
            Image = NonEmpty(Environment.GetEnvironmentVariable("FACTDESK_POSTGRES_IMAGE")) ?? "postgres:15",
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>
    /// To standard error, and appended to the file named by <c>FACTDESK_TEST_POSTGRES_LOG</c> (ops/test prints that file:
    /// dotnet test does not show what a test process writes).
    /// </summary>
    private static void SayToTestOutput(string line)
    {
        var assembly = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).FirstOrDefault(n => n?.EndsWith(".Tests") == true) ?? "tests";
        var text = $"{assembly} (pid {Environment.ProcessId}): {line}";
        Console.Error.WriteLine(text);
        var log = Environment.GetEnvironmentVariable("FACTDESK_TEST_POSTGRES_LOG");
        if (string.IsNullOrWhiteSpace(log)) return;
        try { File.AppendAllText(log, text + Environment.NewLine); }
        catch (IOException) { /* the line on standard error is enough */ }
    }
}
