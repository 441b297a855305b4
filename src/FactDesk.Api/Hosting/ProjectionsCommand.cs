using FactDesk.TamperEvidence;

namespace FactDesk.Api.Hosting;

/// <summary><c>projections rebuild [name]</c> and <c>projections list</c>: run against the configured database, then exit.</summary>
public static class ProjectionsCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (switches, words) = SplitArguments(args);
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(switches)
            .Build();
        await using var services = new ServiceCollection().AddLogging().AddFactDeskStore(configuration).BuildServiceProvider();
        var store = services.GetRequiredService<TamperEvidentLog>();
        var control = new ProjectionControl(store);
        await store.MigrateAsync();
        switch (words)
        {
            case ["list"]:
                foreach (var p in store.Options.Projections)
                    Console.WriteLine($"{p.Name,-24} {p.Lifecycle,-7} checkpoint {(p.Lifecycle == ProjectionLifecycle.Async ? (await control.GetCheckpointAsync(p.Name)).ToString() : "(inline)")}");
                return 0;
            case ["dead-letters"]:
                var letters = await store.ReadDeadLettersAsync();
                foreach (var letter in letters)
                    Console.WriteLine($"{letter.RecordedAt:u} {letter.Projection,-24} position {letter.Position} {letter.EventType}: {letter.Error}");
                Console.WriteLine($"{letters.Count} dead letter(s).");
                return 0;
            case ["rebuild", .. var names]:
                // The ledger is evidence, not a view: rebuilding it would re-chain edited events, so only a named rebuild touches it.
                var targets = names.Length > 0 ? names
                    : store.Options.Projections.Select(p => p.Name).Where(n => n != LedgerProjection.ProjectionName).ToArray();
                if (targets.FirstOrDefault(n => store.Options.Projections.All(p => p.Name != n)) is { } unknown)
                {
                    Console.Error.WriteLine($"No projection named '{unknown}'. Known: {string.Join(", ", store.Options.Projections.Select(p => p.Name))}.");
                    return 2;
                }
                foreach (var name in targets)
                {
                    Console.WriteLine($"Rebuilding {name} ...");
                    await control.RebuildAsync(name, new Progress<ProjectionProgress>(p => Console.WriteLine(
                        $"  {p.Projection}: {p.EventsDone:N0}/{p.EventsTotal:N0} events, {p.EventsPerSecond:N0}/s, " +
                        $"{(p.Remaining is { } left ? $"about {left.TotalSeconds:N0} s left" : "")} ({p.Elapsed.TotalSeconds:N1} s)")));
                }
                return 0;
            default:
                Console.Error.WriteLine("usage: projections list | projections rebuild [name ...] | projections dead-letters");
                return 2;
        }
    }

    /// <summary>
    /// Separates configuration switches from the command's words. Both <c>--Key=value</c> and <c>--Key value</c> are
    /// switches, so a connection string given as the next argument is not mistaken for a projection name.
    /// </summary>
    public static (string[] Switches, string[] Words) SplitArguments(string[] args)
    {
        var switches = new List<string>();
        var words = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) words.Add(args[i]);
            else if (args[i].Contains('=') || i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal)) switches.Add(args[i]);
            else { switches.Add(args[i]); switches.Add(args[++i]); }
        }
        return (switches.ToArray(), words.ToArray());
    }
}
