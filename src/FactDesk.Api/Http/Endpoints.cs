using System.Reflection;

namespace FactDesk.Api.Http;

/// <summary>A use case's routes. Every implementation in this assembly is mapped at start-up, so a new slice needs no registration.</summary>
public interface IEndpoint
{
    static abstract void Map(IEndpointRouteBuilder app);
}

public static class EndpointDiscovery
{
    public static IEndpointRouteBuilder MapFactDeskEndpoints(this IEndpointRouteBuilder app)
    {
        var endpoints = typeof(IEndpoint).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IEndpoint).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        // One group around every slice, so conventions every route shares (the command rate limit) are set here, not per file.
        var routes = app.MapGroup("").LimitCommands();
        foreach (var type in endpoints)
            type.GetMethod(nameof(IEndpoint.Map), BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [routes]);
        return app;
    }

    /// <summary>Parses a route id; a malformed one is a 400 naming the field, never a 500.</summary>
    public static Guid ParseId(string value, string field = "id") =>
        Guid.TryParse(value, out var id) ? id : throw Problems.Fail(Problems.Validation(field, $"{field} must be a UUID."));
}

public static class CommandRouteMetadata
{
    /// <summary>The problems a command on an existing stream can answer, for the OpenAPI document.</summary>
    public static RouteHandlerBuilder ProducesCommandProblems(this RouteHandlerBuilder route) => route
        .ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(404)
        .ProducesProblem(409).ProducesProblem(412).ProducesProblem(413).ProducesProblem(422);
}
