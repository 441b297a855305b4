using System.Text.Json;
using FactDesk.GroupCommit;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Services;
using Npgsql;
using NpgsqlTypes;

namespace FactDesk.TamperEvidence;

/// <summary>Settings of a store: where it lives and which projections it keeps.</summary>
public sealed class TamperEvidentLogOptions
{
    public string Schema { get; set; } = "factdesk";
    public List<IProjection> Projections { get; } = [];
    /// <summary>The application's own tables (beyond projections'), created or migrated by Weasel with Marten's schema.</summary>
    public List<Weasel.Core.ISchemaObject> SchemaObjects { get; } = [];
    /// <summary>At most this many appends (to different streams) share one commit.</summary>
    public int MaxAppendsPerCommit { get; set; } = 64;
    /// <summary>How many group commits may be under way at once.</summary>
    public int CommitLanes { get; set; } = 4;
    /// <summary>
    /// Where group commits take their connections, when not from the store's pool: a pool of their own that skips
    /// Npgsql's reset on return (No Reset On Close) keeps the server's cached plans of the hash chain's functions,
    /// which the reset (DISCARD ALL) throws away. Commits leave no session state behind to reset.
    /// </summary>
    public NpgsqlDataSource? CommitConnections { get; set; }

    /// <summary>The state types kept as inline snapshots (see <see cref="Snapshot{TState}"/>).</summary>
    public List<SnapshotSetting> Snapshots { get; } = [];

    /// <summary>
    /// Keeps <typeparamref name="TState"/> (the state of streams of type <paramref name="streamType"/>) as a Marten
    /// inline snapshot: one document per stream, folded by its <c>Create</c>/<c>Apply</c> methods from each append's new
    /// events in the append's own transaction, so a command reads one document instead of replaying the stream
    /// (<see cref="TamperEvidentLog.LoadSnapshotAsync{TState}"/>).
    /// </summary>
    public TamperEvidentLogOptions Snapshot<TState>(string streamType) where TState : class
    {
        Snapshots.Add(new SnapshotSetting(streamType,
            marten => marten.Projections.Snapshot<TState>(SnapshotLifecycle.Inline),
            (log, ct) => log.AddMissingSnapshotsAsync<TState>(streamType, ct)));
        return this;
    }
}

/// <summary>One snapshotted state type: its Marten registration, and how to give its older streams their first snapshot.</summary>
public sealed record SnapshotSetting(string StreamType, Action<StoreOptions> Register, Func<TamperEvidentLog, CancellationToken, Task<int>> AddMissing);

/// <summary>
/// FactDesk's event log: Marten's event store (<c>mt_events</c>, Quick append, FactDesk's stable type names as aliases,
/// actor and idempotency key as headers) with what FactDesk adds on top, all in the append's transaction: group commit
/// across streams, a hash chain per stream over the stored rows, inline projections and the caller's own writes.
/// </summary>
public sealed class TamperEvidentLog : IGroupCommitHook, IAsyncDisposable
{
    private readonly IProjection[] _inline;
    private readonly GroupCommitAppender _appender;

    public TamperEvidentLog(NpgsqlDataSource dataSource, EventTypeRegistry types, TamperEvidentLogOptions options)
    {
        DataSource = dataSource;
        Types = types;
        Options = options;
        Schema = options.Schema;
        if (options.Projections.All(p => p.Name != LedgerProjection.ProjectionName))
            options.Projections.Add(new LedgerProjection { Schema = options.Schema });
        _inline = options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Inline).ToArray();
        AsyncProjections = options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Async)
            .Select(p => new DaemonProjection(this, p)).ToArray();
        Marten = CreateMartenStore(dataSource, types, options.Schema, marten =>
        {
            ConfigureDaemon(marten, options);
            foreach (var snapshot in options.Snapshots) snapshot.Register(marten);
            // Marten's own objects come first in its migration; FactDesk's functions and tables refer to them.
            marten.Storage.ExtendedSchemaObjects.AddRange(LogSchema.EngineObjects(options.Schema)
                .Concat(options.Projections.SelectMany(p => p.SchemaObjects)).Concat(options.SchemaObjects));
        });
        _appender = new GroupCommitAppender(Marten, new GroupCommitOptions
        {
            MaxAppendsPerCommit = options.MaxAppendsPerCommit, Lanes = options.CommitLanes, Hook = this,
            Committed = committed => GroupCommitted?.Invoke(committed),
            Connections = options.CommitConnections,
        });
    }

    public NpgsqlDataSource DataSource { get; }
    public EventTypeRegistry Types { get; }
    public TamperEvidentLogOptions Options { get; }
    public string Schema { get; }
    /// <summary>The Marten store the events live in.</summary>
    public DocumentStore Marten { get; }

    /// <summary>What this instance's group commit has committed so far: transactions, and the appends they carried.</summary>
    public GroupCommitCounts GroupCommits => _appender.Counts;

    /// <summary>Raised on the commit lane for every group commit that committed (for metrics: quick, and never throwing).</summary>
    public event Action<GroupCommitted>? GroupCommitted;

    /// <summary>Raised after an append commits (in this process), so live feeds can wake at once.</summary>
    public event Action<AppendResult>? Appended;

    /// <summary>Raised after the daemon in this process committed a batch of some async projection.</summary>
    public event Action? ProjectionsAdvanced;

    /// <summary>Raised when an async projection's batch failed in this process (the daemon retries it): the projection and the error.</summary>
    public event Action<string, Exception>? ProjectionFailed;

    internal void OnProjectionFailed(string projection, Exception error) => ProjectionFailed?.Invoke(projection, error);

    internal void OnProjectionsAdvanced() => ProjectionsAdvanced?.Invoke();

    /// <summary>Raised when an async projection could not apply one event and set it aside (see <c>projection_dead_letters</c>).</summary>
    public event Action<string, RecordedEvent, Exception>? EventDeadLettered;

    internal void OnEventDeadLettered(string projection, RecordedEvent e, Exception error) => EventDeadLettered?.Invoke(projection, e, error);

    /// <summary>The events async projections set aside, newest first.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ReadDeadLettersAsync(int limit = 100, CancellationToken ct = default)
    {
        await using var cmd = DataSource.CreateCommand(
            $"select projection, position, event_type, error, recorded_at from {Schema}.projection_dead_letters order by recorded_at desc, position desc limit $1");
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var letters = new List<DeadLetter>();
        while (await reader.ReadAsync(ct))
            letters.Add(new DeadLetter(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        return letters;
    }

    private sealed class AppendWakeup : JasperFx.Events.Daemon.HighWater.IDaemonWakeup
    {
        /// <summary>
        /// The high-water query scans the log's tail for gaps (5-6 ms of PostgreSQL's time under load): woken after
        /// every commit it ran some 30 times a second at 350 requests/s. Wake-ups closer than this are held back, so
        /// an append on a quiet service still wakes the daemon at once and a busy one queries at most 10 times a second.
        /// </summary>
        internal static readonly TimeSpan MinimumSpacing = TimeSpan.FromMilliseconds(100);

        private readonly SemaphoreSlim _appended = new(0, 1);
        private long _lastWoken;

        public AppendWakeup(TamperEvidentLog store) => store.Appended += _ =>
        {
            if (_appended.CurrentCount == 0) try { _appended.Release(); } catch (SemaphoreFullException) { }
        };

        public async Task WaitAsync(TimeSpan timeout, CancellationToken token)
        {
            await _appended.WaitAsync(timeout, token);
            var since = System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastWoken));
            if (since < MinimumSpacing) await Task.Delay(MinimumSpacing - since, token);
            Interlocked.Exchange(ref _lastWoken, System.Diagnostics.Stopwatch.GetTimestamp());
        }

        public void Dispose() { }
    }

    private sealed class DaemonCommits(TamperEvidentLog store) : IChangeListener
    {
        public Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
        {
            store.ProjectionsAdvanced?.Invoke();
            return Task.CompletedTask;
        }

        public Task BeforeCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token) => Task.CompletedTask;
    }

    /// <summary>
    /// Marten configured for FactDesk's log: schema, Quick append, Guid streams, every registered event class under its
    /// stable name (a renamed class still reads its stored events), correlation, causation and headers kept per event,
    /// and FactDesk's JSON settings, so the stored data is what the API shows.
    /// </summary>
    public static DocumentStore CreateMartenStore(NpgsqlDataSource dataSource, EventTypeRegistry types, string schema,
        Action<StoreOptions>? configure = null) =>
        DocumentStore.For(options =>
        {
            options.Connection(dataSource);
            options.DatabaseSchemaName = schema;
            options.UseFactDeskEvents(schema);
            options.Events.MetadataConfig.HeadersEnabled = true;
            options.Events.MetadataConfig.CorrelationIdEnabled = true;
            options.Events.MetadataConfig.CausationIdEnabled = true;
            foreach (var (type, name) in types.All)
            {
                options.Events.AddEventType(type);
                options.Events.MapEventType(type, name);
            }
            // Marten keeps the given converters but drops the naming policy (it has its own Casing switch, which would
            // also replace FactDesk's enum converter): put the policy back so events are stored as the API writes them.
            var serializer = new SystemTextJsonSerializer(types.Json);
            serializer.Configure(json => json.PropertyNamingPolicy = types.Json.PropertyNamingPolicy);
            options.Serializer(serializer);
            configure?.Invoke(options);
        });

    /// <summary>Events per page Marten's daemon reads and hands to one of FactDesk's async projections at most.</summary>
    public const int DaemonPageSize = 5_000;

    /// <summary>The ranges of the log the async projections read last, shared between them.</summary>
    // Four of the daemon's largest pages: projections a few pages apart during a catch-up still share reads.
    internal SettledEventsWindow SettledEvents { get; } = new(capacity: 4 * DaemonPageSize);

    /// <summary>The async projections, as Marten's daemon runs them.</summary>
    public IReadOnlyList<DaemonProjection> AsyncProjections { get; }

    /// <summary>
    /// The async projections run on Marten's daemon, in hot/cold mode: each runs on one instance at a time (under an
    /// advisory lock) and moves to another when that one dies. A rebuild empties the projection's tables first.
    /// </summary>
    private void ConfigureDaemon(StoreOptions marten, TamperEvidentLogOptions options)
    {
        marten.Projections.AsyncMode = JasperFx.Events.Daemon.DaemonMode.HotCold;
        marten.Projections.LeadershipPollingTime = 1000;
        marten.Projections.AsyncListeners.Add(new DaemonCommits(this));
        // An append in this process wakes the daemon's high-water agent at once instead of at its next poll (250 ms
        // to 1 s); appends by other instances are found by polling. No NOTIFY: it would serialise every commit.
        marten.Projections.Wakeup = new AppendWakeup(this);
        // Events of a type this service does not know (written by a newer version, or another tool) are still read by
        // FactDesk's projections, which take the range from the log (see DaemonProjection); the daemon need not stop at them.
        marten.Projections.Errors.SkipUnknownEvents = true;
        marten.Projections.RebuildErrors.SkipUnknownEvents = true;
        foreach (var daemonProjection in AsyncProjections)
            marten.Projections.Add(daemonProjection, JasperFx.Events.Projections.ProjectionLifecycle.Async, daemonProjection.Projection.Name,
                async =>
                {
                    // Each page the daemon hands over is a transaction of FactDesk's own (progress lock, range read,
                    // apply, progress saved): larger pages spread that over more events when there is a backlog (a
                    // rebuild, a catch-up); a live page holds only what has committed since the last one.
                    async.BatchSize = DaemonPageSize;
                    foreach (var table in daemonProjection.Projection.Tables)
                        async.DeleteDataInTableOnTeardown($"{options.Schema}.{table}");
                    // The projection's last position goes too, so Marten's own rebuild starts it from the log's first
                    // event, not from the first one it hands over (events of unknown types before that are read too).
                    // Marten runs `delete from <this>` on teardown; a test rebuilds through Marten and checks it. (Its
                    // per-tenant teardown would not take a condition; FactDesk's events are not tenanted.)
                    async.DeleteDataInTableOnTeardown(
                        $"{options.Schema}.daemon_positions where projection = '{daemonProjection.Projection.Name.Replace("'", "''")}'");
                });
    }

    /// <summary>
    /// Creates or migrates Marten's event tables and FactDesk's own (chains, projections, the application's), then
    /// gives streams without a snapshot their first one.
    /// </summary>
    public async Task MigrateAsync(CancellationToken ct = default)
    {
        await LogSchema.MigrateAsync(DataSource, Marten, Schema, ct);
        foreach (var snapshot in Options.Snapshots) await snapshot.AddMissing(this, ct);
    }

    /// <summary>
    /// Gives every stream of the type that has no snapshot yet (written before snapshots were kept) its first one, folded
    /// from its events. Marten folds an append's new events onto the stored snapshot, so an append to such a stream
    /// would otherwise fail. Only missing documents are written; existing ones are left as they are.
    /// </summary>
    public async Task<int> AddMissingSnapshotsAsync<TState>(string streamType, CancellationToken ct = default) where TState : class
    {
        // Marten's default document table: mt_doc_ and the type's name in lower case (FactDesk sets no alias).
        var table = $"{Schema}.mt_doc_{typeof(TState).Name.ToLowerInvariant()}";
        var missing = new List<Guid>();
        await using (var cmd = DataSource.CreateCommand(
            $"select h.stream_id from {Schema}.stream_heads h where h.type = $1 and h.version > 0 and not exists (select 1 from {table} d where d.id = h.stream_id)"))
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamType });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) missing.Add(reader.GetGuid(0));
        }
        foreach (var streamId in missing) await RestoreSnapshotAsync<TState>(streamId, ct);
        return missing.Count;
    }

    /// <summary>
    /// Folds a stream that has no snapshot from its events and stores the result as its snapshot (unless one appeared
    /// meanwhile), so appends to it work again; returns the folded state and version.
    /// </summary>
    public async Task<(TState? State, long Version)> RestoreSnapshotAsync<TState>(Guid streamId, CancellationToken ct = default) where TState : class
    {
        var folded = await AggregateStreamAsync(streamId, StateFolder<TState>.Instance, ct: ct);
        if (folded.State is null) return folded;
        await using var session = Marten.LightweightSession();
        // No append can land on a stream without its snapshot (Marten folds onto it), so the fold cannot be overtaken;
        // only another restore of the same stream can write too, the same document.
        session.Store(folded.State);
        await session.SaveChangesAsync(ct);
        return folded;
    }

    /// <summary>
    /// Appends events to one stream if it is at the expected version. Concurrent appends to different streams share a
    /// commit (group commit). A retry with the same event ids writes nothing and returns the stored events with <c>WasRetry</c>.
    /// </summary>
    /// <param name="alsoInTransaction">optional writes that must commit or roll back with the events (not run on a retry).</param>
    /// <param name="alsoInBatch">
    /// optional single-statement write that must commit or roll back with the events (not run on a retry), sent in one
    /// round trip with those of the other appends in its commit: cheaper than <paramref name="alsoInTransaction"/>.
    /// </param>
    /// <remarks>The events' data must not be changed once appended: the result's <c>DataJson</c> is made from it when first read.</remarks>
    /// <exception cref="WrongExpectedVersionException">the stream moved on; nothing was written.</exception>
    public async Task<AppendResult> AppendAsync(
        Guid streamId, string streamType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events,
        EventMetadata metadata, CancellationToken ct = default,
        Func<NpgsqlConnection, AppendResult, CancellationToken, Task>? alsoInTransaction = null,
        Func<AppendResult, WriteInBatch>? alsoInBatch = null)
    {
        if (events.Count == 0) throw new ArgumentException("An append needs at least one event.", nameof(events));
        ct.ThrowIfCancellationRequested();
        var pending = new PendingAppend(streamId, streamType, events, metadata, alsoInTransaction)
        {
            AlsoInBatch = alsoInBatch,
            TypeNames = events.Select(e => Types.NameOf(e.Data.GetType())).ToArray(),
        };
        var martenEvents = events.Select(e =>
        {
            var built = Marten.Events.BuildEvent(e.Data);
            built.Id = e.EventId;
            built.CorrelationId = metadata.CorrelationId;
            built.CausationId = metadata.CausationId;
            built.SetHeader(MetadataHeaders.ActorName, metadata.ActorName);
            built.SetHeader(MetadataHeaders.ActorRole, metadata.ActorRole);
            if (metadata.IdempotencyKey is not null) built.SetHeader(MetadataHeaders.IdempotencyKey, metadata.IdempotencyKey);
            return (object)built;
        }).ToArray();
        try
        {
            // Once queued, an append runs to its outcome: cancelling the caller must not leave it unknown.
            await _appender.AppendAsync(streamId, expected.Value switch { -1 => GroupCommitAppender.AnyVersion, var v => v },
                martenEvents, pending, CancellationToken.None);
        }
        catch (Exception e) when (e is WrongExpectedVersionException or EventStreamUnexpectedMaxEventIdException or global::Marten.Exceptions.ExistingStreamIdCollisionException
                                      or JasperFx.Events.ExistingStreamIdCollisionException
                                      // the chain runs in Marten's batch, which wraps what it does not know
                                      || (e as PostgresException ?? e.InnerException as PostgresException) is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "event_hashes_event_id_key" })
        {
            var retry = await TryReadRetryAsync(streamId, events, CancellationToken.None);
            if (retry is not null) return retry;
            if (await AnyStoredAsync(events, CancellationToken.None))
                throw new DuplicateEventIdException("Some event ids of this append are already stored.");
            throw new WrongExpectedVersionException(streamId, expected, (await GetStreamStateAsync(streamId, CancellationToken.None))?.Version ?? 0);
        }
        var result = pending.Result!;
        Appended?.Invoke(result);
        return result;
    }

    /// <summary>Convenience for a single event with a fresh id.</summary>
    public Task<AppendResult> AppendAsync(Guid streamId, string streamType, ExpectedVersion expected, object @event, EventMetadata metadata, CancellationToken ct = default) =>
        AppendAsync(streamId, streamType, expected, [new EventToAppend(Guid.NewGuid(), @event)], metadata, ct);

    /// <summary>Nothing here: the lock travels in Marten's batch (see <see cref="IGroupCommitHook.Enlist"/>).</summary>
    Task IGroupCommitHook.BeforeAppendAsync(NpgsqlConnection connection, IReadOnlyList<CommittingAppend> appends, CancellationToken ct) =>
        Task.CompletedTask;

    /// <summary>
    /// Puts the lock of the batch's stream heads before Marten's writes and the hash chain after them, all in Marten's
    /// one round trip. The lock (in stream order, as every batch takes it) checks the expected versions: a writer that
    /// lost its race waits there, then fails without Marten drawing a sequence number (a failed Marten batch that had
    /// drawn some would leave tombstone events in the log). It also takes a transaction id before any number is drawn,
    /// which the high-water mark relies on. The chain hashes the rows as stored.
    /// </summary>
    void IGroupCommitHook.Enlist(IDocumentSession session, IReadOnlyList<CommittingAppend> appends)
    {
        var streamIds = new Guid[appends.Count];
        var streamTypes = new string[appends.Count];
        var expected = new long[appends.Count];
        for (var i = 0; i < appends.Count; i++)
        {
            streamIds[i] = appends[i].StreamId;
            streamTypes[i] = ((PendingAppend)appends[i].Context!).StreamType;
            expected[i] = appends[i].ExpectedVersion;
        }
        var chain = new ChainStreamsOperation(Schema, streamIds, streamTypes);
        foreach (var append in appends) ((PendingAppend)append.Context!).Chain = chain;
        session.QueueOperation(new LockStreamHeadsOperation(Schema, streamIds, streamTypes, expected, session));
        session.QueueOperation(chain);
    }

    // Serializing later gives what Marten stored now as long as nobody changes an event after appending it (AppendAsync
    // says so; FactDesk's events are records built for the append).
    private Func<JsonElement> SerializeLater(object data) => () => JsonSerializer.SerializeToElement(data, data.GetType(), Types.Json);

    /// <summary>
    /// Runs inside each group commit's transaction, after Marten wrote and the chain hashed the events: records them,
    /// feeds them to the inline projections, and runs each append's own writes.
    /// </summary>
    async Task IGroupCommitHook.BeforeCommitAsync(NpgsqlConnection connection, IReadOnlyList<CommittingAppend> appends, CancellationToken ct)
    {
        var pendings = new PendingAppend[appends.Count];
        var recorded = new List<RecordedEvent>[appends.Count];
        var index = new Dictionary<Guid, int>(appends.Count);
        for (var i = 0; i < appends.Count; i++)
        {
            pendings[i] = (PendingAppend)appends[i].Context!;
            recorded[i] = new List<RecordedEvent>(pendings[i].Events.Count);
            index[pendings[i].StreamId] = i;
        }
        var rows = pendings[0].Chain!.Rows;
        foreach (var row in rows)
        {
            var i = index[row.StreamId];
            var pending = pendings[i];
            var n = recorded[i].Count;
            recorded[i].Add(new RecordedEvent(row.Position, pending.StreamId, pending.StreamType, row.Version,
                pending.Events[n].EventId, pending.TypeNames[n], pending.Events[n].Data, pending.Metadata,
                row.RecordedAt, row.TransactionId, row.Hash)
            { ReadDataJson = SerializeLater(pending.Events[n].Data) });
        }
        for (var i = 0; i < pendings.Length; i++)
            pendings[i].Result = new AppendResult(pendings[i].StreamId, recorded[i][^1].Version, recorded[i], WasRetry: false);
        if (_inline.Length > 0)
        {
            var events = recorded.SelectMany(r => r).OrderBy(e => e.Position).ToList();
            foreach (var projection in _inline)
                await projection.ApplyAsync(connection, events, ct);
        }
        foreach (var pending in pendings)
            if (pending.AlsoInTransaction is { } also) await also(connection, pending.Result!, ct);
        // The appends' own single-statement writes (idempotency records) in one round trip, not one each.
        List<WriteInBatch>? writes = null;
        foreach (var pending in pendings)
            if (pending.AlsoInBatch is { } write) (writes ??= []).Add(write(pending.Result!));
        if (writes is not null)
        {
            await using var batch = new NpgsqlBatch(connection);
            foreach (var write in writes) batch.BatchCommands.Add(write.Command);
            await batch.ExecuteNonQueryAsync(ct);
            foreach (var write in writes)
                if (write.Check(write.Command.RecordsAffected) is { } refusal) throw refusal;
        }
    }

    internal async Task<AppendResult?> TryReadRetryAsync(Guid streamId, IReadOnlyList<EventToAppend> events, CancellationToken ct)
    {
        var ids = events.Select(e => e.EventId).ToArray();
        var stored = await QueryAsync(EventRowsSql(Schema, "where e.stream_id = $1 and e.id = any($2) order by e.seq_id"),
            [new NpgsqlParameter<Guid> { TypedValue = streamId }, new NpgsqlParameter<Guid[]> { TypedValue = ids }], ct);
        if (stored.Count != ids.Length) return null;
        return new AppendResult(streamId, stored[^1].Version, stored, WasRetry: true);
    }

    private async Task<bool> AnyStoredAsync(IReadOnlyList<EventToAppend> events, CancellationToken ct)
    {
        await using var cmd = DataSource.CreateCommand($"select exists (select 1 from {Schema}.event_hashes where event_id = any($1))");
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = events.Select(e => e.EventId).ToArray() });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Reads one stream in version order, optionally only up to a version or up to a moment.</summary>
    public Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(Guid streamId, long? toVersion = null, DateTimeOffset? asOf = null, CancellationToken ct = default) =>
        QueryAsync(EventRowsSql(Schema, "where e.stream_id = $1 and ($2::bigint is null or e.version <= $2) and ($3::timestamptz is null or e.timestamp <= $3) order by e.version"),
            [
                new NpgsqlParameter<Guid> { TypedValue = streamId },
                new NpgsqlParameter { Value = (object?)toVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
                new NpgsqlParameter { Value = (object?)asOf ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            ], ct);

    /// <summary>Reads events in global order after a position (exclusive), up to a position (inclusive).</summary>
    public Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, long toPosition, int limit, CancellationToken ct = default) =>
        ReadAllAsync(null, afterPosition, toPosition, limit, ct);

    internal Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(NpgsqlConnection? connection, long afterPosition, long toPosition, int limit, CancellationToken ct) =>
        QueryAsync(EventRowsInRangeSql(Schema, "$1", "$2") + " limit $3",
            [
                new NpgsqlParameter<long> { TypedValue = afterPosition },
                new NpgsqlParameter<long> { TypedValue = toPosition },
                new NpgsqlParameter<int> { TypedValue = limit },
            ], ct, connection);

    /// <summary>Reads every event after a position (exclusive) up to a position (inclusive), inside the caller's transaction.</summary>
    public Task<IReadOnlyList<RecordedEvent>> ReadRangeAsync(NpgsqlConnection connection, long afterPosition, long toPosition, CancellationToken ct) =>
        ReadAllAsync(connection, afterPosition, toPosition, int.MaxValue, ct);

    /// <summary>The stream's current version and type, or null when it does not exist.</summary>
    public async Task<(long Version, string Type)?> GetStreamStateAsync(Guid streamId, CancellationToken ct = default)
    {
        await using var cmd = DataSource.CreateCommand($"select version, type from {Schema}.stream_heads where stream_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>
    /// A stream's inline snapshot (see <see cref="TamperEvidentLogOptions.Snapshot{TState}"/>) and the stream's version,
    /// in one round trip: null state when the stream has no snapshot. The version is read before the document, so the
    /// document is never older than it: a command that decides on a newer document and appends at the version read
    /// loses the race and decides again, as with any concurrent change.
    /// </summary>
    public async Task<(TState? State, long Version)> LoadSnapshotAsync<TState>(Guid streamId, CancellationToken ct = default)
        where TState : class
    {
        await using var session = Marten.QuerySession();
        var batch = session.CreateBatchQuery();
        var stream = batch.Events.FetchStreamState(streamId);
        var state = batch.Load<TState>(streamId);
        await batch.Execute(ct);
        return (await state, (await stream)?.Version ?? 0);
    }

    /// <summary>Folds a stream into state (live aggregation), optionally only up to a version or a moment.</summary>
    public async Task<(TState? State, long Version)> AggregateStreamAsync<TState>(
        Guid streamId, StateFolder<TState> folder, long? toVersion = null, DateTimeOffset? asOf = null, CancellationToken ct = default)
        where TState : class
    {
        var events = await ReadStreamAsync(streamId, toVersion, asOf, ct);
        return (folder.Fold(events), events.Count == 0 ? 0 : events[^1].Version);
    }

    /// <summary>
    /// The log as rows, in SQL: one row per event of Marten's <c>mt_events</c> with its stream's type and its stored
    /// hash, in the columns a <see cref="RecordedEvent"/> is read from: <c>position, stream_id, stream_type, version,
    /// id, type, data</c> (jsonb), <c>actor_name, actor_role, correlation_id, causation_id</c> ('' when absent),
    /// <c>idempotency_key</c> (null when absent), <c>recorded_at, tx_id</c> (text), <c>hash</c> (empty before it is
    /// chained). The one definition of what an event is: every read of events goes through it, and so can a projection
    /// that copies events on the server (<see cref="IRangeProjection"/>). <paramref name="where"/> is appended (it may
    /// name <c>e</c>, the event row); <paramref name="hashRange"/> narrows the join to the hashes.
    /// </summary>
    public static string EventRowsSql(string schema, string where, string hashRange = "") => $"""
        select e.seq_id as position, e.stream_id, coalesce(s.type, '') as stream_type, e.version, e.id, e.type, e.data,
               coalesce(e.headers->>'{MetadataHeaders.ActorName}', '') as actor_name, coalesce(e.headers->>'{MetadataHeaders.ActorRole}', '') as actor_role,
               coalesce(e.correlation_id, '') as correlation_id, coalesce(e.causation_id, '') as causation_id,
               e.headers->>'{MetadataHeaders.IdempotencyKey}' as idempotency_key, e.timestamp as recorded_at, h.tx_id::text as tx_id,
               coalesce(h.hash, '\x'::bytea) as hash
        from {schema}.mt_events e
        left join {schema}.event_hashes h on h.position = e.seq_id {hashRange}
        left join {schema}.stream_heads s on s.stream_id = e.stream_id
        {where}
        """;

    /// <summary>
    /// <see cref="EventRowsSql(string, string, string)"/> for the events after <paramref name="after"/> up to
    /// <paramref name="upTo"/> (SQL expressions, parameters for instance), in global order.
    /// </summary>
    public static string EventRowsInRangeSql(string schema, string after, string upTo) =>
        // The range again for the hashes: without it the planner merge-joins event_hashes from its first row, so every
        // page read the whole log before it (a rebuild of 1,000,000 events spent 1.3 s per page at 500,000).
        EventRowsSql(schema, $"where e.seq_id > {after} and e.seq_id <= {upTo} order by e.seq_id",
            hashRange: $"and h.position > {after} and h.position <= {upTo}");

    /// <summary>Runs a query over <see cref="EventRowsSql"/> and reads its rows as events.</summary>
    private async Task<IReadOnlyList<RecordedEvent>> QueryAsync(string sql, NpgsqlParameter[] parameters, CancellationToken ct,
        NpgsqlConnection? connection = null)
    {
        await using var cmd = connection is null ? DataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
        cmd.Parameters.AddRange(parameters);
        var result = new List<RecordedEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var type = reader.GetString(5);
            // Parsed from text: Npgsql's own JsonDocument reading of jsonb made a rebuild slower (29-31k against 39-42k events/s).
            var json = JsonDocument.Parse(reader.GetString(6)).RootElement;
            var metadata = new EventMetadata(reader.GetString(7), reader.GetString(8), reader.GetString(9), reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetString(11));
            result.Add(new RecordedEvent(
                reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetGuid(4), type,
                null!, metadata,
                reader.GetFieldValue<DateTimeOffset>(12), reader.IsDBNull(13) ? 0 : ulong.Parse(reader.GetString(13)),
                reader.GetFieldValue<byte[]>(14))
            { DataJson = json, ReadData = () => Types.Deserialize(type, json) });
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _appender.DisposeAsync();
        Marten.Dispose();
    }

    /// <summary>An append on its way: what the hook needs to record it, and its outcome once its batch commits.</summary>
    private sealed class PendingAppend(Guid streamId, string streamType, IReadOnlyList<EventToAppend> events, EventMetadata metadata,
        Func<NpgsqlConnection, AppendResult, CancellationToken, Task>? alsoInTransaction)
    {
        public Guid StreamId { get; } = streamId;
        public string StreamType { get; } = streamType;
        public IReadOnlyList<EventToAppend> Events { get; } = events;
        public EventMetadata Metadata { get; } = metadata;
        public Func<NpgsqlConnection, AppendResult, CancellationToken, Task>? AlsoInTransaction { get; } = alsoInTransaction;
        public Func<AppendResult, WriteInBatch>? AlsoInBatch { get; init; }
        public string[] TypeNames { get; init; } = [];
        /// <summary>Set by the batch that committed it (a batch replayed append by append sets it again).</summary>
        public AppendResult? Result { get; set; }
        /// <summary>The chain of the batch that saves it last, with the rows it hashed.</summary>
        public ChainStreamsOperation? Chain { get; set; }
    }
}

/// <summary>
/// One statement that commits with an append, sent in a batch with the other appends' statements; <paramref name="Check"/>
/// gets the rows it affected and returns an exception to roll the commit back (its appends are then replayed one by one,
/// so only this append fails), or null.
/// </summary>
public sealed record WriteInBatch(NpgsqlBatchCommand Command, Func<int, Exception?> Check);

/// <summary>An event an async projection could not apply: which, where, why and when.</summary>
public sealed record DeadLetter(string Projection, long Position, string EventType, string Error, DateTimeOffset RecordedAt);

/// <summary>The Marten event headers that carry FactDesk's metadata beside correlation and causation ids.</summary>
public static class MetadataHeaders
{
    public const string ActorName = "actorName";
    public const string ActorRole = "actorRole";
    public const string IdempotencyKey = "idempotencyKey";
}
