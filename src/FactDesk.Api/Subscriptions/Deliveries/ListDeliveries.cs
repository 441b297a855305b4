using FactDesk.Api.Hosting;
using FactDesk.Api.Http;
using Npgsql;

namespace FactDesk.Api.Subscriptions.Deliveries;

public enum DeliveryStatus { Pending, Delivered, Dead }

/// <summary>A page of deliveries; pass <c>next</c> as <c>after</c> for the next page (null: none follows).</summary>
public sealed record DeliveryPage(IReadOnlyList<DeliveryView> Items, long? Next);

/// <summary>One event owed to one subscriber, and how sending it has gone.</summary>
public sealed record DeliveryView(
    Guid Id, Guid SubscriptionId, Guid EventId, string EventType, Guid StreamId, long Position, DeliveryStatus Status,
    int Attempts, DateTimeOffset? NextAttemptAt, DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError,
    DateTimeOffset? DeliveredAt, DateTimeOffset CreatedAt);

/// <summary>
/// <c>GET /api/subscriptions/{id}/deliveries</c>: deliveries in log order; <c>?status=dead</c> is the dead-letter list.
/// Paging: <c>limit</c> (default 100, max 500) and <c>after=&lt;position&gt;</c>; the answer's <c>next</c> is the next <c>after</c>.
/// </summary>
public sealed class ListDeliveriesEndpoint : IEndpoint
{
    private const string S = StoreSetup.Schema;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/subscriptions/{id}/deliveries", (string id, HttpContext http, NpgsqlDataSource db) => Reads.Guard(http, async () =>
            {
                var subscriptionId = EndpointDiscovery.ParseId(id);
                var query = http.Request.Query;
                string? status = query["status"];
                if (status is not null && !EnumNames<DeliveryStatus>.All.Contains(status))
                    throw Problems.Fail(Problems.Validation("status", $"status must be one of {string.Join(", ", EnumNames<DeliveryStatus>.All)}."));
                var limit = 100;
                if (query.ContainsKey("limit") && !(int.TryParse(query["limit"], out limit) && limit is >= 1 and <= 500))
                    throw Problems.Fail(Problems.Validation("limit", "limit must be a whole number from 1 to 500."));
                long after = 0;
                if (query.ContainsKey("after") && !(long.TryParse(query["after"], out after) && after >= 0))
                    throw Problems.Fail(Problems.Validation("after", "after must be a position (a whole number of at least 0)."));

                var ct = http.RequestAborted;
                await using (var exists = db.CreateCommand($"select 1 from {S}.subscriptions where id = $1"))
                {
                    exists.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = subscriptionId });
                    if (await exists.ExecuteScalarAsync(ct) is null) throw Problems.Fail(Problems.NotFound("subscription", id));
                }
                var items = await DeliveryRows.ReadAsync(db, "o.subscription_id = $1 and ($2::text is null or o.status = $2) and o.position > $3 order by o.position limit $4",
                    [
                        new NpgsqlParameter<Guid> { TypedValue = subscriptionId },
                        new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                        new NpgsqlParameter<long> { TypedValue = after },
                        new NpgsqlParameter<int> { TypedValue = limit },
                    ], ct);
                return Reads.Json(new DeliveryPage(items, items.Count == limit ? items[^1].Position : null));
            }))
            .RequireAuthorization(Roles.May.Oversee)
            .WithName("ListDeliveries").WithTags("Subscriptions")
            .WithQuery(
                new QueryParameter("status", "Only deliveries in this status (dead: the dead letters).") { Allowed = EnumNames<DeliveryStatus>.All, Example = "dead" },
                QueryParameter.Limit(100, 500),
                new QueryParameter("after", "The next of the page before (a position).") { Type = "integer", Format = "int64", Minimum = 0, Default = "0" })
            .Produces<DeliveryPage>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(404);
}

/// <summary>Reads outbox rows as <see cref="DeliveryView"/>s.</summary>
public static class DeliveryRows
{
    public static async Task<List<DeliveryView>> ReadAsync(NpgsqlDataSource db, string where, NpgsqlParameter[] parameters, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            select o.id, o.subscription_id, o.event_id, o.event_type, o.stream_id, o.position, o.status, o.attempts, o.next_attempt_at,
                   o.last_attempt_at, o.last_status_code, o.last_error, o.delivered_at, o.created_at
            from {StoreSetup.Schema}.webhook_outbox o where {where}
            """);
        cmd.Parameters.AddRange(parameters);
        var rows = new List<DeliveryView>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var status = EnumNames<DeliveryStatus>.Parse(reader.GetString(6));
            rows.Add(new DeliveryView(
                reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetGuid(4), reader.GetInt64(5), status,
                reader.GetInt32(7), status == DeliveryStatus.Pending ? reader.GetFieldValue<DateTimeOffset>(8) : null,
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetInt32(10),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
                reader.GetFieldValue<DateTimeOffset>(13)));
        }
        return rows;
    }
}
