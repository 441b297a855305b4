namespace FactDesk.Api.Http;

/// <summary>The id of the stream a command wrote and its version after it: the answer of most commands.</summary>
public sealed record StreamVersion(Guid Id, long Version);

/// <summary>Marks a route that runs through <see cref="CommandPipeline"/>: it honours <c>Idempotency-Key</c>, and <c>If-Match</c> when it changes a stream that exists.</summary>
public sealed record CommandRoute(bool OnExistingStream);

/// <summary>Marks a read whose answer carries the stream's version as <c>ETag</c>.</summary>
public sealed record VersionedRead;

/// <summary>A query parameter a read route understands, for the OpenAPI document; the route parses it by hand beside this declaration.</summary>
public sealed record QueryParameter(string Name, string Description)
{
    /// <summary>The JSON Schema type: string, integer or boolean.</summary>
    public string Type { get; init; } = "string";
    public string? Format { get; init; }
    public IReadOnlyCollection<string>? Allowed { get; init; }
    public long? Minimum { get; init; }
    public long? Maximum { get; init; }
    public string? Default { get; init; }
    /// <summary>An example value taken from the demo desk.</summary>
    public string? Example { get; init; }

    public static QueryParameter Limit(int defaultLimit, int maxLimit) =>
        new("limit", $"How many items a page holds: 1 to {maxLimit}, default {defaultLimit}.") { Type = "integer", Format = "int32", Minimum = 1, Maximum = maxLimit, Default = defaultLimit.ToString() };

    public static QueryParameter Timestamp(string name, string description) =>
        new(name, description + " ISO 8601 with any offset or none (UTC); send a '+' as %2B.") { Format = "date-time", Example = "2025-02-01T10:00:00Z" };
}

/// <summary>The OpenAPI facts of a route that its handler cannot show by its signature.</summary>
public static class RouteDescription
{
    /// <summary>A command that creates a stream: 201 with <typeparamref name="TAnswer"/> and its Location.</summary>
    public static RouteHandlerBuilder CreatesStream<TAnswer>(this RouteHandlerBuilder route) =>
        route.Produces<TAnswer>(201).WithMetadata(new CommandRoute(OnExistingStream: false));

    /// <summary>A command on a stream that exists: 200 with <typeparamref name="TAnswer"/>.</summary>
    public static RouteHandlerBuilder ChangesStream<TAnswer>(this RouteHandlerBuilder route) =>
        route.Produces<TAnswer>(200).WithMetadata(new CommandRoute(OnExistingStream: true));

    /// <summary>A read that answers the stream's version as ETag.</summary>
    public static RouteHandlerBuilder AnswersWithVersion(this RouteHandlerBuilder route) => route.WithMetadata(new VersionedRead());

    public static RouteHandlerBuilder WithQuery(this RouteHandlerBuilder route, params QueryParameter[] parameters) =>
        route.WithMetadata(parameters.Cast<object>().ToArray());
}
