using System.Diagnostics;
using System.Diagnostics.Metrics;
using FactDesk.TamperEvidence;

namespace FactDesk.Api.Telemetry;

/// <summary>
/// FactDesk's own instruments, in one <see cref="Meter"/> named <c>FactDesk</c>: commands by type and outcome with their
/// latency, appended events, group commits (the appends they carried, their time and size), projection lag, webhook deliveries and dead
/// letters, sign-in failures. Created through <see cref="IMeterFactory"/>, so a host's instruments go away with it
/// (several test hosts share one process).
/// </summary>
public sealed class FactDeskMetrics
{
    public const string MeterName = "FactDesk";

    private readonly Counter<long> _commands;
    private readonly Histogram<double> _commandDuration;
    private readonly Counter<long> _eventsAppended;
    private readonly Counter<long> _webhookDeliveries;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _signInFailures;
    private readonly Counter<long> _outboxPruned;

    public FactDeskMetrics(IMeterFactory meters, ProjectionLag lag, TamperEvidentLog store)
    {
        var meter = meters.Create(MeterName);
        _commands = meter.CreateCounter<long>("factdesk.commands", "{command}", "Commands answered, by command type and outcome.");
        _commandDuration = meter.CreateHistogram<double>("factdesk.command.duration", "s", "Time to answer a command, by command type and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _eventsAppended = meter.CreateCounter<long>("factdesk.events.appended", "{event}", "Events appended to the log by this instance, by stream type.");
        _webhookDeliveries = meter.CreateCounter<long>("factdesk.webhook.deliveries", "{delivery}", "Webhook delivery attempts, by outcome (delivered, failed, dead).");
        _deadLetters = meter.CreateCounter<long>("factdesk.webhook.dead_letters", "{delivery}", "Webhook deliveries given up after their last attempt.");
        _signInFailures = meter.CreateCounter<long>("factdesk.signin.failures", "{failure}", "Refused credentials, by scheme (token, page, jwt, ...).");
        _outboxPruned = meter.CreateCounter<long>("factdesk.webhook.outbox.pruned", "{delivery}", "Delivered outbox rows pruned after their retention.");
        // Where an append's time goes: a long commit is PostgreSQL (locks, WAL), a short one with slow commands is queueing.
        // The size histogram's count and sum are the commits and the appends they carried: their ratio is how much group
        // commit batches (about 1 when idle, more under concurrent load).
        var commitDuration = meter.CreateHistogram<double>("factdesk.group_commit.duration", "s",
            "Time of each group commit's transaction, from taking its connection to COMMIT's answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        var commitSize = meter.CreateHistogram<int>("factdesk.group_commit.size", "{append}", "Appends each group commit carried (its count: the commits; its sum: the appends).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
        store.GroupCommitted += committed =>
        {
            commitDuration.Record(committed.Duration.TotalSeconds);
            commitSize.Record(committed.Appends);
        };
        meter.CreateObservableGauge("factdesk.projection.lag.events", () => lag.Read().Select(l =>
            new Measurement<long>(l.Events, new KeyValuePair<string, object?>("projection", l.Projection))),
            "{event}", "Events in the log that an async projection has not processed yet.");
        meter.CreateObservableGauge("factdesk.projection.lag.seconds", () => lag.Read().Select(l =>
            new Measurement<double>(l.Seconds, new KeyValuePair<string, object?>("projection", l.Projection))),
            "s", "Age of the oldest event an async projection has not processed yet (0 when caught up).");
    }

    /// <summary>One command answered: its type (the route's name, e.g. <c>FlagClaim</c>), how it ended, how long it took.</summary>
    public void CommandAnswered(string command, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "command", command }, { "outcome", outcome } };
        _commands.Add(1, tags);
        _commandDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void EventsAppended(string streamType, int count) =>
        _eventsAppended.Add(count, new KeyValuePair<string, object?>("stream.type", streamType));

    /// <summary>One delivery attempt ended: <c>delivered</c>, <c>failed</c> (retried later) or <c>dead</c> (given up).</summary>
    public void WebhookAttempted(string outcome)
    {
        _webhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (outcome == "dead") _deadLetters.Add(1);
    }

    /// <summary>
    /// A credential was refused. <paramref name="scheme"/> names how it came (<c>token</c>: a static bearer token,
    /// <c>page</c>: the sign-in page, <c>jwt</c>: an identity provider's token); <paramref name="reason"/> is a short,
    /// fixed word (never the credential), such as <c>unknown</c>, <c>expired</c>, <c>wrong-audience</c>.
    /// </summary>
    public void SignInFailed(string scheme, string reason) =>
        _signInFailures.Add(1, new KeyValuePair<string, object?>("scheme", scheme), new KeyValuePair<string, object?>("reason", reason));

    public void OutboxPruned(int rows) => _outboxPruned.Add(rows);

    /// <summary>The outcome tag of a command from its answer's status.</summary>
    public static string Outcome(int status, bool replayed) => status switch
    {
        >= 200 and <= 299 => replayed ? "replayed" : "ok",
        400 or 413 or 415 or 422 => "invalid",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        409 or 412 => "conflict",
        429 => "throttled",
        503 => "unavailable",
        >= 500 => "error",
        _ => "refused",
    };
}
