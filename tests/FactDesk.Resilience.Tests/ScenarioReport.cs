using Xunit.Abstractions;

namespace FactDesk.Resilience.Tests;

/// <summary>
/// The figures a scenario measured: written to the test output, and appended to the file named by
/// <c>FACTDESK_CHAOS_REPORT</c> so the long runs of ops/chaos can print them.
/// </summary>
public static class ScenarioReport
{
    public static void Write(ITestOutputHelper output, string scenario, string figures)
    {
        var line = $"{scenario}: {figures}";
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("FACTDESK_CHAOS_REPORT") is { Length: > 0 } file)
            File.AppendAllText(file, line + Environment.NewLine);
    }

    /// <summary>A scenario's size: short in ops/test, longer when ops/chaos sets FACTDESK_CHAOS_*.</summary>
    public static int Setting(string name, int shortRun) =>
        int.TryParse(Environment.GetEnvironmentVariable("FACTDESK_CHAOS_" + name), out var value) && value > 0 ? value : shortRun;
}
