using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Subscriptions;

/// <summary>
/// Inline: the subscriptions table, written in the append's transaction so the webhook outbox of any later append
/// sees a new subscription at once. Removed subscriptions stay (marked) so their deliveries can still be read.
/// The positions at which a subscription began and ended let a rebuild of the outbox give the same rows as live.
/// </summary>
public sealed class SubscriptionsProjection : IProjection
{
    private const string S = StoreSetup.Schema;

    public string Name => "subscriptions";
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Inline;
    public IReadOnlyList<string> Tables { get; } = ["subscriptions"];

    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = Declare();

    private static IReadOnlyList<Weasel.Core.ISchemaObject> Declare()
    {
        var subscriptions = SchemaTables.For(S, "subscriptions");
        subscriptions.AddColumn("id", "uuid").AsPrimaryKey();
        subscriptions.AddColumn("url", "text").NotNull();
        subscriptions.AddColumn("secret_hash", "text").NotNull();
        subscriptions.AddColumn("event_types", "text[]").NotNull();
        subscriptions.AddColumn("created_by", "text").NotNull();
        subscriptions.AddColumn("created_by_role", "text").NotNull();
        subscriptions.AddColumn("created_at", "timestamptz").NotNull();
        subscriptions.AddColumn("created_position", "bigint").NotNull();
        subscriptions.AddColumn("version", "bigint").NotNull();
        subscriptions.AddColumn("removed_by", "text");
        subscriptions.AddColumn("removed_at", "timestamptz");
        subscriptions.AddColumn("removed_position", "bigint");
        subscriptions.AddColumn("previous_secret_hash", "text");
        subscriptions.AddColumn("previous_secret_valid_until", "timestamptz");
        return [subscriptions];
    }

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            if (e.StreamType != Subscription.StreamType) continue;
            await using var cmd = e.Data switch
            {
                SubscriptionCreated created => Command(connection, $"""
                    insert into {S}.subscriptions (id, url, secret_hash, event_types, created_by, created_by_role, created_at, created_position, version)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (id) do nothing
                    """,
                    new NpgsqlParameter<Guid> { TypedValue = created.SubscriptionId },
                    new NpgsqlParameter<string> { TypedValue = created.Url },
                    new NpgsqlParameter<string> { TypedValue = created.SecretHash },
                    new NpgsqlParameter<string[]> { TypedValue = created.EventTypes.ToArray() },
                    new NpgsqlParameter<string> { TypedValue = created.By.Name },
                    new NpgsqlParameter<string> { TypedValue = created.By.Role },
                    new NpgsqlParameter<DateTimeOffset> { TypedValue = created.At },
                    new NpgsqlParameter<long> { TypedValue = e.Position },
                    new NpgsqlParameter<long> { TypedValue = e.Version }),
                SubscriptionRemoved removed => Command(connection, $"""
                    update {S}.subscriptions set removed_by = $2, removed_at = $3, removed_position = $4, version = $5 where id = $1
                    """,
                    new NpgsqlParameter<Guid> { TypedValue = removed.SubscriptionId },
                    new NpgsqlParameter<string> { TypedValue = removed.By.Name },
                    new NpgsqlParameter<DateTimeOffset> { TypedValue = removed.At },
                    new NpgsqlParameter<long> { TypedValue = e.Position },
                    new NpgsqlParameter<long> { TypedValue = e.Version }),
                SubscriptionSecretRotated rotated => Command(connection, $"""
                    update {S}.subscriptions set secret_hash = $2, previous_secret_hash = $3, previous_secret_valid_until = $4, version = $5 where id = $1
                    """,
                    new NpgsqlParameter<Guid> { TypedValue = rotated.SubscriptionId },
                    new NpgsqlParameter<string> { TypedValue = rotated.SecretHash },
                    new NpgsqlParameter<string> { TypedValue = rotated.PreviousSecretHash },
                    new NpgsqlParameter<DateTimeOffset> { TypedValue = rotated.PreviousValidUntil },
                    new NpgsqlParameter<long> { TypedValue = e.Version }),
                _ => Command(connection, $"update {S}.subscriptions set version = greatest(version, $2) where id = $1",
                    new NpgsqlParameter<Guid> { TypedValue = e.StreamId },
                    new NpgsqlParameter<long> { TypedValue = e.Version }),
            };
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params NpgsqlParameter[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, connection);
        cmd.Parameters.AddRange(parameters);
        return cmd;
    }
}
