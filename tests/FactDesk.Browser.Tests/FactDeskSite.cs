using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FactDesk.Browser.Tests;

/// <summary>
/// The real service listening on a loopback port with its own fresh database, and a headless Debian chromium driven by
/// Playwright. One principal per role, with two editors and two senior editors so sign-off by a second person shows.
/// </summary>
public sealed class FactDeskSite : WebApplicationFactory<Program>, IAsyncLifetime
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

    private string _connectionString = "";
    public string BaseUrl { get; private set; } = "";
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await PostgresServer.CreateDatabaseForAsync("browser");
        var port = PostgresServer.FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, port));
        StartServer();
        await Services.GetRequiredService<FactDesk.Api.Hosting.SchemaState>().Migrated.WaitAsync(TimeSpan.FromSeconds(30));

        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Browser.CloseAsync();
        Playwright.Dispose();
        await base.DisposeAsync();
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
        // Webhooks give up after two quick tries and may target this machine, so a dead letter shows within a second.
        builder.UseSetting("Webhooks:AllowPrivateTargets", "true");
        builder.UseSetting("Metrics:Url", "off"); // several hosts at once: no shared scrape port
        builder.UseSetting("Webhooks:MaxAttempts", "2");
        builder.UseSetting("Webhooks:RetryBase", "00:00:00.020");
        builder.UseSetting("Webhooks:RetryCap", "00:00:00.100");
        builder.UseSetting("Webhooks:Timeout", "00:00:02");
        builder.UseSetting("Webhooks:PollInterval", "00:00:00.100");
        builder.UseEnvironment("Testing");
    }

    public static (string Name, string Role, string Token) Person(string role, int nth = 0) => People.Where(p => p.Role == role).ElementAt(nth);

    /// <summary>A browser tab signed in through the sign-in page as the nth person with the role.</summary>
    public async Task<IPage> SignInAsync(string role, int nth = 0, int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.GetByLabel("Your FactDesk token").FillAsync(Person(role, nth).Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Signed in once the browser is sent on: the steps that follow wait for what they need of the next page. The
        // URL is polled: WaitForURLAsync, when the navigation has already committed, waits for the load event instead
        // (Playwright maps WaitUntil Commit to no load state), and that once took over 30 s on a busy CI run.
        await Microsoft.Playwright.Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin"),
            new() { Timeout = 30_000 });
        return page;
    }

    /// <summary>An API client with the person's bearer token, for set-up steps a newsroom tool would do.</summary>
    public HttpClient Api(string role, int nth = 0)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Person(role, nth).Token);
        return client;
    }

    public async Task<JsonElement> PostAsync(string role, string url, object body, int nth = 0)
    {
        using var client = Api(role, nth);
        var response = await client.PostAsync(url, new StringContent(JsonSerializer.Serialize(body, JsonDefaults.Options), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetAsync(string url)
    {
        using var client = Api(Roles.Auditor);
        return JsonDocument.Parse(await client.GetStringAsync(url)).RootElement.Clone();
    }

    public async Task<Guid> FlagAsync(string quote, string priority = "normal", Guid? documentId = null, DateTimeOffset? dueAt = null) =>
        (await PostAsync(Roles.Tool, "/api/claims", new { quote, reason = "a figure worth checking", priority, documentId, dueAt })).GetProperty("id").GetGuid();

    /// <summary>
    /// Saves a full-page screenshot: into docs/screenshots (the README's pictures) when FACTDESK_SCREENSHOTS=docs is set,
    /// else beside the test binaries, so an ordinary test run leaves the work tree clean.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = Environment.GetEnvironmentVariable("FACTDESK_SCREENSHOTS") == "docs"
            ? Path.Combine(RepositorySeeds.RepositoryRoot, "docs", "screenshots")
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }
}
