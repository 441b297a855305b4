using FactDesk.Testing;
using JasperFx;
using Marten;
using Npgsql;

namespace FactDesk.GroupCommit.Tests;

public sealed record ThingHappened(string Name, int Amount);

/// <summary>An event no serialiser can write: reading its property throws.</summary>
public sealed class Unserialisable
{
    public const string Failure = "this event cannot be serialised";
    public string Boom => throw new InvalidOperationException(Failure);
}

/// <summary>A fresh database with FactDesk's Marten event store in it, and plain SQL to look at what was written.</summary>
public sealed class MartenDatabase : IAsyncDisposable
{
    /// <summary>Bounds every wait in these tests: a hang fails the test instead of the run.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private MartenDatabase(DocumentStore store, NpgsqlDataSource sql, string connectionString)
    {
        Store = store;
        Sql = sql;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public DocumentStore Store { get; }
    public NpgsqlDataSource Sql { get; }

    public static async Task<MartenDatabase> CreateAsync(string purpose)
    {
        var connectionString = await PostgresServer.CreateDatabaseForAsync(purpose);
        var store = DocumentStore.For(options =>
        {
            options.Connection(connectionString);
            options.UseFactDeskEvents();
            options.AutoCreateSchemaObjects = AutoCreate.All;
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return new MartenDatabase(store, NpgsqlDataSource.Create(connectionString), connectionString);
    }

    public static object[] One(string name) => [new ThingHappened(name, 1)];

    public async Task<long> CountAsync(string sql, params object[] parameters)
    {
        await using var cmd = Sql.CreateCommand(sql);
        foreach (var p in parameters) cmd.Parameters.Add(new NpgsqlParameter { Value = p });
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    /// <summary>The stream's version in mt_streams, or null when it does not exist.</summary>
    public async Task<long?> VersionAsync(Guid stream)
    {
        await using var cmd = Sql.CreateCommand("select version from factdesk.mt_streams where id = $1");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = stream });
        return await cmd.ExecuteScalarAsync() is long version ? version : null;
    }

    /// <summary>The transaction ids that wrote the given streams' events: one per commit.</summary>
    public async Task<List<string>> WritingTransactionsAsync(IEnumerable<Guid> streams)
    {
        await using var cmd = Sql.CreateCommand("select xmin::text from factdesk.mt_events where stream_id = any($1) order by seq_id");
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = streams.ToArray() });
        await using var reader = await cmd.ExecuteReaderAsync();
        var transactions = new List<string>();
        while (await reader.ReadAsync()) transactions.Add(reader.GetString(0));
        return transactions;
    }

    /// <summary>
    /// Holds an existing stream's row locked, so an append to it waits inside its commit: with one lane, whatever is
    /// appended meanwhile queues and goes in the next batch, together. Disposing releases the lock.
    /// </summary>
    public async Task<IAsyncDisposable> LockStreamAsync(Guid stream)
    {
        var connection = await Sql.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand("select 1 from factdesk.mt_streams where id = $1 for update", connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = stream });
        (await cmd.ExecuteScalarAsync()).ShouldNotBeNull("the stream to lock must exist");
        return new StreamLock(connection, transaction);
    }

    /// <summary>Waits (bounded) until some session of this database is waiting for a lock: the locked append is in its commit.</summary>
    public async Task WaitUntilAnAppendIsBlockedAsync()
    {
        var deadline = DateTime.UtcNow + Patience;
        while (await CountAsync("select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'") == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("no append blocked on the locked stream");
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await Sql.DisposeAsync();
    }

    private sealed class StreamLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await connection.DisposeAsync();
        }
    }
}
