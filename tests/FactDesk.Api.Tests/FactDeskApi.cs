using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using FactDesk.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FactDesk.Api.Tests;

/// <summary>
/// The real service on its own fresh PostgreSQL database, with one principal per role (two editors and two senior
/// editors, so sign-off by a second person can be shown).
/// </summary>
public class FactDeskApi : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly (string Name, string Role, string Token)[] People =
    [
        ("cms-plugin", Roles.Tool, "tool-token"),
        ("Mara Lind", Roles.Editor, "editor-token"),
        ("Jon Berg", Roles.Editor, "editor2-token"),
        ("Tomás Ruiz", Roles.SeniorEditor, "senior-token"),
        ("Ines Vale", Roles.SeniorEditor, "senior2-token"),
        ("Audrey Kim", Roles.Auditor, "auditor-token"),
    ];

    public string ConnectionString { get; private set; } = "";

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await PostgresServer.CreateDatabaseForAsync(GetType().Name);
        _ = Server; // start the host: migrates the schema
        await Services.GetRequiredService<Hosting.SchemaState>().Migrated.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public new virtual async Task DisposeAsync() => await base.DisposeAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:FactDesk", ConnectionString);
        for (var i = 0; i < People.Length; i++)
        {
            builder.UseSetting($"Auth:Principals:{i}:Name", People[i].Name);
            builder.UseSetting($"Auth:Principals:{i}:Role", People[i].Role);
            builder.UseSetting($"Auth:Principals:{i}:TokenSha256", BearerTokenHandler.HashToken(People[i].Token));
        }
        builder.UseSetting("Webhooks:AllowPrivateTargets", "true");
        // Many hosts run at once in one test process: no scrape listener unless a test asks for one (on a free port).
        builder.UseSetting("Metrics:Url", "off");
        builder.UseEnvironment("Testing");
    }

    public TamperEvidentLog Store => Services.GetRequiredService<TamperEvidentLog>();
    public ProjectionControl Projections => Services.GetRequiredService<ProjectionControl>();

    /// <summary>A client signed in as the first person with the role (or by token when given).</summary>
    public HttpClient As(string role, int nth = 0)
    {
        var client = CreateClient();
        var person = People.Where(p => p.Role == role).ElementAt(nth);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", person.Token);
        return client;
    }

    public HttpClient Tool => As(Roles.Tool);
    public HttpClient Editor => As(Roles.Editor);
    public HttpClient SecondEditor => As(Roles.Editor, 1);
    public HttpClient Senior => As(Roles.SeniorEditor);
    public HttpClient SecondSenior => As(Roles.SeniorEditor, 1);
    public HttpClient Auditor => As(Roles.Auditor);
    public HttpClient Anonymous => CreateClient();

    public async Task<long> CountEventsAsync()
    {
        await using var cmd = Store.DataSource.CreateCommand("select count(*) from factdesk.mt_events");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Flags a claim as the tool and returns its id.</summary>
    public async Task<Guid> FlagClaimAsync(string quote = "China is home to 36% of all large language models", string priority = "normal", Guid? documentId = null)
    {
        var response = await Tool.PostAsJsonAsync("/api/claims", new { quote, reason = "a share of a world total", priority, documentId });
        response.EnsureSuccessStatusCode();
        return (await response.ReadJsonAsync()).GetProperty("id").GetGuid();
    }
}

public static class HttpTestExtensions
{
    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body, string? idempotencyKey = null, string? ifMatch = null) =>
        client.PostRawAsync(url, JsonSerializer.Serialize(body, JsonDefaults.Options), idempotencyKey, ifMatch);

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string json, string? idempotencyKey = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return client.SendAsync(request);
    }

    public static string? ETag(this HttpResponseMessage response) => response.Headers.ETag?.Tag;
}

/// <summary>Set-up steps for discrepancy and document scenarios.</summary>
public static class NewsroomSetup
{
    /// <summary>
    /// Attaches a source to a claim by appending its event straight to the store: the AttachSource route belongs to
    /// another slice, and these scenarios only need a claim that has a source.
    /// </summary>
    public static async Task<Guid> AttachSourceDirectlyAsync(this FactDeskApi api, Guid claimId, string citation = "CAICT white paper on large language models")
    {
        var sourceId = Guid.NewGuid();
        await api.Store.AppendAsync(claimId, global::FactDesk.Api.Claims.Claim.StreamType, ExpectedVersion.Any,
            new global::FactDesk.Api.Claims.SourceAttached(claimId, sourceId, null, citation, null, "CAICT", null, null, global::FactDesk.Api.Claims.Stance.Supports, global::FactDesk.Api.Claims.SourceKind.Primary,
                new Actor("cms-plugin", Roles.Tool), DateTimeOffset.UtcNow),
            new EventMetadata("cms-plugin", Roles.Tool, Guid.NewGuid().ToString(), Guid.NewGuid().ToString()));
        return sourceId;
    }

    /// <summary>Ingests a document as the tool and returns the answer's body.</summary>
    public static async Task<JsonElement> IngestAsync(this FactDeskApi api, string text, string title = "The AI race", string publishedOn = "2025-02-01")
    {
        var response = await api.Tool.PostJsonAsync("/api/documents", new { title, text, publishedOn, language = "en", author = "Jacob Dreyer" });
        response.EnsureSuccessStatusCode();
        return await response.ReadJsonAsync();
    }

    /// <summary>Opens a discrepancy between the given claims (and sources) as the tool and returns its id.</summary>
    public static async Task<Guid> OpenDiscrepancyAsync(this FactDeskApi api, Guid[] claimIds, Guid[]? sourceIds = null)
    {
        var response = await api.Tool.PostJsonAsync("/api/discrepancies", new
        {
            claimIds, sourceIds, kind = "numeric", description = "36% here, 26% there",
            values = new[] { new { side = "first claim", says = "36%" }, new { side = "second claim", says = "26%" } },
        });
        response.EnsureSuccessStatusCode();
        return (await response.ReadJsonAsync()).GetProperty("id").GetGuid();
    }
}
/// <summary>
/// Writes claim and discrepancy events straight through the store, for read-model tests that need exact times,
/// priorities and histories that no single command slice offers yet.
/// </summary>
public static class NewsroomHistory
{
    public static readonly Actor Desk = new("Mara Lind", Roles.Editor);
    private static readonly EventMetadata Metadata = new(Desk.Name, Desk.Role, "history-corr", "history-cause");

    /// <summary>Appends events to a claim at its current version and returns the new version.</summary>
    public static async Task<long> AppendToClaimAsync(this FactDeskApi api, Guid claimId, params object[] events)
    {
        var state = await api.Store.GetStreamStateAsync(claimId);
        var expected = state is null ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(state.Value.Version);
        var result = await api.Store.AppendAsync(claimId, global::FactDesk.Api.Claims.Claim.StreamType, expected,
            events.Select(e => new EventToAppend(Guid.NewGuid(), e)).ToArray(), Metadata);
        return result.NextVersion;
    }

    public static async Task<Guid> FlagAsync(this FactDeskApi api, global::FactDesk.Api.Claims.Priority priority = global::FactDesk.Api.Claims.Priority.Normal, DateTimeOffset? dueAt = null,
        DateTimeOffset? at = null, Guid? documentId = null, Guid? id = null, string quote = "Unemployment fell to 3.1% last year")
    {
        var claimId = id ?? Guid.NewGuid();
        await api.AppendToClaimAsync(claimId, new global::FactDesk.Api.Claims.ClaimFlagged(claimId, quote, documentId, null, null, "a figure to check",
            priority, dueAt, null, Desk, at ?? DateTimeOffset.UtcNow));
        return claimId;
    }

    public const string DiscrepancyOpenedName = "discrepancy-opened.v1";
    public const string DiscrepancyResolvedName = "discrepancy-resolved.v1";

    /// <summary>Opens a discrepancy between claims, as the discrepancy slice stores it (its class when present, a stand-in otherwise).</summary>
    public static Task OpenDiscrepancyAsync(this FactDeskApi api, Guid discrepancyId, params Guid[] claimIds) =>
        api.AppendDiscrepancyAsync(discrepancyId, DiscrepancyOpenedName, typeof(DiscrepancyOpenedStandIn), ExpectedVersion.NoStream, new
        {
            discrepancyId, claimIds, sourceIds = Array.Empty<Guid>(), kind = "numeric", description = "the two figures differ",
            by = Desk, at = DateTimeOffset.UtcNow,
        });

    public static Task ResolveDiscrepancyAsync(this FactDeskApi api, Guid discrepancyId) =>
        api.AppendDiscrepancyAsync(discrepancyId, DiscrepancyResolvedName, typeof(DiscrepancyResolvedStandIn), ExpectedVersion.Any, new
        {
            discrepancyId, outcome = "claim-stands", rationale = "the claim used the newer release", evidenceSourceIds = Array.Empty<Guid>(),
            by = Desk, at = DateTimeOffset.UtcNow,
        });

    private static async Task AppendDiscrepancyAsync(this FactDeskApi api, Guid discrepancyId, string name, Type standIn, ExpectedVersion expected, object body)
    {
        var types = api.Store.Types;
        lock (types)
            if (!types.TryGetType(name, out _)) types.Register(standIn, name);
        types.TryGetType(name, out var type);
        var data = JsonSerializer.SerializeToElement(body, JsonDefaults.Options).Deserialize(type, types.Json)!;
        await api.Store.AppendAsync(discrepancyId, "discrepancy", expected, [new EventToAppend(Guid.NewGuid(), data)], Metadata);
    }

    public static async Task<List<string>> RowsAsJsonAsync(this FactDeskApi api, string sql)
    {
        await using var cmd = api.Store.DataSource.CreateCommand(sql);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    public static async Task ExecuteAsync(this FactDeskApi api, string sql)
    {
        await using var cmd = api.Store.DataSource.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>Stand-ins with the stored shape of the discrepancy events, used only while their real classes are absent.</summary>
public sealed record DiscrepancyOpenedStandIn(Guid DiscrepancyId, Guid[] ClaimIds, Guid[]? SourceIds, string? Kind, string? Description, Actor By, DateTimeOffset At);

public sealed record DiscrepancyResolvedStandIn(Guid DiscrepancyId, string? Outcome, string? Rationale, Guid[]? EvidenceSourceIds, Actor By, DateTimeOffset At);
