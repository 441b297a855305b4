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

    private string SaveSql => $"""
        insert into {store.Schema}.idempotency_keys (principal, key, request_hash, status, body, location, etag)
        values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing
        """;

    /// <summary>Stores the answer; false when the key was already taken (a concurrent copy won), which must abort the caller's write.</summary>
    public async Task<bool> SaveAsync(NpgsqlConnection? connection, string principal, string key, StoredResponse response, CancellationToken ct)
    {
        await using var cmd = connection is null ? store.DataSource.CreateCommand(SaveSql) : new NpgsqlCommand(SaveSql, connection);
        AddSaveParameters(cmd.Parameters, principal, key, response);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// The same record as <see cref="SaveAsync"/>, written in the append's batch with the other appends' records (one
    /// round trip per commit); a key already taken throws <see cref="IdempotencyKeyTakenException"/> and rolls the append back.
    /// </summary>
    public WriteInBatch SaveInBatch(string principal, string key, StoredResponse response)
    {
        var command = new NpgsqlBatchCommand(SaveSql);
        AddSaveParameters(command.Parameters, principal, key, response);
        return new WriteInBatch(command, rows => rows == 1 ? null : new IdempotencyKeyTakenException());
    }

    private static void AddSaveParameters(NpgsqlParameterCollection parameters, string principal, string key, StoredResponse response)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = principal });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = response.RequestHash });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = response.Status });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = response.Body });
        parameters.Add(new NpgsqlParameter { Value = (object?)response.Location ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)response.ETag ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
    }
}

/// <summary>Raised inside an append when its idempotency key was taken by a concurrent copy: the append rolls back and the first answer is replayed.</summary>
public sealed class IdempotencyKeyTakenException() : Exception("The idempotency key was used by a concurrent request.");
