using FactDesk.TamperEvidence;
using JasperFx.CommandLine;

namespace FactDesk.Api.Hosting;

public enum ReplayProjectionAction { list, rebuild }

public sealed class ReplayProjectionsInput : NetCoreInput
{
    [Description("list (the default) or rebuild")]
    public ReplayProjectionAction Action { get; set; } = ReplayProjectionAction.list;

    [Description("Only this projection, inline or async (by default every inline projection)")]
    public string? ProjectionFlag { get; set; }
}

/// <summary>
/// <c>replay-projections list|rebuild [--projection name]</c> on JasperFx's command line, beside JasperFx's own
/// <c>projections</c> (which drives Marten's daemon and so sees only the async projections). It rebuilds any of
/// FactDesk's projections by replaying the log into it in one transaction (<see cref="ProjectionControl.RebuildAsync"/>).
/// FactDesk's inline projections are not Marten projections: they need each event's global position and stored hash,
/// which Marten's Quick append assigns in the database, so FactDesk's group commit applies them after chaining, in the
/// same transaction; JasperFx's command cannot rebuild them. An async one is replayed up to the daemon's high-water
/// mark, with its progress moved in the same transaction, without Marten's daemon loading every event first.
/// </summary>
[Description("List or rebuild FactDesk's projections by replaying the log in one transaction; safe while the service runs for inline ones",
    Name = "replay-projections")]
public sealed class ReplayProjectionsCommand : JasperFxAsyncCommand<ReplayProjectionsInput>
{
    public ReplayProjectionsCommand()
    {
        Usage("List the projections").Arguments();
        Usage("List or rebuild them").Arguments(x => x.Action);
    }

    public override async Task<bool> Execute(ReplayProjectionsInput input)
    {
        using var host = input.BuildHost();
        var log = host.Services.GetRequiredService<TamperEvidentLog>();
        var all = log.Options.Projections;
        if (input.ProjectionFlag is { } named && all.All(p => p.Name != named))
        {
            await Console.Error.WriteLineAsync($"No projection named '{named}'. Known: {string.Join(", ", all.Select(p => p.Name))}.");
            return false;
        }
        var targets = all.Where(p => input.ProjectionFlag is null ? p.Lifecycle == ProjectionLifecycle.Inline : p.Name == input.ProjectionFlag).ToList();
        if (input.Action == ReplayProjectionAction.list)
        {
            foreach (var p in input.ProjectionFlag is null ? all : targets)
                Console.WriteLine($"{p.Name,-24} {p.Lifecycle.ToString().ToLowerInvariant(),-7} tables {string.Join(", ", p.Tables)}");
            return true;
        }
        await log.MigrateAsync();
        var control = new ProjectionControl(log);
        foreach (var projection in targets)
        {
            Console.WriteLine($"Rebuilding {projection.Name} ...");
            await control.RebuildAsync(projection.Name, new Progress<ProjectionProgress>(p => Console.WriteLine(
                $"  {p.Projection}: {p.EventsDone:N0}/{p.EventsTotal:N0} events, {p.EventsPerSecond:N0}/s, " +
                $"{(p.Remaining is { } left ? $"about {left.TotalSeconds:N0} s left " : "")}({p.Elapsed.TotalSeconds:N1} s)")));
        }
        return true;
    }
}

/// <summary><c>projection-dead-letters</c>: events an async projection could not apply and set aside, newest first.</summary>
[Description("List the events async projections set aside as dead letters", Name = "projection-dead-letters")]
public sealed class ProjectionDeadLettersCommand : JasperFxAsyncCommand<NetCoreInput>
{
    public override async Task<bool> Execute(NetCoreInput input)
    {
        using var host = input.BuildHost();
        var log = host.Services.GetRequiredService<TamperEvidentLog>();
        await log.MigrateAsync();
        var letters = await log.ReadDeadLettersAsync();
        foreach (var letter in letters)
            Console.WriteLine($"{letter.RecordedAt:u} {letter.Projection,-24} position {letter.Position} {letter.EventType}: {letter.Error}");
        Console.WriteLine($"{letters.Count} dead letter(s).");
        return true;
    }
}
