using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Testcontainers.PostgreSql;

namespace FactDesk.Testing;

/// <summary>Where a test PostgreSQL runs.</summary>
public enum PostgresKind
{
    /// <summary>The server named by <c>FACTDESK_TEST_DB</c>.</summary>
    External,
    /// <summary>A container started with Testcontainers.PostgreSql on the Docker engine.</summary>
    Container,
    /// <summary>A throwaway cluster made with the installed server's initdb and pg_ctl (no Docker engine answered).</summary>
    LocalCluster,
}

/// <summary>
/// A real PostgreSQL for tests, one per test process; each test class asks it for a fresh database. In order: the server
/// named by <c>FACTDESK_TEST_DB</c>; a container started with Testcontainers.PostgreSql (image
/// <c>FACTDESK_POSTGRES_IMAGE</c>, default postgres:15) when a Docker engine answers; else a throwaway cluster made
/// with the installed server's initdb and pg_ctl on a free loopback port (as the postgres user when running as root),
/// saying so in one line. <c>FACTDESK_TEST_POSTGRES=container</c> (what ops/test sets) makes a missing engine an
/// error instead; <c>=local</c> skips Docker.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(() => StartAsync(PostgresChoice.FromEnvironment()));
    private readonly string? _dataDirectory;
    private readonly string? _pgCtl;
    private readonly string? _serverOptions;
    private readonly PostgreSqlContainer? _container;
    private readonly int _containerPort;
    private readonly string? _dockerEndpoint;
    private int _databases;

    private PostgresServer(PostgresKind kind, string adminConnectionString, string description, string? dataDirectory = null,
        string? pgCtl = null, string? serverOptions = null, PostgreSqlContainer? container = null, int containerPort = 0, string? dockerEndpoint = null)
    {
        Kind = kind;
        AdminConnectionString = adminConnectionString;
        Description = description;
        _dataDirectory = dataDirectory;
        _pgCtl = pgCtl;
        _serverOptions = serverOptions;
        _container = container;
        _containerPort = containerPort;
        _dockerEndpoint = dockerEndpoint;
    }

    public PostgresKind Kind { get; }

    /// <summary>One line saying what this server is (written to the test output when it starts).</summary>
    public string Description { get; }

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
    /// A server of the caller's own, never shared and never the <c>FACTDESK_TEST_DB</c> server, so a test may stop and
    /// start it (<see cref="StopServerAsync"/>, <see cref="StartServerAsync"/>) without disturbing other tests: a
    /// container of its own (its host port pinned, so a restart keeps the address) when an engine answers, else a
    /// cluster of its own.
    /// </summary>
    public static Task<PostgresServer> StartPrivateAsync() =>
        StartAsync(PostgresChoice.FromEnvironment() with { ExternalConnectionString = null }, privatePort: FreePort());

    /// <summary>Stops the server the way an operator's restart does, cutting sessions off: pg_ctl stop -m fast, or
    /// docker stop (the image's stop signal is SIGINT, PostgreSQL's fast shutdown).</summary>
    public async Task StopServerAsync()
    {
        if (_container is not null) { await _container.StopAsync(); return; }
        await RunPgAsync(Environment.UserName == "root", RequirePgCtl(), ["-D", Path.Combine(_dataDirectory!, "data"), "-m", "fast", "-w", "stop"]);
    }

    /// <summary>Starts a stopped private server again on the same port and data.</summary>
    public async Task StartServerAsync()
    {
        if (_container is not null)
        {
            await _container.StartAsync();
            // A restarted container gets its host port anew unless it was pinned; the service under test keeps its
            // connection string, so a moved port would look like a database that never came back.
            var port = _container.GetMappedPublicPort(5432);
            if (port != _containerPort)
                throw new InvalidOperationException($"The restarted container answers on port {port}, not {_containerPort}.");
            return;
        }
        await RunPgAsync(Environment.UserName == "root", RequirePgCtl(),
            ["-D", Path.Combine(_dataDirectory!, "data"), "-o", _serverOptions!, "-l", Path.Combine(_dataDirectory!, "server.log"), "-w", "start"]);
    }

    private string RequirePgCtl() => _pgCtl ?? throw new InvalidOperationException("Only a server this process started can be stopped and started.");

    /// <summary>Starts (or names) a server as <paramref name="choice"/> says; the shared one is made with the environment's choice.</summary>
    public static async Task<PostgresServer> StartAsync(PostgresChoice choice, int? privatePort = null)
    {
        if (!string.IsNullOrWhiteSpace(choice.ExternalConnectionString))
            return new PostgresServer(PostgresKind.External, choice.ExternalConnectionString, "PostgreSQL named by FACTDESK_TEST_DB");
        if (choice.Mode == PostgresMode.Local)
        {
            var cluster = await ProvisionAsync();
            choice.Say($"FACTDESK_TEST_POSTGRES=local: using {cluster.Description}.");
            return cluster;
        }
        var engine = await DockerEngine.ProbeAsync(choice.DockerEndpoint);
        if (engine.Answers)
        {
            try
            {
                var server = await StartContainerAsync(choice, engine, privatePort);
                choice.Say(server.Description);
                return server;
            }
            // Outside ops/test (a plain dotnet test) the image may be neither present nor pullable: a local cluster still works.
            catch (Exception e) when (choice.Mode == PostgresMode.Auto)
            {
                var cluster = await ProvisionAsync();
                choice.Say($"The container {choice.Image} did not start ({e.GetBaseException().Message.Split('\n')[0]}): using {cluster.Description} instead.");
                return cluster;
            }
        }
        if (choice.Mode == PostgresMode.Container)
            throw new InvalidOperationException($"FACTDESK_TEST_POSTGRES=container but no Docker engine answers at {choice.DockerEndpoint}: {engine.Problem}");
        var local = await ProvisionAsync();
        choice.Say($"No Docker engine answers at {choice.DockerEndpoint} ({engine.Problem}): using {local.Description} instead.");
        return local;
    }

    private static async Task<PostgresServer> StartContainerAsync(PostgresChoice choice, DockerEngine engine, int? privatePort)
    {
        engine.ConfigureTestcontainers();
        var started = Stopwatch.StartNew();
        var builder = new PostgreSqlBuilder(choice.Image)
            .WithDockerEndpoint(choice.DockerEndpoint)
            // ops/test removes containers left by killed test processes: those whose process is gone.
            .WithLabel("factdesk.tests.pid", Environment.ProcessId.ToString())
            // As the local cluster: a test server never needs to survive a power cut, and tests open many pools.
            .WithCommand("-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=128MB");
        if (privatePort is int pinned) builder = builder.WithPortBinding(pinned, 5432);
        var container = builder.Build();
        try
        {
            await container.StartAsync();
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
        var port = container.GetMappedPublicPort(5432);
        var connectionString = new NpgsqlConnectionStringBuilder(container.GetConnectionString()) { Pooling = true }.ConnectionString;
        var server = new PostgresServer(PostgresKind.Container, connectionString,
            $"PostgreSQL in a Testcontainers container ({choice.Image}, {container.Id[..12]}, {container.Hostname}:{port}), started in {started.Elapsed.TotalSeconds:0.0} s",
            container: container, containerPort: port, dockerEndpoint: choice.DockerEndpoint);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
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

        var server = new PostgresServer(PostgresKind.LocalCluster, $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true",
            $"a local PostgreSQL cluster (initdb/pg_ctl from {bin}, 127.0.0.1:{port})", root, pgCtl, options);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    private int _stopped;

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        if (_container is not null)
        {
            NpgsqlConnection.ClearAllPools();
            // Straight to the engine: at process exit there is no time for Testcontainers' asynchronous disposal.
            DockerEngine.RemoveContainer(_dockerEndpoint!, _container.Id);
            return;
        }
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
