using System.Security.Cryptography;
using System.Text;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Http;

/// <summary>A stored first answer to a command sent with an <c>Idempotency-Key</c>.</summary>
public sealed record StoredResponse(byte[] RequestHash, int Status, string Body, string? Location, string? ETag);

/// <summary>
/// Remembers the first successful answer per (principal, key). The record is written in the same transaction as the
/// command's events, so an answer is stored exactly when its events are.
/// </summary>
public sealed class IdempotencyStore(TamperEvidentLog store)
{
    /// <summary>Each principal's idempotency keys with the answer first given.</summary>
    public static Weasel.Core.ISchemaObject Table()
    {
        var keys = SchemaTables.For(Hosting.StoreSetup.Schema, "idempotency_keys");
        keys.AddColumn("principal", "text").NotNull();
        keys.AddColumn("key", "text").NotNull();
        keys.AddColumn("request_hash", "bytea").NotNull();
        keys.AddColumn("status", "int").NotNull();
        keys.AddColumn("body", "text").NotNull();
        keys.AddColumn("location", "text");
        keys.AddColumn("etag", "text");
        keys.AddColumn("created_at", "timestamptz").NotNull().DefaultValueByExpression("clock_timestamp()");
        return keys.PrimaryKey("principal", "key");
    }

    public static bool IsValidKey(string key) => key.Length is >= 1 and <= 255 && key.All(c => c is >= '!' and <= '~' || c == ' ');

    public static byte[] HashRequest(string method, string path, byte[] body) =>
        SHA256.HashData([.. Encoding.UTF8.GetBytes($"{method} {path}\n"), .. body]);

    public async Task<StoredResponse?> FindAsync(string principal, string key, CancellationToken ct)
    {
        await using var cmd = store.DataSource.CreateCommand($"select request_hash, status, body, location, etag from {store.Schema}.idempotency_keys where principal = $1 and key = $2");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = principal });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new StoredResponse(reader.GetFieldValue<byte[]>(0), reader.GetInt32(1), reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    /// <summary>Stores the answer; false when the key was already taken (a concurrent copy won), which must abort the caller's write.</summary>
    public async Task<bool> SaveAsync(NpgsqlConnection? connection, string principal, string key, StoredResponse response, CancellationToken ct)
    {
        var sql = $"""
            insert into {store.Schema}.idempotency_keys (principal, key, request_hash, status, body, location, etag)
            values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing
            """;
        await using var cmd = connection is null ? store.DataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = principal });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = response.RequestHash });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = response.Status });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = response.Body });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)response.Location ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)response.ETag ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }
}

/// <summary>Raised inside an append when its idempotency key was taken by a concurrent copy: the append rolls back and the first answer is replayed.</summary>
public sealed class IdempotencyKeyTakenException() : Exception("The idempotency key was used by a concurrent request.");
