using System.Text.Json;
using FactDesk.Testing;
using Npgsql;
using Weasel.Core;

namespace FactDesk.TamperEvidence.Tests;

[EventType("thing-happened.v1")]
public sealed record ThingHappened(string Name, int Amount);

[EventType("thing-renamed.v1")]
public sealed record ThingRenamed(string Name);

/// <summary>State folded from a stream of things: the engine's aggregation under test.</summary>
public sealed record Thing(string Name, int Total, int Changes)
{
    public static Thing Create(ThingHappened e) => new(e.Name, e.Amount, 1);
    public Thing Apply(ThingHappened e) => this with { Total = Total + e.Amount, Changes = Changes + 1 };
    public Thing Apply(ThingRenamed e) => this with { Name = e.Name, Changes = Changes + 1 };
}

/// <summary>
/// Records every event it is given, in the order given: a projection whose table shows what a runner did.
/// <paramref name="pauseEach"/> makes it slow, for tests that need a replay to outlast something.
/// </summary>
public sealed class SeenEventsProjection(ProjectionLifecycle lifecycle, string name = "seen", TimeSpan? pauseEach = null) : IProjection
{
    public string Name => name;
    public ProjectionLifecycle Lifecycle => lifecycle;
    public IReadOnlyList<string> Tables => [$"{name}_events", $"{name}_totals"];
    public IReadOnlyList<ISchemaObject> SchemaObjects
    {
        get
        {
            var seen = SchemaTables.For("factdesk", $"{name}_events");
            seen.AddColumn("position", "bigint").AsPrimaryKey();
            seen.AddColumn("stream_id", "uuid").NotNull();
            seen.AddIdentityColumn("seen_order");
            var totals = SchemaTables.For("factdesk", $"{name}_totals");
            totals.AddColumn("stream_id", "uuid").AsPrimaryKey();
            totals.AddColumn("total", "bigint").NotNull();
            totals.AddColumn("events", "int").NotNull();
            return [seen, totals];
        }
    }

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            if (pauseEach is { } pause) await Task.Delay(pause, ct);
            await using var cmd = new NpgsqlCommand($"""
                insert into factdesk.{name}_events (position, stream_id) values ($1, $2);
                """, connection);
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Position });
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = e.StreamId });
            await cmd.ExecuteNonQueryAsync(ct);
            var amount = e.Data is ThingHappened h ? h.Amount : 0;
            await using var totals = new NpgsqlCommand($"""
                insert into factdesk.{name}_totals (stream_id, total, events) values ($1, $2, 1)
                on conflict (stream_id) do update set total = {name}_totals.total + excluded.total, events = {name}_totals.events + 1
                """, connection);
            totals.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = e.StreamId });
            totals.Parameters.Add(new NpgsqlParameter<long> { TypedValue = amount });
            await totals.ExecuteNonQueryAsync(ct);
        }
    }
}

public static class TestStore
{
    public static readonly EventMetadata Metadata = new("tester", "editor", "corr-1", "cause-1");

    public static async Task<TamperEvidentLog> CreateAsync(string purpose, params IProjection[] projections) =>
        await OpenAsync(await PostgresServer.CreateDatabaseForAsync(purpose), projections);

    /// <summary>A store on an existing database: a second service instance beside the first.</summary>
    public static async Task<TamperEvidentLog> OpenAsync(string connectionString, params IProjection[] projections)
    {
        var store = Build(connectionString, projections);
        await store.MigrateAsync();
        return store;
    }

    /// <summary>A store on an existing database whose schema it has not touched yet: a service instance before start-up.</summary>
    public static TamperEvidentLog Build(string connectionString, params IProjection[] projections)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var types = new EventTypeRegistry(new JsonSerializerOptions(JsonSerializerDefaults.Web)).RegisterAssembly(typeof(TestStore).Assembly);
        var options = new TamperEvidentLogOptions();
        options.Projections.AddRange(projections);
        return new TamperEvidentLog(dataSource, types, options);
    }

    /// <summary>Runs the daemon until the async projections (the ledger among them) have read every stored event.</summary>
    public static async Task CatchUpLedgerAsync(this TamperEvidentLog store)
    {
        await using var daemon = await store.StartDaemonAsync();
        await new ProjectionControl(store).CatchUpAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts Marten's async daemon on the store, running every async projection; dispose to stop it.</summary>
    public static async Task<RunningDaemon> StartDaemonAsync(this TamperEvidentLog store)
    {
        var daemon = await store.Marten.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        return new RunningDaemon(daemon);
    }

    public sealed class RunningDaemon(JasperFx.Events.Daemon.IProjectionDaemon daemon) : IAsyncDisposable
    {

        public async ValueTask DisposeAsync()
        {
            await daemon.StopAllAsync();
            daemon.Dispose();
        }
    }

    /// <summary>
    /// A writer that appends one event through Marten inside a transaction it keeps open: the slow writer of the
    /// high-water-mark tests. Returns the position it drew; commit or roll back the transaction to finish it.
    /// </summary>
    public static async Task<long> AppendInOpenTransactionAsync(this TamperEvidentLog store, NpgsqlTransaction transaction, string name)
    {
        await using var session = store.Marten.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction));
        var action = session.Events.StartStream(Guid.NewGuid(), new ThingHappened(name, 1));
        await session.SaveChangesAsync();
        return action.Events[0].Sequence;
    }

    public static async Task<T> ScalarAsync<T>(this TamperEvidentLog store, string sql)
    {
        await using var cmd = store.DataSource.CreateCommand(sql);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    public static Task<List<object[]>> RowsAsync(this TamperEvidentLog store, string sql) => store.DataSource.RowsAsync(sql);
}
