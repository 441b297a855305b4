using Npgsql;

namespace FactDesk.Bench;

/// <summary>
/// CPU time spent by a local PostgreSQL server: its postmaster and every backend, read from /proc. Backends that have
/// exited count through the postmaster's reaped-children time, so the sum only grows. Null for a server on another
/// machine (or without /proc): then the server CPU column stays empty.
/// </summary>
public sealed class ServerCpu(int postmasterPid)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static async Task<ServerCpu?> FindAsync(NpgsqlDataSource dataSource)
    {
        await using var cmd = dataSource.CreateCommand("select pg_backend_pid()");
        var backend = (int)(await cmd.ExecuteScalarAsync())!;
        return Stat(backend) is { } stat && int.TryParse(stat[1], out var parent) && Stat(parent) is not null ? new ServerCpu(parent) : null;
    }

    public TimeSpan Now()
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            if (Stat(pid) is not { } fields || (pid != postmasterPid && fields[1] != postmasterPid.ToString())) continue;
            // utime, stime, and for the postmaster cutime, cstime: its exited backends.
            ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
            if (pid == postmasterPid) ticks += long.Parse(fields[13]) + long.Parse(fields[14]);
        }
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>The fields of /proc/pid/stat after the command name (index 0 is the state, 1 the parent pid).</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
