using System.Security.Cryptography;
using System.Text.Json;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Bench;

/// <summary>The event every append workload writes: the size and shape of a verdict on a claim.</summary>
[EventType("bench.claim-verdict-given.v1")]
public sealed record ClaimVerdictGiven(Guid ClaimId, string Verdict, int Confidence, string Note);

public static class AppendPayload
{
    public const string StreamType = "claim";
    public const string EventType = "bench.claim-verdict-given.v1";
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Note =
        "The quoted unemployment figure is from the 2019 survey, not the current one; the current rate is 1.4 points higher. Sources attached.";

    public static ClaimVerdictGiven NextEvent() => new(Guid.NewGuid(), "misleading", Random.Shared.Next(50, 100), Note);

    public static EventMetadata NextMetadata(int writer) =>
        new($"bench-writer-{writer}", "editor", Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
}

/// <summary>
/// One writer's position: its own streams, each written from a new stream up to a fixed length, then a fresh one.
/// With 20 events a stream, 1 append in 20 creates a stream and the rest append at an exact version.
/// </summary>
public sealed class WriterStreams(int eventsPerStream)
{
    public Guid StreamId { get; private set; } = Guid.NewGuid();
    /// <summary>The stream's version before the next append (0: it does not exist yet).</summary>
    public long Version { get; private set; }

    public void Appended()
    {
        if (++Version < eventsPerStream) return;
        (StreamId, Version) = (Guid.NewGuid(), 0);
    }
}

/// <summary>A workload run by <see cref="ClosedLoop"/> inside this process.</summary>
public interface IAppendWorkload
{
    string Name { get; }
    Task PrepareAsync();
    /// <summary>Empties what earlier cells wrote, so every cell starts from empty tables.</summary>
    Task ClearAsync();
    Func<Task> CreateWriter(int writer);
    /// <summary>For a workload on group commit: its commits and the appends they carried so far, to tell its batching.</summary>
    FactDesk.GroupCommit.GroupCommitCounts? GroupCommits => null;
}

/// <summary>
/// The reference: one INSERT of the event row into a plain table (no keys, no indexes), one per transaction,
/// through the same pool and the same per-append connection checkout as the event store.
/// </summary>
public sealed class RawInsertWorkload(NpgsqlDataSource dataSource, int eventsPerStream) : IAppendWorkload
{
    public const string Table = "bench_raw.events";

    public string Name => "raw INSERT (.NET)";

    public Task PrepareAsync() => Execute($"""
        create schema if not exists bench_raw;
        create table if not exists {Table} (
            stream_id uuid not null,
            version bigint not null,
            event_id uuid not null,
            type text not null,
            data jsonb not null,
            metadata jsonb not null,
            recorded_at timestamptz not null,
            hash bytea not null);
        """);

    public Task ClearAsync() => Execute($"truncate {Table}");

    public Func<Task> CreateWriter(int writer)
    {
        var streams = new WriterStreams(eventsPerStream);
        return async () =>
        {
            var data = JsonSerializer.Serialize(AppendPayload.NextEvent(), AppendPayload.Json);
            var metadata = JsonSerializer.Serialize(AppendPayload.NextMetadata(writer), AppendPayload.Json);
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var cmd = new NpgsqlCommand(
                $"insert into {Table} (stream_id, version, event_id, type, data, metadata, recorded_at, hash) values ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8)",
                connection);
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streams.StreamId });
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = streams.Version + 1 });
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.NewGuid() });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = AppendPayload.EventType });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = data });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = metadata });
            cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.UtcNow });
            cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = RandomNumberGenerator.GetBytes(32) });
            await cmd.ExecuteNonQueryAsync();
            streams.Appended();
        };
    }

    private async Task Execute(string sql)
    {
        await using var cmd = dataSource.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>FactDesk's TamperEvidentLog.AppendAsync: one event per append, expected version checked, as the service calls it.</summary>
public sealed class FactDeskAppendWorkload : IAppendWorkload
{
    // Its own schema: the plain Marten workloads share schema factdesk with a different Marten configuration (no metadata columns).
    public const string Schema = "factdesk_app";
    private readonly TamperEvidentLog _store;
    private readonly int _eventsPerStream;

    /// <param name="configure">changes to the store's defaults (commit lanes, batch size) for a variant's column; null: the defaults.</param>
    public FactDeskAppendWorkload(NpgsqlDataSource dataSource, int eventsPerStream, string? variant = null, Action<TamperEvidentLogOptions>? configure = null)
    {
        var types = new EventTypeRegistry(AppendPayload.Json).Register(typeof(ClaimVerdictGiven), AppendPayload.EventType);
        var options = new TamperEvidentLogOptions { Schema = Schema };
        configure?.Invoke(options);
        // As the service runs it: commits on a pool of their own without Npgsql's reset on return.
        options.CommitConnections = NpgsqlDataSource.Create(
            FactDesk.Api.Hosting.CommitConnections.Settings(new NpgsqlConnectionStringBuilder(dataSource.ConnectionString), options.CommitLanes));
        _store = new TamperEvidentLog(dataSource, types, options);
        _eventsPerStream = eventsPerStream;
        Name = variant is null ? "FactDesk append" : $"FactDesk ({variant})";
    }

    public string Name { get; }

    public FactDesk.GroupCommit.GroupCommitCounts? GroupCommits => _store.GroupCommits;

    public Task PrepareAsync() => _store.MigrateAsync();

    public async Task ClearAsync()
    {
        await using var cmd = _store.DataSource.CreateCommand(
            $"truncate {Schema}.mt_events, {Schema}.mt_streams, {Schema}.event_hashes, {Schema}.stream_heads, {Schema}.ledger, {Schema}.daemon_positions");
        await cmd.ExecuteNonQueryAsync();
    }

    public Func<Task> CreateWriter(int writer)
    {
        var streams = new WriterStreams(_eventsPerStream);
        return async () =>
        {
            var expected = streams.Version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(streams.Version);
            await _store.AppendAsync(streams.StreamId, AppendPayload.StreamType, expected,
                [new EventToAppend(Guid.NewGuid(), AppendPayload.NextEvent())], AppendPayload.NextMetadata(writer));
            streams.Appended();
        };
    }
}
