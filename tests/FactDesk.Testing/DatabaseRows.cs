using Npgsql;

namespace FactDesk.Testing;

/// <summary>A query's rows as arrays of column values (DBNull for SQL null), for tests that compare tables.</summary>
public static class DatabaseRows
{
    public static async Task<List<object[]>> RowsAsync(this NpgsqlDataSource db, string sql)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.RowsAsync(sql);
    }

    /// <summary>On this connection, inside whatever transaction it has open.</summary>
    public static async Task<List<object[]>> RowsAsync(this NpgsqlConnection connection, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }
}
