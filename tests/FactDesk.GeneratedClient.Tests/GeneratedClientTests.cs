using System.Diagnostics;
using System.Text;
using FactDesk.Testing;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.GeneratedClient.Tests;

/// <summary>
/// A tool built only from the OpenAPI document works: Kiota (pinned in .config/dotnet-tools.json) generates a typed C#
/// client from the running service's /openapi/v1.json, the walk-through in Walkthrough/ is compiled against it, and
/// run against the same service.
/// </summary>
public class GeneratedClientTests(RunningFactDesk service, ITestOutputHelper output) : IClassFixture<RunningFactDesk>
{
    [Fact]
    public async Task A_client_generated_from_the_served_document_walks_the_readme_through_the_desk()
    {
        var work = Directory.CreateTempSubdirectory("factdesk-generated-client-");
        try
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            var document = Path.Combine(work.FullName, "openapi.json");
            await File.WriteAllTextAsync(document, await http.GetStringAsync("/openapi/v1.json"));
            foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Walkthrough")))
                File.Copy(file, Path.Combine(work.FullName, Path.GetFileName(file)));

            var root = RepositorySeeds.RepositoryRoot;
            (await RunAsync(root, TimeSpan.FromMinutes(3), "dotnet", "tool", "restore")).ShouldBe(0, "dotnet tool restore failed");
            (await RunAsync(root, TimeSpan.FromMinutes(3), "dotnet", "kiota", "generate", "--language", "CSharp", "--openapi", document,
                "--output", Path.Combine(work.FullName, "Client"), "--namespace-name", "FactDesk.Client", "--class-name", "FactDeskClient",
                "--exclude-backward-compatible", "--log-level", "Warning")).ShouldBe(0, "kiota generate failed");
            (await RunAsync(work.FullName, TimeSpan.FromMinutes(8), "dotnet", "build", "Walkthrough.csproj", "-c", "Release", "-o", "out", "--nologo", "-v", "q"))
                .ShouldBe(0, "the walk-through did not compile against the generated client");

            var environment = new Dictionary<string, string> { ["FACTDESK_URL"] = service.BaseAddress.ToString().TrimEnd('/') };
            foreach (var person in RunningFactDesk.People) environment[$"FACTDESK_TOKEN_{person.Key}"] = person.Token;
            var walk = new StringBuilder();
            (await RunAsync(work.FullName, TimeSpan.FromMinutes(3), "dotnet", ["out/Walkthrough.dll"], environment, walk)).ShouldBe(0, walk.ToString());
            walk.ToString().ShouldContain("WALKTHROUGH PASSED");
            work.Delete(recursive: true);
        }
        catch
        {
            output.WriteLine($"Kept for a look: {work.FullName}");
            throw;
        }
    }

    private Task<int> RunAsync(string directory, TimeSpan timeout, string program, params string[] arguments) =>
        RunAsync(directory, timeout, program, arguments, new Dictionary<string, string>(), new StringBuilder());

    /// <summary>Runs a program to its end, its output in the test's log; killed after <paramref name="timeout"/>.</summary>
    private async Task<int> RunAsync(string directory, TimeSpan timeout, string program, string[] arguments, Dictionary<string, string> environment, StringBuilder captured)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // The test host inherits the MSBuild settings of the outer `dotnet test`; a nested build must find its own.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        // Kiota runs offline: no update check, no telemetry.
        start.Environment["KIOTA_OFFLINE_ENABLED"] = "true";
        start.Environment["KIOTA_UPDATE_DISABLED"] = "true";
        start.Environment["KIOTA_CLI_TELEMETRY_OPTOUT"] = "true";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment) start.Environment[name] = value;

        using var process = new Process { StartInfo = start };
        void Collect(string? line)
        {
            if (line is null) return;
            lock (captured) captured.AppendLine(line);
            output.WriteLine(line);
        }
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        output.WriteLine($"$ {program} {string.Join(' ', arguments)}");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }
        return process.ExitCode;
    }
}
