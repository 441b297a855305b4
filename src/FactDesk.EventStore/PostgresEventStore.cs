using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace FactDesk.EventStore;

/// <summary>Settings of a store: where it lives and which projections it keeps.</summary>
public sealed class EventStoreOptions
{
    public string Schema { get; set; } = "factdesk";
    public List<IProjection> Projections { get; } = [];
    /// <summary>Schema changes of the application's own tables (beyond projections), applied at start-up.</summary>
    public List<Migration> Migrations { get; } = [];
    /// <summary>Let concurrent appends share one statement and one commit (each still checks its own expected version).</summary>
    public bool GroupCommit { get; set; } = true;
    public int MaxAppendsPerCommit { get; set; } = 64;
    /// <summary>How many group commits may be under way at once.</summary>
    public int CommitLanes { get; set; } = 4;
}

/// <summary>
/// An append-only event log on PostgreSQL: streams with versions, a global position, optimistic appends,
/// inline projections in the append's transaction, and reads of a stream whole, up to a version or up to a time.
/// </summary>
public sealed class PostgresEventStore
{
    private readonly IProjection[] _inline;
    private readonly AppendBatcher? _batcher;

    public PostgresEventStore(NpgsqlDataSource dataSource, EventTypeRegistry types, EventStoreOptions options)
    {
        DataSource = dataSource;
        Types = types;
        Options = options;
        Schema = options.Schema;
        if (options.Projections.All(p => p.Name != LedgerProjection.ProjectionName))
            options.Projections.Add(new LedgerProjection { Schema = options.Schema });
        _inline = options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Inline).ToArray();
        if (options.GroupCommit) _batcher = new AppendBatcher(this, options.MaxAppendsPerCommit, options.CommitLanes);
    }

    public NpgsqlDataSource DataSource { get; }
    public EventTypeRegistry Types { get; }
    public EventStoreOptions Options { get; }
    public string Schema { get; }

    /// <summary>Raised after an append commits (in this process), so runners and live feeds can wake at once.</summary>
    public event Action<AppendResult>? Appended;

    /// <summary>Creates or migrates the schema, including every projection's tables.</summary>
    public Task MigrateAsync(CancellationToken ct = default) =>
        EventStoreSchema.MigrateAsync(DataSource, Schema, Options.Projections.SelectMany(p => p.Migrations).Concat(Options.Migrations), ct);

    /// <summary>
    /// Appends events to one stream if it is at the expected version. Concurrent appends share a statement and a commit
    /// (group commit); an append alone is one round trip without inline projections.
    /// A retry with the same event ids writes nothing and returns the stored events with <c>WasRetry</c>.
    /// </summary>
    /// <param name="alsoInTransaction">optional writes that must commit or roll back with the events (not run on a retry).</param>
    /// <exception cref="WrongExpectedVersionException">the stream moved on; nothing was written.</exception>
    public async Task<AppendResult> AppendAsync(
        Guid streamId, string streamType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events,
        EventMetadata metadata, CancellationToken ct = default,
        Func<NpgsqlConnection, AppendResult, CancellationToken, Task>? alsoInTransaction = null)
    {
        if (events.Count == 0) throw new ArgumentException("An append needs at least one event.", nameof(events));
        ct.ThrowIfCancellationRequested();
        var pending = new PendingAppend(streamId, streamType, expected, events,
            events.Select(e => Types.NameOf(e.Data.GetType())).ToArray(),
            events.Select(e => Types.Serialize(e.Data)).ToArray(),
            JsonSerializer.Serialize(metadata, Types.Json), metadata, alsoInTransaction);
        var result = _batcher is null ? await AppendAloneAsync(pending) : await _batcher.AppendAsync(pending);
        if (!result.WasRetry) Appended?.Invoke(result);
        return result;
    }

    /// <summary>One append in its own transaction: the path for an append without company, and the fallback of a failed batch.</summary>
    internal async Task<AppendResult> AppendAloneAsync(PendingAppend pending)
    {
        var ct = CancellationToken.None; // once started, an append runs to its end so its outcome is known
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        var inline = _inline.Length > 0 || pending.AlsoInTransaction is not null;
        await using var tx = inline ? await connection.BeginTransactionAsync(ct) : null;
        try
        {
            await using var cmd = new NpgsqlCommand(
                $"select o_position, o_version, o_recorded_at, o_tx_id::text, o_hash, o_retry from {Schema}.append_events($1, $2, $3, $4, $5, $6, $7)",
                connection);
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = pending.StreamId });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pending.StreamType });
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = pending.Expected.Value });
            cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = pending.Events.Select(e => e.EventId).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = pending.TypeNames });
            cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = pending.Data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = Enumerable.Repeat(pending.MetadataJson, pending.Events.Count).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });

            var recorded = new List<RecordedEvent>(pending.Events.Count);
            var retry = false;
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                {
                    retry = reader.GetBoolean(5);
                    recorded.Add(pending.Recorded(recorded.Count, reader.GetInt64(0), reader.GetInt64(1),
                        reader.GetFieldValue<DateTimeOffset>(2), ulong.Parse(reader.GetString(3)), reader.GetFieldValue<byte[]>(4)));
                }
            var result = new AppendResult(pending.StreamId, recorded[^1].Version, recorded, retry);

            if (inline && !retry)
            {
                foreach (var projection in _inline)
                    await projection.ApplyAsync(connection, recorded, ct);
                if (pending.AlsoInTransaction is not null) await pending.AlsoInTransaction(connection, result, ct);
            }
            if (tx is not null) await tx.CommitAsync(ct);
            return result;
        }
        catch (PostgresException e) when (e.SqlState == "ES001")
        {
            if (tx is not null) await tx.RollbackAsync(CancellationToken.None);
            return await TryReadRetryAsync(pending.StreamId, pending.Events, ct)
                ?? throw new WrongExpectedVersionException(pending.StreamId, pending.Expected, long.Parse(e.MessageText["actual version ".Length..]));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "events_event_id_key")
        {
            // Two copies of one retry raced with "any" expected version: the loser reports the winner's write.
            if (tx is not null) await tx.RollbackAsync(CancellationToken.None);
            return await TryReadRetryAsync(pending.StreamId, pending.Events, ct)
                ?? throw new DuplicateEventIdException("Some event ids of this append are already stored.");
        }
        catch (PostgresException e) when (e.SqlState == "ES002")
        {
            throw new DuplicateEventIdException(e.MessageText);
        }
    }

    /// <summary>
    /// Several appends in one transaction and one statement. Appends are ordered by stream id so that concurrent batches
    /// lock stream rows in the same order. Returns null for an append that lost its race (the caller decides what that means).
    /// </summary>
    internal async Task<AppendResult?[]> AppendTogetherAsync(IReadOnlyList<PendingAppend> batch)
    {
        var ct = CancellationToken.None;
        await using var connection = await DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"select o_request, o_status, o_actual, o_position, o_version, o_recorded_at, o_tx_id::text, o_hash from {Schema}.append_batch($1, $2, $3, $4, $5, $6, $7, $8)",
            connection);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = batch.Select(p => p.StreamId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = batch.Select(p => p.StreamType).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = batch.Select(p => p.Expected.Value).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = batch.Select(p => p.Events.Count).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = batch.SelectMany(p => p.Events.Select(e => e.EventId)).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = batch.SelectMany(p => p.TypeNames).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = batch.SelectMany(p => p.Data).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = batch.SelectMany(p => Enumerable.Repeat(p.MetadataJson, p.Events.Count)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });

        var recorded = batch.Select(p => new List<RecordedEvent>(p.Events.Count)).ToArray();
        var status = new int[batch.Count];
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
            {
                var request = reader.GetInt32(0) - 1;
                status[request] = reader.GetInt32(1);
                if (status[request] == 2) continue;
                recorded[request].Add(batch[request].Recorded(recorded[request].Count, reader.GetInt64(3), reader.GetInt64(4),
                    reader.GetFieldValue<DateTimeOffset>(5), ulong.Parse(reader.GetString(6)), reader.GetFieldValue<byte[]>(7)));
            }

        var results = new AppendResult?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
            if (status[i] != 2) results[i] = new AppendResult(batch[i].StreamId, recorded[i][^1].Version, recorded[i], status[i] == 1);
        var appended = Enumerable.Range(0, batch.Count).Where(i => status[i] == 0).ToArray();
        if (appended.Length > 0)
        {
            var events = appended.SelectMany(i => recorded[i]).ToList();
            foreach (var projection in _inline)
                await projection.ApplyAsync(connection, events, ct);
            foreach (var i in appended)
                if (batch[i].AlsoInTransaction is { } also) await also(connection, results[i]!, ct);
        }
        await tx.CommitAsync(ct);
        return results;
    }

    /// <summary>Convenience for a single event with a fresh id.</summary>
    public Task<AppendResult> AppendAsync(Guid streamId, string streamType, ExpectedVersion expected, object @event, EventMetadata metadata, CancellationToken ct = default) =>
        AppendAsync(streamId, streamType, expected, [new EventToAppend(Guid.NewGuid(), @event)], metadata, ct);

    internal async Task<AppendResult?> TryReadRetryAsync(Guid streamId, IReadOnlyList<EventToAppend> events, CancellationToken ct)
    {
        var ids = events.Select(e => e.EventId).ToArray();
        var stored = await QueryAsync($"where e.event_id = any($1) order by e.position", [new NpgsqlParameter<Guid[]> { TypedValue = ids }], ct);
        if (stored.Count != ids.Length || stored.Any(e => e.StreamId != streamId)) return null;
        return new AppendResult(streamId, stored[^1].Version, stored, WasRetry: true);
    }

    /// <summary>Reads one stream in version order, optionally only up to a version or up to a moment.</summary>
    public Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(Guid streamId, long? toVersion = null, DateTimeOffset? asOf = null, CancellationToken ct = default) =>
        QueryAsync("where e.stream_id = $1 and ($2::bigint is null or e.version <= $2) and ($3::timestamptz is null or e.recorded_at <= $3) order by e.version",
            [
                new NpgsqlParameter<Guid> { TypedValue = streamId },
                new NpgsqlParameter { Value = (object?)toVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
                new NpgsqlParameter { Value = (object?)asOf ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            ], ct);

    /// <summary>Reads events in global order after a position (exclusive), up to a position (inclusive).</summary>
    public Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, long toPosition, int limit, CancellationToken ct = default) =>
        ReadAllAsync(null, afterPosition, toPosition, limit, ct);

    internal Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(NpgsqlConnection? connection, long afterPosition, long toPosition, int limit, CancellationToken ct) =>
        QueryAsync("where e.position > $1 and e.position <= $2 order by e.position limit $3",
            [
                new NpgsqlParameter<long> { TypedValue = afterPosition },
                new NpgsqlParameter<long> { TypedValue = toPosition },
                new NpgsqlParameter<int> { TypedValue = limit },
            ], ct, connection);

    /// <summary>The stream's current version and type, or null when it does not exist.</summary>
    public async Task<(long Version, string Type)?> GetStreamStateAsync(Guid streamId, CancellationToken ct = default)
    {
        await using var cmd = DataSource.CreateCommand($"select version, type from {Schema}.streams where id = $1");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>Folds a stream into state (live aggregation), optionally only up to a version or a moment.</summary>
    public async Task<(TState? State, long Version)> AggregateStreamAsync<TState>(
        Guid streamId, StateFolder<TState> folder, long? toVersion = null, DateTimeOffset? asOf = null, CancellationToken ct = default)
        where TState : class
    {
        var events = await ReadStreamAsync(streamId, toVersion, asOf, ct);
        return (folder.Fold(events), events.Count == 0 ? 0 : events[^1].Version);
    }

    private async Task<IReadOnlyList<RecordedEvent>> QueryAsync(string where, NpgsqlParameter[] parameters, CancellationToken ct, NpgsqlConnection? connection = null)
    {
        var sql = $"""
            select e.position, e.stream_id, s.type, e.version, e.event_id, e.type, e.data::text, e.metadata::text, e.recorded_at, e.tx_id::text, e.hash
            from {Schema}.events e join {Schema}.streams s on s.id = e.stream_id
            {where}
            """;
        await using var cmd = connection is null ? DataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
        cmd.Parameters.AddRange(parameters);
        var result = new List<RecordedEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var type = reader.GetString(5);
            var json = JsonDocument.Parse(reader.GetString(6)).RootElement;
            result.Add(new RecordedEvent(
                reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetGuid(4), type,
                Types.Deserialize(type, json),
                JsonSerializer.Deserialize<EventMetadata>(reader.GetString(7), Types.Json)!,
                reader.GetFieldValue<DateTimeOffset>(8), ulong.Parse(reader.GetString(9)), reader.GetFieldValue<byte[]>(10))
            { DataJson = json });
        }
        return result;
    }
}
