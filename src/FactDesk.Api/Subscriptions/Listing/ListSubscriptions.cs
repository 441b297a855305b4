using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using Npgsql;

namespace FactDesk.Api.Subscriptions.Listing;

/// <summary>A subscription as editors see it: where it sends, what it wants, and how its deliveries stand. Never the secret.</summary>
public sealed record SubscriptionView(
    Guid Id, long Version, string Url, IReadOnlyList<string> EventTypes, Actor CreatedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? RemovedAt, long PendingDeliveries, long DeadDeliveries);

/// <summary><c>GET /api/subscriptions</c> (active ones, oldest first) and <c>GET /api/subscriptions/{id}</c> (removed ones too).</summary>
public sealed class ListSubscriptionsEndpoint : IEndpoint
{
    private const string S = StoreSetup.Schema;

    private const string Select = $"""
        select s.id, s.version, s.url, s.event_types, s.created_by, s.created_by_role, s.created_at, s.removed_at,
               (select count(*) from {S}.webhook_outbox o where o.subscription_id = s.id and o.status = 'pending'),
               (select count(*) from {S}.webhook_outbox o where o.subscription_id = s.id and o.status = 'dead')
        from {S}.subscriptions s
        """;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/subscriptions", (HttpContext http, NpgsqlDataSource db) => Reads.Guard(http, async () =>
            {
                await using var cmd = db.CreateCommand($"{Select} where s.removed_at is null order by s.created_position");
                return Reads.Json(new { items = await ReadAsync(cmd, http.RequestAborted) });
            }))
            .RequireAuthorization(Roles.May.Oversee)
            .WithName("ListSubscriptions").WithTags("Subscriptions")
            .Produces<SubscriptionView[]>().ProducesProblem(401);

        app.MapGet("/api/subscriptions/{id}", (string id, HttpContext http, NpgsqlDataSource db) => Reads.Guard(http, async () =>
            {
                var subscriptionId = EndpointDiscovery.ParseId(id);
                await using var cmd = db.CreateCommand($"{Select} where s.id = $1");
                cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = subscriptionId });
                var found = await ReadAsync(cmd, http.RequestAborted);
                if (found.Count == 0) throw Problems.Fail(Problems.NotFound("subscription", id));
                return Reads.Json(found[0], found[0].Version);
            }))
            .RequireAuthorization(Roles.May.Oversee)
            .WithName("GetSubscription").WithTags("Subscriptions")
            .Produces<SubscriptionView>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(404);
    }

    /// <summary>The active subscriptions, oldest first, as the JSON list answers them (the subscriptions page reads the same).</summary>
    public static async Task<List<SubscriptionView>> ActiveAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"{Select} where s.removed_at is null order by s.created_position");
        return await ReadAsync(cmd, ct);
    }

    /// <summary>One subscription, removed ones too; null when there is none with the id.</summary>
    public static async Task<SubscriptionView?> FindAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"{Select} where s.id = $1");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return (await ReadAsync(cmd, ct)).FirstOrDefault();
    }

    private static async Task<List<SubscriptionView>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var views = new List<SubscriptionView>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            views.Add(new SubscriptionView(
                reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), reader.GetFieldValue<string[]>(3),
                new Actor(reader.GetString(4), reader.GetString(5)), reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.GetInt64(8), reader.GetInt64(9)));
        return views;
    }
}
