using System.Collections.Concurrent;
using System.Diagnostics;
using FactDesk.Api.Http;
using FactDesk.Testing;

namespace FactDesk.Resilience.Tests;

/// <summary>
/// The real service as a child process (<c>dotnet FactDesk.Api.dll --urls http://127.0.0.1:port</c>), configured only
/// through environment variables as an operator would, so it can be killed with SIGKILL and started again.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly IReadOnlyDictionary<string, string> _settings;
    private static readonly string TransparencyLogKey = FactDesk.TransparencyLog.NoteKeys.Generate("factdesk.test/resilience");
    private Process? _process;

    /// <param name="settings">Extra environment variables, such as <c>Connections__MaxOpen</c>.</param>
    public ServiceProcess(string connectionString, int? port = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        _connectionString = connectionString;
        _settings = settings ?? new Dictionary<string, string>();
        Port = port ?? PostgresServer.FreePort();
    }

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>File descriptors the process holds now (Linux), sockets included.</summary>
    public int OpenDescriptors() => _process is null ? 0 : Directory.GetFileSystemEntries($"/proc/{_process.Id}/fd").Length;

    public int Port { get; }
    /// <summary>The management port of the Prometheus scrape endpoint (<c>Metrics:Url</c>), free when the process was made.</summary>
    public int MetricsPort { get; } = PostgresServer.FreePort();
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>Everything the service wrote to stdout and stderr, across restarts.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>Starts the process and waits until <c>/health/ready</c> answers 200.</summary>
    public async Task StartAsync(TimeSpan? timeout = null)
    {
        var dll = ServiceBinary.Locate();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, // so it finds its appsettings.json
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        start.Environment["ConnectionStrings__FactDesk"] = _connectionString;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_gcServer"] = "0"; // two cores shared by the tests, the server and PostgreSQL
        for (var i = 0; i < Newsroom.People.Length; i++)
        {
            start.Environment[$"Auth__Principals__{i}__Name"] = Newsroom.People[i].Name;
            start.Environment[$"Auth__Principals__{i}__Role"] = Newsroom.People[i].Role;
            start.Environment[$"Auth__Principals__{i}__TokenSha256"] = BearerTokenHandler.HashToken(Newsroom.People[i].Token);
        }
        // Production refuses to start without a checkpoint signing key; one per test process, the same across restarts.
        start.Environment["TransparencyLog__SigningKey"] = TransparencyLogKey;
        // Two instances on one machine: each gets a scrape port of its own (a test may set another, or "off").
        start.Environment["Metrics__Url"] = $"http://127.0.0.1:{MetricsPort}";
        foreach (var (name, value) in _settings) start.Environment[name] = value;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilReadyAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process is { HasExited: true })
                throw new InvalidOperationException($"The service exited with {_process.ExitCode} during start-up:\n{string.Join('\n', _output.TakeLast(40))}");
            try
            {
                if ((await client.GetAsync("/health/ready")).IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The service was not ready within {timeout.TotalSeconds} s:\n{string.Join('\n', _output.TakeLast(40))}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no draining; requests in flight get no answer.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }
}

/// <summary>Finds the service's own build output: src/FactDesk.Api/bin/&lt;configuration&gt;/net10.0/FactDesk.Api.dll.</summary>
public static class ServiceBinary
{
    public static string Locate()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        // bin/<configuration>/<framework>/ of this test project names the configuration the service was built in.
        var configuration = here.Parent?.Name ?? "Debug";
        for (var dir = here; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "FactDesk.sln"))) continue;
            var bin = Path.Combine(dir.FullName, "src", "FactDesk.Api", "bin");
            var preferred = Path.Combine(bin, configuration, "net10.0", "FactDesk.Api.dll");
            if (File.Exists(preferred)) return preferred;
            var any = Directory.Exists(bin) ? Directory.GetFiles(bin, "FactDesk.Api.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault() : null;
            if (any is not null) return any;
        }
        throw new FileNotFoundException("FactDesk.Api.dll not found under src/FactDesk.Api/bin; build the solution first.");
    }
}
