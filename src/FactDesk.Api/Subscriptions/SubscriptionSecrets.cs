using FactDesk.Api.Hosting;
using FactDesk.EventStore;
using Npgsql;

namespace FactDesk.Api.Subscriptions;

/// <summary>
/// The shared secrets webhooks are signed with. Kept out of the event log (read by auditors, never editable) and out of
/// every answer and log line. A row is keyed by its fingerprint too, so a secret written for a subscribe request that
/// then failed or lost a race is never used: only the one whose fingerprint the subscription's event names is.
/// Not a projection table: a rebuild must not lose secrets the log cannot give back.
/// </summary>
public sealed class SubscriptionSecrets(NpgsqlDataSource dataSource)
{
    private const string S = StoreSetup.Schema;

    public static readonly Migration Migration = new("subscriptions/002-secrets", """
        create table {schema}.subscription_secrets (
            subscription_id uuid not null,
            secret_hash text not null,
            secret text not null,
            created_at timestamptz not null default clock_timestamp(),
            primary key (subscription_id, secret_hash));
        """);

    /// <summary>
    /// The key secret fingerprints are made with: 32 random bytes drawn by PostgreSQL once per database, so every
    /// instance uses the same key and it survives restarts, yet it never appears in the log or in any answer.
    /// </summary>
    public static readonly Migration KeyMigration = new("subscriptions/003-fingerprint-key", """
        create table {schema}.server_keys (
            name text primary key,
            key bytea not null);
        insert into {schema}.server_keys (name, key)
        values ('webhook-secret-fingerprint', uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));
        """);

    private byte[]? _fingerprintKey;

    public async Task<byte[]> FingerprintKeyAsync(CancellationToken ct)
    {
        if (_fingerprintKey is { } known) return known;
        await using var cmd = dataSource.CreateCommand($"select key from {S}.server_keys where name = 'webhook-secret-fingerprint'");
        return _fingerprintKey = (byte[])(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Stores the secret before the subscription's event is appended; writing it twice is harmless.</summary>
    public async Task KeepAsync(Guid subscriptionId, string secretHash, string secret, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"insert into {S}.subscription_secrets (subscription_id, secret_hash, secret) values ($1, $2, $3) on conflict do nothing");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = subscriptionId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = secretHash });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = secret });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
