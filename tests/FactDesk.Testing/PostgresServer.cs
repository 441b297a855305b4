using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace FactDesk.Testing;

/// <summary>
/// A real PostgreSQL for tests: the one named by <c>FACTDESK_TEST_DB</c>, or else a throwaway cluster made with the
/// installed server's initdb and pg_ctl on a free loopback port (as the postgres user when running as root).
/// One per test process; each test class asks it for a fresh database.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);
    private readonly string? _dataDirectory;
    private readonly string? _pgCtl;
    private readonly string? _serverOptions;
    private int _databases;

    private PostgresServer(string adminConnectionString, string? dataDirectory, string? pgCtl, string? serverOptions = null)
    {
        AdminConnectionString = adminConnectionString;
        _dataDirectory = dataDirectory;
        _pgCtl = pgCtl;
        _serverOptions = serverOptions;
    }

    public string AdminConnectionString { get; }

    /// <summary>The process-wide server, started on first use and stopped when the process exits.</summary>
    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = $"fd_{Sanitize(purpose)}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"create database {name}", connection);
        await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, MaxPoolSize = 100 }.ConnectionString;
    }

    public static Task<string> CreateDatabaseForAsync(string purpose) => GetAsync().ContinueWith(t => t.Result.CreateDatabaseAsync(purpose)).Unwrap();

    private static string Sanitize(string purpose) =>
        new string(purpose.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').Take(30).ToArray());

    /// <summary>
    /// A cluster of the caller's own, never shared and never the <c>FACTDESK_TEST_DB</c> server, so a test may stop and
    /// start it (<see cref="StopServerAsync"/>, <see cref="StartServerAsync"/>) without disturbing other tests.
    /// </summary>
    public static Task<PostgresServer> StartPrivateAsync() => ProvisionAsync();

    /// <summary>Stops a private cluster the way an operator's restart does (pg_ctl stop -m fast: sessions are cut off).</summary>
    public Task StopServerAsync() => RunPgAsync(Environment.UserName == "root", RequirePgCtl(), ["-D", Path.Combine(_dataDirectory!, "data"), "-m", "fast", "-w", "stop"]);

    /// <summary>Starts a stopped private cluster again on the same port and data.</summary>
    public Task StartServerAsync() => RunPgAsync(Environment.UserName == "root", RequirePgCtl(),
        ["-D", Path.Combine(_dataDirectory!, "data"), "-o", _serverOptions!, "-l", Path.Combine(_dataDirectory!, "server.log"), "-w", "start"]);

    private string RequirePgCtl() => _pgCtl ?? throw new InvalidOperationException("Only a cluster this process provisioned can be stopped and started.");

    private static async Task<PostgresServer> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("FACTDESK_TEST_DB");
        if (!string.IsNullOrWhiteSpace(external)) return new PostgresServer(external, null, null);
        return await ProvisionAsync();
    }

    private static async Task<PostgresServer> ProvisionAsync()
    {
        var bin = FindServerBinaries();
        var runAsPostgres = Environment.UserName == "root";
        var root = Path.Combine(Path.GetTempPath(), $"factdesk-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(root);
        var data = Path.Combine(root, "data");
        if (runAsPostgres) await RunAsync("chown", ["-R", "postgres:postgres", root]);

        var port = FreePort();
        await RunPgAsync(runAsPostgres, Path.Combine(bin, "initdb"),
            ["-D", data, "-U", "postgres", "--auth=trust", "--locale=C.UTF-8", "-E", "UTF8", "--no-sync"]);
        // fsync off: a test cluster never needs to survive a power cut.
        var options = $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB";
        var pgCtl = Path.Combine(bin, "pg_ctl");
        await RunPgAsync(runAsPostgres, pgCtl, ["-D", data, "-o", options, "-l", Path.Combine(root, "server.log"), "-w", "start"]);

        var server = new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true", root, pgCtl, options);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    private void Stop()
    {
        if (_pgCtl is null || _dataDirectory is null) return;
        try
        {
            NpgsqlConnection.ClearAllPools();
            var runAsPostgres = Environment.UserName == "root";
            RunPgAsync(runAsPostgres, _pgCtl, ["-D", Path.Combine(_dataDirectory, "data"), "-m", "immediate", "-w", "stop"]).GetAwaiter().GetResult();
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (Exception)
        {
            // Best effort at process exit: a leftover temp cluster is harmless.
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>The installed server's bin folder: PATH first, then Debian's /usr/lib/postgresql/N/bin (newest).</summary>
    public static string FindServerBinaries()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
                return Path.GetDirectoryName(Path.GetFullPath(ResolveLink(Path.Combine(dir, "initdb"))))!;
        if (Directory.Exists("/usr/lib/postgresql"))
            foreach (var dir in Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                if (File.Exists(Path.Combine(dir, "bin", "initdb"))) return Path.Combine(dir, "bin");
        throw new InvalidOperationException("No PostgreSQL server found (initdb, pg_ctl). Install it (apt-get install postgresql) or set FACTDESK_TEST_DB.");
    }

    private static string ResolveLink(string path) => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static Task RunPgAsync(bool asPostgres, string file, string[] args) =>
        asPostgres ? RunAsync("runuser", ["-u", "postgres", "--", file, .. args]) : RunAsync(file, args);

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        // pg_ctl start leaves the server holding inherited pipes: read without waiting for their end.
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }
}
