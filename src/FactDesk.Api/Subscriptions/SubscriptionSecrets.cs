using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace FactDesk.Api.Subscriptions;

/// <summary>
/// The shared secrets webhooks are signed with. Kept out of the event log (read by auditors, never editable) and out of
/// every answer and log line. A row is keyed by its fingerprint too, so a secret written for a subscribe request that
/// then failed or lost a race is never used: only the one whose fingerprint the subscription's event names is.
/// Not a projection table: a rebuild must not lose secrets the log cannot give back. Secrets are stored protected with
/// Data Protection, never in clear.
/// </summary>
public sealed class SubscriptionSecrets(NpgsqlDataSource dataSource, IDataProtectionProvider protection)
{
    /// <summary>Secrets are stored protected with Data Protection (keys in <c>data_protection_keys</c>): a copy of the table alone reveals none.</summary>
    private readonly IDataProtector _protector = protection.CreateProtector("FactDesk.Webhooks.SubscriptionSecrets.v1");

    private const string S = StoreSetup.Schema;

    public static IEnumerable<Weasel.Core.ISchemaObject> SchemaObjects()
    {
        var secrets = SchemaTables.For(S, "subscription_secrets");
        secrets.AddColumn("subscription_id", "uuid").NotNull();
        secrets.AddColumn("secret_hash", "text").NotNull();
        secrets.AddColumn("secret", "text").NotNull();
        secrets.AddColumn("created_at", "timestamptz").NotNull().DefaultValueByExpression("clock_timestamp()");
        // Rows written before secrets were protected are marked as such until ProtectStoredInClearAsync rewrites them.
        secrets.AddColumn("is_protected", "boolean").NotNull().DefaultValueByExpression("false");
        yield return secrets.PrimaryKey("subscription_id", "secret_hash");

        // Keys the server draws for itself (see FingerprintKeyAsync).
        var keys = SchemaTables.For(S, "server_keys");
        keys.AddColumn("name", "text").AsPrimaryKey();
        keys.AddColumn("key", "bytea").NotNull();
        yield return keys;
    }

    /// <summary>The secret as stored: protected, or (a row from before protection) as it was typed.</summary>
    public string Reveal(string stored, bool isProtected) => isProtected ? _protector.Unprotect(stored) : stored;

    /// <summary>Protects every secret still stored in clear (rows from before protection); run once the schema is migrated.</summary>
    public async Task<int> ProtectStoredInClearAsync(CancellationToken ct)
    {
        var clear = new List<(Guid Id, string Hash, string Secret)>();
        await using (var read = dataSource.CreateCommand($"select subscription_id, secret_hash, secret from {S}.subscription_secrets where not is_protected"))
        await using (var reader = await read.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) clear.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2)));
        foreach (var (id, hash, secret) in clear)
        {
            await using var write = dataSource.CreateCommand(
                $"update {S}.subscription_secrets set secret = $3, is_protected = true where subscription_id = $1 and secret_hash = $2 and not is_protected");
            write.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hash });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _protector.Protect(secret) });
            await write.ExecuteNonQueryAsync(ct);
        }
        return clear.Count;
    }

    private byte[]? _fingerprintKey;

    /// <summary>
    /// The key secret fingerprints are made with: 32 random bytes drawn by PostgreSQL once per database (by whichever
    /// instance asks first; the others find it), so every instance uses the same key and it survives restarts, yet it
    /// never appears in the log or in any answer.
    /// </summary>
    public async Task<byte[]> FingerprintKeyAsync(CancellationToken ct)
    {
        if (_fingerprintKey is { } known) return known;
        // Two statements, two snapshots: the select sees the key a concurrent first caller committed.
        await using var cmd = dataSource.CreateCommand($"""
            insert into {S}.server_keys (name, key) values ('webhook-secret-fingerprint', uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()))
            on conflict (name) do nothing;
            select key from {S}.server_keys where name = 'webhook-secret-fingerprint'
            """);
        return _fingerprintKey = (byte[])(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Stores the secret before the subscription's event is appended; writing it twice is harmless.</summary>
    public async Task KeepAsync(Guid subscriptionId, string secretHash, string secret, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"insert into {S}.subscription_secrets (subscription_id, secret_hash, secret, is_protected) values ($1, $2, $3, true) on conflict do nothing");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = subscriptionId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = secretHash });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _protector.Protect(secret) });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Once the schema is migrated, protects the secrets an older FactDesk stored in clear.</summary>
public sealed class SecretsProtection(SubscriptionSecrets secrets, Hosting.SchemaState schema, ILogger<SecretsProtection> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        await schema.Migrated.WaitAsync(stopping);
        try
        {
            var protectedNow = await secrets.ProtectStoredInClearAsync(stopping);
            if (protectedNow > 0) log.LogInformation("Protected {Count} webhook secrets stored in clear by an older FactDesk.", protectedNow);
        }
        catch (Exception e) when (e is not OperationCanceledException) { log.LogWarning("Protecting stored webhook secrets: {Message}", e.Message); }
    }
}
