using System.Collections.Concurrent;
using System.Net.Http.Headers;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FactDesk.Resilience.Tests;

/// <summary>
/// The service in this process on its own database, with every log line it writes (all levels, all categories)
/// kept in <see cref="Logs"/>, so tests can search them for secrets.
/// </summary>
public class InProcessNewsroom : WebApplicationFactory<Program>, IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";
    public CapturedLogs Logs { get; } = new();

    public async Task InitializeAsync()
    {
        ConnectionString = await PostgresServer.CreateDatabaseForAsync(GetType().Name);
        _ = Server;
        await Services.GetRequiredService<FactDesk.Api.Hosting.SchemaState>().Migrated.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public new async Task DisposeAsync() => await base.DisposeAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:FactDesk", ConnectionString);
        for (var i = 0; i < Newsroom.People.Length; i++)
        {
            builder.UseSetting($"Auth:Principals:{i}:Name", Newsroom.People[i].Name);
            builder.UseSetting($"Auth:Principals:{i}:Role", Newsroom.People[i].Role);
            builder.UseSetting($"Auth:Principals:{i}:TokenSha256", BearerTokenHandler.HashToken(Newsroom.People[i].Token));
        }
        builder.UseSetting("Webhooks:AllowPrivateTargets", "true");
        builder.UseSetting("Metrics:Url", "off"); // several hosts at once: no shared scrape port
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
    }

    /// <summary>A client signed in with the role's token; null role: no Authorization header.</summary>
    public HttpClient As(string? role)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (role is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Newsroom.TokenOf(role));
        return client;
    }

    /// <summary>The last position written by a person or tool: the conflict finder proposes discrepancies as the system, on its own schedule.</summary>
    public async Task<long> LastPositionAsync() => await EventLog.ScalarAsync(ConnectionString,
        "select coalesce(max(seq_id), 0) from factdesk.mt_events where headers->>'actorRole' is distinct from 'system'");
}

/// <summary>Keeps every formatted log message, its exception and its structured values.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    public IReadOnlyCollection<string> Lines => _lines;
    public ILogger CreateLogger(string categoryName) => new Capture(categoryName, _lines);
    public void Dispose() { }

    private sealed class Capture(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            lines.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join("; ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}
