using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FactDesk.Api.Hosting;

/// <summary>
/// Settings under <c>Connections:</c>. Unset limits are derived from the process's open-file limit (raised to its hard
/// limit at start), so a flood of connections is refused long before the process runs out of descriptors.
/// </summary>
public sealed class ConnectionOptions
{
    /// <summary>Open connections at most (Kestrel's MaxConcurrentConnections); beyond it new ones are closed at once.</summary>
    public int? MaxOpen { get; set; }
    /// <summary>Idle connections that have not yet made an authenticated request; beyond it the oldest of them is closed.</summary>
    public int? MaxIdleUnauthenticated { get; set; }
    /// <summary>Upgraded (WebSocket) connections at most.</summary>
    public int? MaxUpgraded { get; set; }
    /// <summary>Time a client has to send a request's headers.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Time an idle keep-alive connection stays open.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Descriptors kept for everything but client connections: database pool, webhooks, files, the runtime.</summary>
    public const int Reserved = 1024;

    public int OpenLimit(long fileLimit) => MaxOpen ?? (int)Math.Clamp((fileLimit - Reserved) / 2, 64, 10_000);
    public int IdleUnauthenticatedLimit(long fileLimit) => MaxIdleUnauthenticated ?? Math.Max(16, OpenLimit(fileLimit) / 2);
    public int UpgradedLimit(long fileLimit) => MaxUpgraded ?? Math.Max(16, OpenLimit(fileLimit) / 4);
}

/// <summary>The process's open-file limit: raised from the soft to the hard limit at start where the system allows it.</summary>
public static class FileLimit
{
    private const int RlimitNoFile = 7; // Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Soft;
        public ulong Hard;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, ref RLimit limit);

    /// <summary>Raises the soft limit as far as allowed and returns the limit in force (4096 where it cannot be read).</summary>
    public static long RaiseSoftLimit()
    {
        if (!OperatingSystem.IsLinux()) return 4096;
        try
        {
            if (getrlimit(RlimitNoFile, out var limit) != 0) return 4096;
            // The kernel refuses "unlimited" for open files; a million is far more than the connection limits use.
            var wanted = Math.Min(limit.Hard, 1UL << 20);
            if (wanted > limit.Soft)
            {
                var raised = limit with { Soft = wanted };
                if (setrlimit(RlimitNoFile, ref raised) == 0) limit = raised;
            }
            return (long)Math.Min(limit.Soft, long.MaxValue);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 4096;
        }
    }
}

/// <summary>
/// Keeps connections that never made an authenticated request from crowding out the newsroom: when more than the limit
/// of them sit idle (a half-sent request line, a keep-alive after a 401), the oldest is closed to let a new one in. A
/// connection whose request is being handled is never closed here, nor one that has shown a valid token or session.
/// </summary>
public sealed class ConnectionGate(int maxIdleUnauthenticated, ILogger<ConnectionGate> log)
{
    private readonly object _lock = new();
    private readonly LinkedList<Entry> _idleUnauthenticated = new();
    private readonly Dictionary<string, Entry> _open = new(StringComparer.Ordinal);
    private long _closed;

    private sealed class Entry(ConnectionContext connection)
    {
        public ConnectionContext Connection { get; } = connection;
        public LinkedListNode<Entry>? Idle;
        public bool Authenticated;
        public int RequestsInProgress;
    }

    public int MaxIdleUnauthenticated => maxIdleUnauthenticated;
    /// <summary>Connections closed to make room since start.</summary>
    public long Closed => Interlocked.Read(ref _closed);

    public int IdleUnauthenticated
    {
        get { lock (_lock) return _idleUnauthenticated.Count; }
    }

    /// <summary>Kestrel connection middleware: registers the connection for its lifetime.</summary>
    public async Task RunAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var entry = new Entry(connection);
        ConnectionContext? evicted = null;
        lock (_lock)
        {
            _open[connection.ConnectionId] = entry;
            entry.Idle = _idleUnauthenticated.AddLast(entry);
            if (_idleUnauthenticated.Count > maxIdleUnauthenticated)
            {
                var oldest = _idleUnauthenticated.First!.Value;
                _idleUnauthenticated.RemoveFirst();
                oldest.Idle = null;
                evicted = oldest.Connection;
            }
        }
        if (evicted is not null)
        {
            if (Interlocked.Increment(ref _closed) % 1000 == 1)
                log.LogWarning("More than {Limit} idle connections without a valid token: closing the oldest ({Closed} so far)", maxIdleUnauthenticated, Closed);
            evicted.Abort(new ConnectionAbortedException("Too many idle connections without a valid token."));
        }
        try
        {
            await next(connection);
        }
        finally
        {
            lock (_lock)
            {
                _open.Remove(connection.ConnectionId);
                if (entry.Idle is not null) _idleUnauthenticated.Remove(entry.Idle);
                entry.Idle = null;
            }
        }
    }

    /// <summary>A request's headers arrived on the connection: it is busy, not idle.</summary>
    public void RequestStarted(string connectionId)
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(connectionId, out var entry)) return;
            entry.RequestsInProgress++;
            if (entry.Idle is not null) _idleUnauthenticated.Remove(entry.Idle);
            entry.Idle = null;
        }
    }

    /// <summary>The request ended; an unauthenticated connection becomes idle again (the newest idle one).</summary>
    public void RequestEnded(string connectionId, bool authenticated)
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(connectionId, out var entry)) return;
            entry.RequestsInProgress--;
            entry.Authenticated |= authenticated;
            if (!entry.Authenticated && entry.RequestsInProgress == 0 && entry.Idle is null) entry.Idle = _idleUnauthenticated.AddLast(entry);
        }
    }
}

public static class ConnectionLimitsSetup
{
    /// <summary>Applies the connection limits to Kestrel and every endpoint it listens on.</summary>
    public static WebApplicationBuilder AddConnectionLimits(this WebApplicationBuilder builder)
    {
        var fileLimit = FileLimit.RaiseSoftLimit();
        var options = builder.Configuration.GetSection("Connections").Get<ConnectionOptions>() ?? new ConnectionOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(services => new ConnectionGate(options.IdleUnauthenticatedLimit(fileLimit), services.GetRequiredService<ILogger<ConnectionGate>>()));
        builder.Services.AddSingleton(new ConnectionFigures(fileLimit, options.OpenLimit(fileLimit)));
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.Limits.MaxConcurrentConnections = options.OpenLimit(fileLimit);
            kestrel.Limits.MaxConcurrentUpgradedConnections = options.UpgradedLimit(fileLimit);
            kestrel.Limits.RequestHeadersTimeout = options.RequestHeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = options.KeepAliveTimeout;
            var gate = kestrel.ApplicationServices.GetRequiredService<ConnectionGate>();
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => connection => gate.RunAsync(connection, next)));
        });
        return builder;
    }

    /// <summary>Tells the gate which connections are busy and which have shown a valid token or session.</summary>
    public static IApplicationBuilder UseConnectionGate(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var gate = http.RequestServices.GetRequiredService<ConnectionGate>();
        var id = http.Connection.Id;
        if (string.IsNullOrEmpty(id))
        {
            await next(); // not a Kestrel connection (the in-memory test server)
            return;
        }
        gate.RequestStarted(id);
        try
        {
            await next();
        }
        finally
        {
            gate.RequestEnded(id, http.User.Identity?.IsAuthenticated == true);
        }
    });
}

/// <summary>The limits in force, for the start-up log line.</summary>
public sealed record ConnectionFigures(long FileLimit, int MaxOpen);
