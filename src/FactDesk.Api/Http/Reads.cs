using FactDesk.TamperEvidence;

namespace FactDesk.Api.Http;

/// <summary>How read routes answer: JSON with the stream version as ETag, and 404/400 problems for unknown or malformed ids.</summary>
public static class Reads
{
    public static IResult Json(object body, long? version = null) => new RawJsonResult(200,
        System.Text.Json.JsonSerializer.Serialize(body, JsonDefaults.Options), null, version is null ? null : ETags.Format(version.Value), replayed: false);

    /// <summary>Wraps a read handler so bad ids and an unreachable database answer problem+json.</summary>
    public static async Task<IResult> Guard(HttpContext http, Func<Task<IResult>> read)
    {
        try { return await read(); }
        catch (ProblemException e) { return Problems.Result(e.Problem); }
        catch (Exception e) when (CommandPipeline.IsDatabaseUnavailable(e)) { return Problems.Result(Problems.Unavailable()); }
    }

    /// <summary>
    /// What to tell a caller whose timestamp did not parse. A '+' left unencoded in a query string arrives as a space
    /// ("10:00:00 01:00"): say so, since the timestamp looks right to whoever typed it.
    /// </summary>
    public static string TimestampHint(string name, string? given) =>
        given is not null && System.Text.RegularExpressions.Regex.IsMatch(given, @"\d \d{2}(:?\d{2})?$")
            ? $"{name} has a space where its offset's '+' should be: a '+' in a query string must be sent encoded as %2B (e.g. 2025-02-01T10:00:00%2B01:00)."
            : $"{name} must be one ISO 8601 timestamp, such as 2025-02-01T10:00:00+01:00.";

    /// <summary>Parses <c>?version=</c> and <c>?asOf=</c>; both are optional, at most one may be given.</summary>
    public static (long? Version, DateTimeOffset? AsOf) PointInTime(HttpRequest request)
    {
        long? version = null;
        DateTimeOffset? asOf = null;
        if (request.Query.TryGetValue("version", out var v))
            version = long.TryParse(v, out var n) && n >= 1 ? n : throw Problems.Fail(Problems.Validation("version", "version must be a whole number of at least 1."));
        if (request.Query.TryGetValue("asOf", out var a))
            asOf = a.Count == 1 && Timestamps.TryParse(a[0], out var t) ? t : throw Problems.Fail(Problems.Validation("asOf", TimestampHint("asOf", a.Count == 1 ? a[0] : null)));
        if (version is not null && asOf is not null) throw Problems.Fail(Problems.Validation("asOf", "Give version or asOf, not both."));
        return (version, asOf);
    }

    /// <summary>Folds a stream (optionally as it was) or answers 404.</summary>
    public static async Task<(TState State, long Version, IReadOnlyList<RecordedEvent> Events)> LoadAsync<TState>(
        TamperEvidentLog store, Guid id, string what, long? toVersion, DateTimeOffset? asOf, CancellationToken ct) where TState : class
    {
        var events = await store.ReadStreamAsync(id, toVersion, asOf, ct);
        var state = StateFolder<TState>.Instance.Fold(events) ?? throw Problems.Fail(Problems.NotFound(what, id.ToString()));
        // A version the stream never reached is not "the current state": the caller asked for something that does not exist.
        if (toVersion is { } wanted && wanted > events[^1].Version)
            throw Problems.Fail(Problems.Make(404, "not-found", $"No such {what} version.",
                $"The {what} '{id}' is at version {events[^1].Version}; it has no version {wanted}."));
        return (state, events[^1].Version, events);
    }
}
