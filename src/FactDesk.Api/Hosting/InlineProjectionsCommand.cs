using FactDesk.TamperEvidence;
using JasperFx.CommandLine;

namespace FactDesk.Api.Hosting;

public enum InlineProjectionAction { list, rebuild }

public sealed class InlineProjectionsInput : NetCoreInput
{
    [Description("list (the default) or rebuild")]
    public InlineProjectionAction Action { get; set; } = InlineProjectionAction.list;

    [Description("Only this projection (by default every inline projection)")]
    public string? ProjectionFlag { get; set; }
}

/// <summary>
/// <c>inline-projections list|rebuild [--projection name]</c> on JasperFx's command line, beside JasperFx's own
/// <c>projections</c> (which drives Marten's daemon and so sees only the async projections). FactDesk's inline
/// projections are not Marten projections: they need each event's global position and stored hash, which Marten's
/// Quick append assigns in the database, so FactDesk's group commit applies them after chaining, in the same transaction.
/// </summary>
[Description("List or rebuild FactDesk's inline projections (written in the append's transaction); safe while the service runs",
    Name = "inline-projections")]
public sealed class InlineProjectionsCommand : JasperFxAsyncCommand<InlineProjectionsInput>
{
    public InlineProjectionsCommand()
    {
        Usage("List the inline projections").Arguments();
        Usage("List or rebuild them").Arguments(x => x.Action);
    }

    public override async Task<bool> Execute(InlineProjectionsInput input)
    {
        using var host = input.BuildHost();
        var log = host.Services.GetRequiredService<TamperEvidentLog>();
        var inline = log.Options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Inline).ToList();
        if (input.ProjectionFlag is { } named && inline.All(p => p.Name != named))
        {
            await Console.Error.WriteLineAsync($"No inline projection named '{named}'. Inline: {string.Join(", ", inline.Select(p => p.Name))}. " +
                "Async projections are rebuilt with `projections rebuild --projection <name>`.");
            return false;
        }
        var targets = inline.Where(p => input.ProjectionFlag is null || p.Name == input.ProjectionFlag).ToList();
        if (input.Action == InlineProjectionAction.list)
        {
            foreach (var p in targets) Console.WriteLine($"{p.Name,-24} tables {string.Join(", ", p.Tables)}");
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
