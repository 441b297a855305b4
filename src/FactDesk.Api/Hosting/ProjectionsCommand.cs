using FactDesk.EventStore;

namespace FactDesk.Api.Hosting;

/// <summary><c>projections rebuild [name]</c> and <c>projections list</c>: run against the configured database, then exit.</summary>
public static class ProjectionsCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Where(a => a.StartsWith("--")).ToArray())
            .Build();
        var services = new ServiceCollection().AddLogging().AddFactDeskStore(configuration).BuildServiceProvider();
        var store = services.GetRequiredService<PostgresEventStore>();
        var runner = services.GetRequiredService<ProjectionRunner>();
        await store.MigrateAsync();
        var words = args.Where(a => !a.StartsWith("--")).ToArray();
        switch (words)
        {
            case ["list"]:
                foreach (var p in store.Options.Projections)
                    Console.WriteLine($"{p.Name,-24} {p.Lifecycle,-7} checkpoint {await runner.GetCheckpointAsync(p.Name)}");
                return 0;
            case ["rebuild", .. var names]:
                var targets = names.Length > 0 ? names : store.Options.Projections.Select(p => p.Name).ToArray();
                foreach (var name in targets)
                {
                    Console.WriteLine($"Rebuilding {name} ...");
                    await runner.RebuildAsync(name, new Progress<ProjectionProgress>(p => Console.WriteLine(
                        $"  {p.Projection}: {p.EventsDone:N0}/{p.EventsTotal:N0} events, {p.EventsPerSecond:N0}/s, " +
                        $"{(p.Remaining is { } left ? $"about {left.TotalSeconds:N0} s left" : "")} ({p.Elapsed.TotalSeconds:N1} s)")));
                }
                return 0;
            default:
                Console.Error.WriteLine("usage: projections list | projections rebuild [name ...]");
                return 2;
        }
    }
}
