using FactDesk.TamperEvidence;
using Wolverine;
using Wolverine.ErrorHandling;

namespace FactDesk.Api.Http;

/// <summary>
/// One command on one stream, sent through Wolverine: load the stream, decide, append at the version read. An attempt
/// that lost its race throws <see cref="WrongExpectedVersionException"/>, and Wolverine's error policy (configured in
/// <see cref="CommandBus"/>) runs it again after a short jittered cooldown, on the new state.
/// </summary>
/// <param name="Attempt">one attempt; its argument counts from 0 (a create that lost its race decides once more to name the winner).</param>
public sealed record StreamDecision(Func<int, CancellationToken, Task<CommandAnswer>> Attempt, CancellationToken RequestAborted);

public static class StreamDecisionHandler
{
    public static Task<CommandAnswer> Handle(StreamDecision decision, Envelope envelope) =>
        decision.Attempt(Math.Max(0, envelope.Attempts - 1), decision.RequestAborted);
}

/// <summary>Wolverine as FactDesk's in-process command bus: the handlers it knows and how it retries a lost race.</summary>
public static class CommandBus
{
    /// <summary>
    /// How often a command that lost a race is decided again on the new state (<c>Commands:MaxOptimisticRetries</c>,
    /// default 24, at most 24: Wolverine allows 25 attempts of one message).
    /// </summary>
    public static int MaxOptimisticRetries(IConfiguration configuration) => Math.Clamp(configuration.GetValue("Commands:MaxOptimisticRetries", 24), 0, 24);

    public static void Configure(WolverineOptions options, IConfiguration configuration)
    {
        // Commands run in-process and need no transport. Wolverine's durability (message storage in PostgreSQL, its
        // durability agent) is there for webhook deliveries: see Webhooks/WebhookSending.
        options.Discovery.DisableConventionalDiscovery().IncludeType(typeof(StreamDecisionHandler));
        // Writers racing on one stream would collide again in the next group commit: spread them out, growing to a cap.
        var retries = MaxOptimisticRetries(configuration);
        if (retries > 0)
            options.Policies.OnException<WrongExpectedVersionException>()
                .RetryWithCooldown(Enumerable.Range(0, retries).Select(i => TimeSpan.FromMilliseconds(2 + Math.Min(i, 10) * 2)).ToArray())
                .WithFullJitter();
        options.CodeGeneration.TypeLoadMode = JasperFx.CodeGeneration.TypeLoadMode.Static;
        options.CodeGeneration.ApplicationAssembly = typeof(CommandBus).Assembly;
    }
}
