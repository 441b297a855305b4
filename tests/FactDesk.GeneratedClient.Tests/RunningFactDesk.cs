using FactDesk.Api.Http;
using FactDesk.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FactDesk.GeneratedClient.Tests;

/// <summary>
/// The real service listening on a loopback port (Kestrel, not the in-memory test server), so a client in another
/// process can reach it; on its own fresh PostgreSQL database, with one principal per role and two senior editors.
/// </summary>
public sealed class RunningFactDesk : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly (string Key, string Name, string Role, string Token)[] People =
    [
        ("TOOL", "cms-plugin", Roles.Tool, "tool-token"),
        ("EDITOR", "Mara Lind", Roles.Editor, "editor-token"),
        ("EDITOR2", "Jon Berg", Roles.Editor, "editor2-token"),
        ("SENIOR", "Tomás Ruiz", Roles.SeniorEditor, "senior-token"),
        ("SENIOR2", "Ines Vale", Roles.SeniorEditor, "senior2-token"),
        ("AUDITOR", "Audrey Kim", Roles.Auditor, "auditor-token"),
    ];

    private string _connectionString = "";

    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await PostgresServer.CreateDatabaseForAsync(nameof(RunningFactDesk));
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
        builder.UseSetting("Metrics:Url", "off"); // several hosts at once: no shared scrape port
        builder.UseEnvironment("Testing");
    }

    public new Task DisposeAsync() => base.DisposeAsync().AsTask();
}
