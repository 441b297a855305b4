using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace FactDesk.Bench;

/// <summary>
/// The same INSERT driven by pgbench (C, libpq, prepared statements): how fast the server takes these rows when the
/// client costs next to nothing, so the limit for any .NET client on this machine.
/// </summary>
public sealed partial class PgbenchInsert(string pgbench, NpgsqlConnectionStringBuilder connection)
{
    public const string Name = "pgbench INSERT";

    /// <summary>The pgbench of the installed server: PATH first, then Debian's newest /usr/lib/postgresql/N/bin.</summary>
    public static string? Find()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).Select(d => Path.Combine(d, "bin"))
                : []);
        return candidates.Select(dir => Path.Combine(dir, "pgbench")).FirstOrDefault(File.Exists);
    }

    public async Task<Throughput> RunAsync(int writers, int warmUpSeconds, int seconds, ServerCpu? server = null)
    {
        var script = Path.Combine(Path.GetTempPath(), $"factdesk-bench-insert-{Environment.ProcessId}.sql");
        await File.WriteAllTextAsync(script, InsertScript());
        try
        {
            // pgbench has no warm-up of its own: a short run first opens the server's caches and the WAL files.
            await RunPgbenchAsync(script, writers, warmUpSeconds);
            var serverAtStart = server?.Now();
            var (transactions, tps) = await RunPgbenchAsync(script, writers, seconds);
            return new Throughput(transactions, TimeSpan.FromSeconds(transactions / tps), ClientCpu: null, server?.Now() - serverAtStart);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>One INSERT per transaction of a row like the .NET workloads write, with ids and time made by the server.</summary>
    private static string InsertScript()
    {
        static string Literal(string text) => "'" + text.Replace("'", "''") + "'";
        // pgbench reads ":name" as a variable, "confidence":73 included; a space after each key's colon keeps the JSON (jsonb drops it).
        static string Json(object value) => JsonSerializer.Serialize(value, AppendPayload.Json).Replace("\":", "\": ");
        var data = Json(AppendPayload.NextEvent());
        var metadata = Json(AppendPayload.NextMetadata(0));
        var hash = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return $"insert into {RawInsertWorkload.Table} (stream_id, version, event_id, type, data, metadata, recorded_at, hash) " +
               $"values (gen_random_uuid(), :client_id + 1, gen_random_uuid(), {Literal(AppendPayload.EventType)}, {Literal(data)}::jsonb, " +
               $"{Literal(metadata)}::jsonb, clock_timestamp(), '\\x{hash}'::bytea);\n";
    }

    private async Task<(long Transactions, double Tps)> RunPgbenchAsync(string script, int writers, int seconds)
    {
        var start = new ProcessStartInfo(pgbench) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] args =
        [
            "--no-vacuum", "--protocol=prepared", "--file", script,
            "--client", writers.ToString(), "--jobs", Math.Min(writers, Environment.ProcessorCount).ToString(), "--time", seconds.ToString(),
            "--host", connection.Host ?? "127.0.0.1", "--port", connection.Port.ToString(),
            "--username", connection.Username ?? "postgres", connection.Database ?? "postgres",
        ];
        foreach (var arg in args) start.ArgumentList.Add(arg);
        if (connection.Password is { } password) start.Environment["PGPASSWORD"] = password;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout;
        if (process.ExitCode != 0) throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {await stderr}{output}");

        var tps = TpsLine().Match(output);
        var processed = ProcessedLine().Match(output);
        if (!tps.Success || !processed.Success) throw new InvalidOperationException($"pgbench printed no tps:\n{output}");
        return (long.Parse(processed.Groups[1].Value), double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex ProcessedLine();
}
