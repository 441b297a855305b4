using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Http;

/// <summary>What a decide function returns: the events to append, or the rule the command breaks.</summary>
public readonly record struct Decision(IReadOnlyList<object> Events, RuleViolation? Violation)
{
    public static implicit operator Decision(object[] events) => new(events, null);
    public static implicit operator Decision(List<object> events) => new(events, null);
    public static implicit operator Decision(RuleViolation violation) => new([], violation);
    public static Decision Nothing => new([], null);
}

/// <summary>Everything about the request that a command may use: who, when, and the ids that make retries safe.</summary>
public sealed class CommandContext(Actor actor, DateTimeOffset now, string correlationId, string? idempotencyKey, long? ifMatch, HttpContext http)
{
    public Actor Actor { get; } = actor;
    public DateTimeOffset Now { get; } = now;
    public string CorrelationId { get; } = correlationId;
    public string? IdempotencyKey { get; } = idempotencyKey;
    /// <summary>The version named by <c>If-Match</c>, when sent.</summary>
    public long? IfMatch { get; } = ifMatch;
    public HttpContext Http { get; } = http;

    /// <summary>The command's own id, recorded as the causation id of its events.</summary>
    public Guid CommandId { get; } = idempotencyKey is null ? Guid.NewGuid() : DerivedId(actor.Name, idempotencyKey, "command");

    /// <summary>A new id; with an idempotency key the same on every retry, so a retried create names the same stream.</summary>
    public Guid NewId(string purpose) => IdempotencyKey is null ? Guid.CreateVersion7(Now) : DerivedId(Actor.Name, IdempotencyKey, purpose);

    public EventMetadata Metadata => new(Actor.Name, Actor.Role, CorrelationId, CommandId.ToString(), IdempotencyKey);

    private static Guid DerivedId(string principal, string key, string purpose) => NameBasedId.From($"{principal}\n{key}\n{purpose}");
}

/// <summary>The answer to a successful command: status, body, and the stream it touched.</summary>
public sealed record CommandAnswer(int Status, object Body, long Version, string? Location = null);

/// <summary>
/// Runs a command request the same way on every route: correlation id, size limit, idempotency replay, JSON parsing
/// and validation, load-decide-append with the expected version (If-Match or optimistic retry), and problem answers.
/// </summary>
public sealed class CommandPipeline(
    TamperEvidentLog store, IdempotencyStore idempotency, TimeProvider clock, ILogger<CommandPipeline> log)
{

    public TamperEvidentLog Store => store;

    /// <summary>Handles a command route whose body is <typeparamref name="TBody"/>.</summary>
    public async Task<IResult> Run<TBody>(HttpContext http, Func<TBody, CommandContext, Task<CommandAnswer>> handle)
        where TBody : class, IValidatable
    {
        var ct = http.RequestAborted;
        try
        {
            var actor = http.User.Actor();
            var key = (string?)http.Request.Headers["Idempotency-Key"];
            if (key is not null && !IdempotencyStore.IsValidKey(key))
                return Problems.Result(Problems.Validation("Idempotency-Key", "Idempotency-Key must be 1-255 printable ASCII characters."));
            var ifMatch = ParseIfMatch(http.Request);
            var body = await RequestBody.ReadAsync(http.Request, ct);
            var requestHash = IdempotencyStore.HashRequest(http.Request.Method, http.Request.Path, body);

            if (key is not null && await idempotency.FindAsync(actor.Name, key, ct) is { } stored)
                return Replay(stored, requestHash);

            var request = RequestBody.Parse<TBody>(body, http.Request);
            var check = new Validation();
            request.Validate(check);
            if (!check.IsValid) return Problems.Result(Problems.Validation(check.Errors));

            var context = new CommandContext(actor, clock.GetUtcNow(), http.CorrelationId(), key, ifMatch, http);
            http.Items[typeof(PendingIdempotency)] = key is null ? null : new PendingIdempotency(actor.Name, key, requestHash);
            var answer = await handle(request, context);

            // A retry that raced the first copy: the first copy's stored answer is the answer.
            if (key is not null && http.Items[typeof(AppendResult)] is AppendResult { WasRetry: true }
                && await idempotency.FindAsync(actor.Name, key, ct) is { } first)
                return Replay(first, requestHash);
            if (key is not null && http.Items[typeof(AppendResult)] is null
                && !await idempotency.SaveAsync(null, actor.Name, key, ToStored(answer, requestHash), ct)
                && await idempotency.FindAsync(actor.Name, key, ct) is { } winner)
                return Replay(winner, requestHash);
            return Answer(answer);
        }
        catch (Exception e) when (e is ProblemException or IdempotencyKeyTakenException or DuplicateEventIdException)
        {
            var problem = e switch
            {
                ProblemException refused => refused.Problem,
                IdempotencyKeyTakenException => Problems.Make(409, "idempotency-key-in-use", "A request with this Idempotency-Key is in progress.", "Retry shortly."),
                _ => Problems.Make(409, "concurrent-write", "Another request wrote these events first.", "Reload and retry."),
            };
            if (!(http.Items.TryGetValue(typeof(PendingIdempotency), out var p) && p is PendingIdempotency pending))
                return Problems.Result(problem);
            // A concurrent copy of this request may have won while this one was deciding: then answer what it answered.
            if (await idempotency.FindAsync(pending.Principal, pending.Key, CancellationToken.None) is { } stored)
                return Replay(stored, pending.RequestHash);
            // A refusal by the current state is the first answer too: a retry with the key gets it again, as the contract says.
            if (problem.Status is 404 or 409 or 412 or 422 && e is ProblemException && !Problems.IsRetryable(problem))
            {
                problem.Extensions["traceId"] = http.TraceIdentifier;
                var refusal = new StoredResponse(pending.RequestHash, problem.Status.Value,
                    JsonSerializer.Serialize(problem, problem.GetType(), JsonDefaults.Options), null, null);
                if (!await idempotency.SaveAsync(null, pending.Principal, pending.Key, refusal, CancellationToken.None)
                    && await idempotency.FindAsync(pending.Principal, pending.Key, CancellationToken.None) is { } winner)
                    return Replay(winner, pending.RequestHash);
            }
            return Problems.Result(problem);
        }
        catch (Exception e) when (IsDatabaseUnavailable(e))
        {
            log.LogWarning("Database unavailable while handling {Path}: {Message}", http.Request.Path, e.Message);
            return Problems.Result(Problems.Unavailable());
        }
    }

    /// <summary>
    /// Runs a command for a page form: the principal comes from the page session, the expected version from the form's
    /// hidden <c>version</c> field (so a form opened on an older state is refused, never applied over someone's change),
    /// no idempotency key. Refusals come back as messages to show beside the fields instead of problem+json.
    /// </summary>
    public async Task<FormOutcome> RunForm<TBody>(
        HttpContext http, TBody body, string? version, Func<TBody, CommandContext, Task<CommandAnswer>> handle, string what = "claim")
        where TBody : class, IValidatable
    {
        var check = new Validation();
        body.Validate(check);
        long? expected = null;
        if (version is not null)
        {
            if (long.TryParse(version, out var v) && v >= 0) expected = v;
            else check.Add("version", "The form is damaged: reload the page.");
        }
        if (!check.IsValid) return FormOutcome.Refused(400, "Correct the fields marked below.", check.Errors);
        try
        {
            var context = new CommandContext(http.User.Actor(), clock.GetUtcNow(), http.CorrelationId(), null, expected, http);
            return FormOutcome.Done(await handle(body, context));
        }
        catch (ProblemException e)
        {
            var problem = e.Problem;
            var message = problem.Status == 412 ? FormOutcome.Stale(what) : problem.Detail ?? problem.Title ?? "The command was refused.";
            var errors = problem is Microsoft.AspNetCore.Mvc.ValidationProblemDetails v ? v.Errors : new Dictionary<string, string[]>();
            return FormOutcome.Refused(problem.Status ?? 400, message, errors);
        }
        catch (Exception e) when (IsDatabaseUnavailable(e))
        {
            log.LogWarning("Database unavailable while handling form {Path}: {Message}", http.Request.Path, e.Message);
            return FormOutcome.Refused(503, Problems.Unavailable().Detail!, new Dictionary<string, string[]>());
        }
    }

    /// <summary>
    /// Loads a stream, decides, and appends with the expected version, through Wolverine. Without If-Match a lost race
    /// is retried on the new state by Wolverine's error policy; with If-Match it is a 412. <paramref name="creates"/>
    /// means the stream must not exist yet.
    /// </summary>
    public async Task<CommandAnswer> Decide<TState>(
        CommandContext context, string streamType, Guid streamId, bool creates,
        Func<TState?, Decision> decide, Func<long, CommandAnswer> answer, string notFoundName) where TState : class
    {
        // Wolverine starts once the database has answered (MessagingStart): until then nothing can be written anyway.
        if (!context.Http.RequestServices.GetRequiredService<Hosting.MessagingState>().IsStarted)
            throw Problems.Fail(Problems.Unavailable());
        try
        {
            // The retries (each a bounded cooldown) fit easily; the timeout only guards against a stuck database.
            var bus = context.Http.RequestServices.GetRequiredService<Wolverine.IMessageBus>();
            return await bus.InvokeAsync<CommandAnswer>(
                new StreamDecision((attempt, ct) => AttemptAsync(context, streamType, streamId, creates, decide, answer, notFoundName, attempt, ct),
                    context.Http.RequestAborted),
                context.Http.RequestAborted, TimeSpan.FromSeconds(60));
        }
        catch (WrongExpectedVersionException)
        {
            // Wolverine's retries are spent: every attempt lost its race on a hot stream.
            throw Problems.Fail(Problems.TooMuchContention());
        }
    }

    /// <summary>One attempt: read, decide, append at the version read. A lost race throws <see cref="WrongExpectedVersionException"/>.</summary>
    private async Task<CommandAnswer> AttemptAsync<TState>(
        CommandContext context, string streamType, Guid streamId, bool creates,
        Func<TState?, Decision> decide, Func<long, CommandAnswer> answer, string notFoundName, int attempt, CancellationToken ct) where TState : class
    {
        // A create's first attempt needs no read: its id is new unless this is a retry, and then the append at "no
        // stream" is refused and the next attempt decides on what was stored.
        var (state, version) = creates && attempt == 0 ? (null, 0) : await LoadStateAsync<TState>(streamId, creates, ct);
        if (!creates && state is null) throw Problems.Fail(Problems.NotFound(notFoundName, streamId.ToString()));
        if (context.IfMatch is { } expected && expected != version && !creates)
            throw Problems.Fail(Problems.PreconditionFailed(expected, version));

        var decision = decide(state);
        if (decision.Violation is { } violation) throw Problems.Fail(Problems.Rule(violation));
        if (decision.Events.Count == 0) return answer(version);

        var toAppend = decision.Events.Select((e, i) => new EventToAppend(context.NewId($"{streamId}/{version + i + 1}"), e)).ToArray();
        var pending = context.Http.Items.TryGetValue(typeof(PendingIdempotency), out var p) ? p as PendingIdempotency : null;
        using var span = Telemetry.FactDeskTracing.Source.StartActivity("factdesk append");
        span?.SetTag("factdesk.stream.id", streamId.ToString());
        span?.SetTag("factdesk.stream.type", streamType);
        span?.SetTag("factdesk.events", toAppend.Length);
        try
        {
            CommandAnswer? result = null;
            var appended = await store.AppendAsync(streamId, streamType,
                creates ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(version), toAppend,
                context.Metadata with { TraceParent = Telemetry.FactDeskTracing.CurrentTraceParent() }, ct,
                alsoInBatch: pending is null ? null : appendResult =>
                {
                    result = answer(appendResult.NextVersion);
                    return idempotency.SaveInBatch(pending.Principal, pending.Key, ToStored(result, pending.RequestHash));
                });
            context.Http.Items[typeof(AppendResult)] = appended;
            span?.SetTag("factdesk.position", appended.Events[^1].Position);
            return result ?? answer(appended.NextVersion);
        }
        catch (WrongExpectedVersionException e)
        {
            // Someone created the stream first: decide once more on what they wrote (Wolverine retries), so the refusal names it.
            if (creates && attempt == 0) throw;
            if (creates) throw Problems.Fail(Problems.Rule(new RuleViolation("already-exists", $"A {notFoundName} with id {streamId} already exists.")));
            if (context.IfMatch is not null) throw Problems.Fail(Problems.PreconditionFailed(context.IfMatch.Value, e.ActualVersion));
            throw;
        }
    }

    /// <summary>
    /// The state a command decides on: the stream's inline snapshot, one document (streams written before snapshots were
    /// kept get theirs at start-up). A stream whose snapshot is missing is folded from its events, and the fold stored
    /// as its snapshot, since Marten folds the append's events onto it. A create reads no further: its append at "no
    /// stream" is refused when the stream exists, and the retry reads the winner's snapshot.
    /// </summary>
    private async Task<(TState? State, long Version)> LoadStateAsync<TState>(Guid streamId, bool creates, CancellationToken ct) where TState : class
    {
        var (state, version) = await store.LoadSnapshotAsync<TState>(streamId, ct);
        if (state is not null || creates || version == 0) return (state, version);
        return await store.RestoreSnapshotAsync<TState>(streamId, ct);
    }

    public static long? ParseIfMatch(HttpRequest request)
    {
        var header = (string?)request.Headers.IfMatch;
        if (string.IsNullOrWhiteSpace(header)) return null;
        var value = header.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        value = value.Trim('"');
        return long.TryParse(value, out var version) && version >= 0
            ? version
            : throw Problems.Fail(Problems.Validation("If-Match", "If-Match must be a version ETag such as \"3\"."));
    }

    private static IResult Replay(StoredResponse stored, byte[] requestHash)
    {
        if (!CryptographicOperations.FixedTimeEquals(stored.RequestHash, requestHash))
            return Problems.Result(Problems.Unprocessable("idempotency-key-reused", "This Idempotency-Key was used with another request.",
                "An Idempotency-Key may only be retried with the same method, path and body."));
        return new RawJsonResult(stored.Status, stored.Body, stored.Location, stored.ETag, replayed: true,
            contentType: stored.Status >= 400 ? "application/problem+json" : null);
    }

    private static StoredResponse ToStored(CommandAnswer answer, byte[] requestHash) =>
        new(requestHash, answer.Status, JsonSerializer.Serialize(answer.Body, JsonDefaults.Options), answer.Location, ETags.Format(answer.Version));

    private static IResult Answer(CommandAnswer answer) =>
        new RawJsonResult(answer.Status, JsonSerializer.Serialize(answer.Body, JsonDefaults.Options), answer.Location, ETags.Format(answer.Version), replayed: false);

    /// <summary>
    /// Whether the database is away (connection refused or lost, shutting down or starting up, out of connections or
    /// other resources). Looks through wrappers: Marten reports a failed write as a MartenCommandException around
    /// Npgsql's, and a batch of failures as an AggregateException.
    /// </summary>
    public static bool IsDatabaseUnavailable(Exception e) => e switch
    {
        AggregateException many => many.InnerExceptions.Any(IsDatabaseUnavailable),
        NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException or TimeoutException } => true,
        NpgsqlException and not PostgresException => true,
        // Class 08: connection exception; 53: insufficient resources; 57P: shutdown, crash, cannot connect now;
        // 58: system error (I/O). Each says nothing about the request, only that the server cannot serve it now.
        PostgresException { SqlState: var state } when state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal)
            || state.StartsWith("57P", StringComparison.Ordinal) || state.StartsWith("58", StringComparison.Ordinal) => true,
        // Npgsql refuses to use a connection or transaction that a lost server already broke.
        InvalidOperationException or ObjectDisposedException when e.Source == "Npgsql" => true,
        _ => e.InnerException is { } inner && IsDatabaseUnavailable(inner),
    };

    private sealed record PendingIdempotency(string Principal, string Key, byte[] RequestHash);
}

/// <summary>How a page form's command ended: done, or refused with a message and field-by-field errors.</summary>
public sealed record FormOutcome(bool Succeeded, int Status, CommandAnswer? Answer, string? Message, IDictionary<string, string[]> Errors)
{
    /// <summary>What a stale form (one opened before someone else's change) is told.</summary>
    public static string Stale(string what) => $"This {what} was changed by someone else since you opened it: reload";

    public static FormOutcome Done(CommandAnswer answer) => new(true, answer.Status, answer, null, new Dictionary<string, string[]>());
    public static FormOutcome Refused(int status, string message, IDictionary<string, string[]> errors) => new(false, status, null, message, errors);
}

/// <summary>A JSON answer written as stored, with its ETag and Location.</summary>
public sealed class RawJsonResult(int status, string json, string? location, string? etag, bool replayed, string? contentType = null) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = contentType ?? "application/json; charset=utf-8";
        if (location is not null) http.Response.Headers.Location = location;
        if (etag is not null) http.Response.Headers.ETag = etag;
        if (replayed) http.Response.Headers["Idempotent-Replayed"] = "true";
        await http.Response.WriteAsync(json);
    }
}

public static class ETags
{
    public static string Format(long version) => $"\"{version}\"";
}
