using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FactDesk.Api.Audit.SigningCheckpoints;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using FactDesk.Testing;
using FactDesk.Verify;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FactDesk.TransparencyLog.Tests;

/// <summary>
/// FactDesk listening on a loopback port (real Kestrel, real HTTP) on its own fresh PostgreSQL database, with a
/// checkpoint signing key made for the fixture. Checkpoints come only when a test asks (after the first, which
/// FactDesk signs as soon as the log has an event), so each test knows what it pinned.
/// </summary>
public class TransparentDesk : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly (string Name, string Role, string Token)[] People =
    [
        ("cms-plugin", Roles.Tool, "tool-token"),
        ("Mara Lind", Roles.Editor, "editor-token"),
        ("Audrey Kim", Roles.Auditor, "auditor-token"),
    ];

    public const string AuditorToken = "auditor-token";
    public const string Origin = "factdesk.test/transparency-log";
    private readonly string _signingKey = NoteKeys.Generate(Origin);
    private string _connectionString = "";

    public Uri BaseAddress { get; private set; } = null!;
    public string VerifierKey { get; private set; } = "";

    public virtual async Task InitializeAsync()
    {
        using (var signer = NoteSigner.Parse(_signingKey)) VerifierKey = signer.VerifierKey;
        _connectionString = await PostgresServer.CreateDatabaseForAsync(GetType().Name);
        UseKestrel(0);
        StartServer();
        await Services.GetRequiredService<FactDesk.Api.Hosting.SchemaState>().Migrated.WaitAsync(TimeSpan.FromSeconds(30));
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1"));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:FactDesk", _connectionString);
        for (var i = 0; i < People.Length; i++)
        {
            builder.UseSetting($"Auth:Principals:{i}:Name", People[i].Name);
            builder.UseSetting($"Auth:Principals:{i}:Role", People[i].Role);
            builder.UseSetting($"Auth:Principals:{i}:TokenSha256", BearerTokenHandler.HashToken(People[i].Token));
        }
        builder.UseSetting("TransparencyLog:SigningKey", _signingKey);
        builder.UseSetting("Webhooks:AllowPrivateTargets", "true");
        builder.UseSetting("Metrics:Url", "off"); // several hosts at once: no shared scrape port
        builder.UseSetting("TransparencyLog:CheckpointEveryEvents", "1000000");
        builder.UseSetting("TransparencyLog:CheckpointEverySeconds", "3600");
        builder.UseEnvironment("Testing");
    }

    public new Task DisposeAsync() => base.DisposeAsync().AsTask();

    public HttpClient Client(string? token = AuditorToken)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public ProjectionControl Runner => Services.GetRequiredService<ProjectionControl>();
    public NpgsqlDataSource Db => Services.GetRequiredService<NpgsqlDataSource>();

    /// <summary>Flags a claim through the HTTP command as the tool; returns its id.</summary>
    public async Task<Guid> FlagClaimAsync(string quote)
    {
        using var client = Client("tool-token");
        var response = await client.PostAsJsonAsync("/api/claims", new { quote, reason = "a figure to check", priority = "normal" });
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>Assigns a claim to Mara Lind as an editor: a second event on the claim's stream.</summary>
    public async Task AssignAsync(Guid claimId)
    {
        using var client = Client("editor-token");
        var response = await client.PostAsJsonAsync($"/api/claims/{claimId}/assignment", new { assignee = "Mara Lind" });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Lets the tree take in every event so far, then signs a checkpoint of it; returns its tree size.</summary>
    public async Task<long> CheckpointAsync()
    {
        await Runner.CatchUpAsync(TimeSpan.FromSeconds(30));
        long size;
        await using (var cmd = Db.CreateCommand("select count(*) from factdesk.transparency_leaves")) size = (long)(await cmd.ExecuteScalarAsync())!;
        var signer = Services.GetRequiredService<CheckpointSigner>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await signer.SignIfDueAsync(force: true);
            await using var cmd = Db.CreateCommand("select coalesce(max(tree_size), 0) from factdesk.transparency_checkpoints");
            if ((long)(await cmd.ExecuteScalarAsync())! >= size) return size;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No checkpoint of size {size} was signed.");
            await Task.Delay(20);
        }
    }

    public async Task SqlAsync(string sql)
    {
        await using var cmd = Db.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    public string NewPinsFile() => Path.Combine(AppContext.BaseDirectory, "pins", Guid.NewGuid().ToString("N") + ".json");

    /// <summary>The auditor's tool, run in this process against the service's real URL.</summary>
    public async Task<AuditOutcome> VerifyAsync(string pins, Guid? claim = null, bool all = true)
    {
        using var http = new HttpClient();
        return await new LogAuditor(http).RunAsync(new AuditRequest(BaseAddress, AuditorToken, VerifierKey, pins, claim, claim is null && all));
    }
}
