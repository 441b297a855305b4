using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using Npgsql;

namespace FactDesk.Api.Health;

/// <summary>The answer of a health route: live or ready.</summary>
public sealed record HealthStatus(string Status);

/// <summary><c>/health/live</c>: the process answers. <c>/health/ready</c>: the schema is migrated and the database answers now.</summary>
public sealed class HealthEndpoints : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Json(new HealthStatus("live"))).AllowAnonymous().WithTags("Health").WithName("Live").Produces<HealthStatus>();
        app.MapGet("/health/ready", async (NpgsqlDataSource db, SchemaState schema, CancellationToken ct) =>
        {
            if (!schema.IsMigrated) return Problems.Result(Problems.Unavailable());
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                await using var cmd = db.CreateCommand("select 1");
                await cmd.ExecuteScalarAsync(timeout.Token);
                return Results.Json(new HealthStatus("ready"));
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
            {
                return Problems.Result(Problems.Unavailable());
            }
        }).AllowAnonymous().WithTags("Health").WithName("Ready").Produces<HealthStatus>().ProducesProblem(503);
    }
}
