using System.Diagnostics;

namespace FactDesk.Bench;

/// <summary>What one cell measured: operations completed in the measured window and this process's CPU spent on them.</summary>
public sealed record Throughput(long Operations, TimeSpan Elapsed, TimeSpan? ClientCpu, TimeSpan? ServerCpu = null)
{
    /// <summary>Why the cell failed (its first error), or null: a failed cell prints as failed, the rest of the table still does.</summary>
    public string? Failure { get; init; }
    /// <summary>For a workload on group commit: appends per commit over the cell (its warm-up included).</summary>
    public double? AppendsPerCommit { get; init; }
    /// <summary>A cell left out of the run (<c>--only</c>): it prints as "-".</summary>
    public static readonly Throughput Skipped = new(0, TimeSpan.Zero, null) { Failure = "not run" };
    public static Throughput Failed(Exception e) => new(0, TimeSpan.Zero, null) { Failure = OneLine($"{e.GetType().Name}: {e.Message}") };
    private static string OneLine(string text) => string.Join(' ', text.Split((char[])['\n', '\r', '$'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public double? ServerCpuMicrosecondsPerOperation => Operations == 0 ? null : ServerCpu?.TotalMicroseconds / Operations;
    public double PerSecond => Elapsed > TimeSpan.Zero ? Operations / Elapsed.TotalSeconds : 0;
    public double? ClientCpuMicrosecondsPerOperation => Operations == 0 ? null : ClientCpu?.TotalMicroseconds / Operations;
}

/// <summary>
/// Closed-loop load: each writer starts its next operation as soon as the previous one finishes.
/// Operations that complete during the warm-up (connections opening, JIT, first plans) are not counted.
/// </summary>
public static class ClosedLoop
{
    /// <param name="createWriter">Called once per writer with its index; returns that writer's operation, which keeps its own state.</param>
    public static async Task<Throughput> RunAsync(int writers, Func<int, Func<Task>> createWriter, TimeSpan warmUp, TimeSpan duration, ServerCpu? server = null)
    {
        long completed = 0;
        var stop = false;
        var loops = Enumerable.Range(0, writers).Select(index => Task.Run(async () =>
        {
            var operation = createWriter(index);
            while (!Volatile.Read(ref stop))
            {
                await operation();
                Interlocked.Increment(ref completed);
            }
        })).ToArray();

        using var process = Process.GetCurrentProcess();
        await Task.Delay(warmUp);
        process.Refresh();
        var cpuAtStart = process.TotalProcessorTime;
        var serverAtStart = server?.Now();
        var countAtStart = Interlocked.Read(ref completed);
        var clock = Stopwatch.StartNew();

        // A failing writer ends the cell at once instead of leaving the others to fill the window.
        var firstFailure = Task.WhenAny(loops);
        await Task.WhenAny(Task.Delay(duration), firstFailure);

        var countAtEnd = Interlocked.Read(ref completed);
        var elapsed = clock.Elapsed;
        process.Refresh();
        var cpuAtEnd = process.TotalProcessorTime;
        var serverAtEnd = server?.Now();
        Volatile.Write(ref stop, true);
        await Task.WhenAll(loops);

        return new Throughput(countAtEnd - countAtStart, elapsed, cpuAtEnd - cpuAtStart, serverAtEnd - serverAtStart);
    }
}
