using System.Diagnostics;
using Shouldly;

namespace FactDesk.Resilience.Tests;

/// <summary>
/// Wolverine loads its handler code pre-generated (TypeLoadMode.Static) from src/FactDesk.Api/Internal/Generated.
/// A handler changed without running <c>codegen write</c> would start with stale code; this catches it.
/// </summary>
public sealed class GeneratedCodeTests
{
    [Fact]
    public async Task The_checked_in_Wolverine_code_is_what_codegen_write_produces_from_the_built_service()
    {
        var dll = ServiceBinary.Locate();
        var checkedIn = Path.Combine(RepositoryRoot(dll), "src", "FactDesk.Api", "Internal", "Generated");
        var output = Directory.CreateTempSubdirectory("factdesk-codegen-");
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { dll, "codegen", "write", "--contentroot", output.FullName }) start.ArgumentList.Add(arg);
            // Code generation reads no data: an unreachable database is fine, a missing setting is not.
            start.Environment["ConnectionStrings__FactDesk"] = "Host=127.0.0.1;Port=1;Username=none;Database=none";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            process.ExitCode.ShouldBe(0, await stdout + await stderr);

            var generated = Path.Combine(output.FullName, "Internal", "Generated");
            var fresh = Files(generated);
            fresh.Keys.ShouldNotBeEmpty();
            Files(checkedIn).Keys.OrderBy(k => k).ShouldBe(fresh.Keys.OrderBy(k => k), "run `dotnet run --project src/FactDesk.Api -- codegen write`");
            foreach (var (name, text) in fresh)
                File.ReadAllText(Path.Combine(checkedIn, name)).ReplaceLineEndings().ShouldBe(text.ReplaceLineEndings(), $"{name} is stale: run codegen write");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static Dictionary<string, string> Files(string folder) =>
        Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllText);

    private static string RepositoryRoot(string from)
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(from)!); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FactDesk.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("FactDesk.sln not found above " + from);
    }
}
