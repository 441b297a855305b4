using System.Diagnostics;
using System.Text.Json;
using Npgsql;

namespace FactDesk.Bench;

/// <summary>
/// Emmett 0.42's PostgreSQL appendToStream (npm), driven by ops/bench/emmett/append.mjs in a closed loop with the same
/// payload, writer count and stream lengths as the .NET workloads, in a database of its own on the same server.
/// </summary>
public sealed class EmmettAppend(string script, NpgsqlConnectionStringBuilder database)
{
    public const string Name = "Emmett append";

    /// <summary>ops/bench/emmett/append.mjs of the repository around the current folder, when its packages are installed.</summary>
    public static string? Find()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "ops", "bench", "emmett", "append.mjs");
            if (File.Exists(script) && Directory.Exists(Path.Combine(dir.FullName, "ops", "bench", "emmett", "node_modules"))) return script;
        }
        return null;
    }

    /// <param name="server">its server CPU is taken over the whole script (warm-up and set-up too) and scaled to the measured window.</param>
    public async Task<Throughput> RunAsync(int writers, int warmUpSeconds, int seconds, int eventsPerStream, ServerCpu? server = null)
    {
        var serverAtStart = server?.Now();
        var wall = Stopwatch.StartNew();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Path.GetDirectoryName(script)!, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { script, "--connection", Url(), "--writers", writers.ToString(), "--seconds", seconds.ToString(),
                                    "--warmup", warmUpSeconds.ToString(), "--events-per-stream", eventsPerStream.ToString() })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout;
        if (process.ExitCode != 0) throw new InvalidOperationException($"Emmett's append failed ({process.ExitCode}): {await stderr}{output}");
        var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        var serverCpu = server?.Now() - serverAtStart;
        var events = result.GetProperty("events").GetInt64();
        var measured = result.GetProperty("seconds").GetDouble();
        var cpu = result.GetProperty("clientCpuMicrosPerEvent") is { ValueKind: JsonValueKind.Number } c ? TimeSpan.FromMicroseconds(c.GetDouble() * events) : (TimeSpan?)null;
        return new Throughput(events, TimeSpan.FromSeconds(measured), cpu, serverCpu * (measured / wall.Elapsed.TotalSeconds));
    }

    private string Url() =>
        $"postgres://{Uri.EscapeDataString(database.Username ?? "postgres")}" +
        (database.Password is { } password ? ":" + Uri.EscapeDataString(password) : "") +
        $"@{database.Host ?? "127.0.0.1"}:{database.Port}/{Uri.EscapeDataString(database.Database ?? "postgres")}";
}
