using System.Diagnostics;
using System.Threading.Channels;
using JasperFx.Events.Daemon;
using Npgsql;

namespace FactDesk.TamperEvidence;

/// <summary>Progress of a rebuild: events done so far out of the total, and the time taken.</summary>
public sealed record ProjectionProgress(string Projection, long EventsDone, long EventsTotal, TimeSpan Elapsed)
{
    public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? EventsDone / Elapsed.TotalSeconds : 0;
    public TimeSpan? Remaining => EventsPerSecond > 0 ? TimeSpan.FromSeconds((EventsTotal - EventsDone) / EventsPerSecond) : null;
}

/// <summary>
/// What operators and tests ask of the projections: where each one is, waiting until they have caught up, and
/// rebuilding one. Async projections run on Marten's daemon (its progress); inline ones are FactDesk's group commit's.
/// A rebuild of either replays the log into it here, in one transaction. <paramref name="coordinator"/> is this
/// instance's hot/cold coordinator, when it runs one: a rebuild pauses it while it replays a projection it runs.
/// </summary>
public sealed class ProjectionControl(TamperEvidentLog store, Marten.Events.Daemon.Coordination.IProjectionCoordinator? coordinator = null)
{
    /// <summary>
    /// Set to <c>on</c> (transaction-local) while a rebuild replays, so a projection can tell replayed history from
    /// news, e.g. to stay silent instead of announcing every old change: <c>current_setting('factdesk.replaying', true)</c>.
    /// </summary>
    public const string ReplayingSetting = "factdesk.replaying";

    public IEnumerable<IProjection> AsyncProjections => store.AsyncProjections.Select(p => p.Projection);

    /// <summary>The last position an async projection has committed (Marten's <c>mt_event_progression</c>); 0 before it ran.</summary>
    public async Task<long> GetCheckpointAsync(string projection, CancellationToken ct = default)
    {
        await using var cmd = store.DataSource.CreateCommand($"select last_seq_id from {store.Schema}.mt_event_progression where name = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ShardName(projection) });
        return await cmd.ExecuteScalarAsync(ct) is long position ? position : 0;
    }

    /// <summary>
    /// For each async projection this instance's coordinator runs, applies what Marten's daemon moved its progress
    /// past without handing it over (<see cref="DaemonProjection.ApplySkippedTailAsync"/>). Cheap when there is none:
    /// one query finds the projections whose last range ended before their progress. Returns the names it caught up.
    /// </summary>
    public async Task<IReadOnlyList<string>> ApplySkippedTailsAsync(CancellationToken ct = default)
    {
        if (coordinator is null) return [];
        var behind = new List<string>();
        await using (var cmd = store.DataSource.CreateCommand($"""
            select p.name from {store.Schema}.mt_event_progression p
            left join {store.Schema}.daemon_positions d on d.projection || ':All' = p.name
            where p.name like '%:All' and p.last_seq_id > coalesce(d.position, 0)
            """))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) behind.Add(reader.GetString(0));
        if (behind.Count == 0) return [];
        var running = RunningShards();
        var applied = new List<string>();
        foreach (var projection in store.AsyncProjections.Where(p => behind.Contains(ShardName(p.Projection.Name)) && running.Contains(ShardName(p.Projection.Name))))
        {
            try
            {
                if (await projection.ApplySkippedTailAsync(ct)) applied.Add(projection.Projection.Name);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // Reported like a failed batch; the next pass tries again, and the other projections go on.
                store.OnProjectionFailed(projection.Projection.Name, e);
            }
        }
        return applied;
    }

    /// <summary>The shards this instance's coordinator runs now (none without a coordinator).</summary>
    private HashSet<string> RunningShards() => AgentsHere(JasperFx.AgentStatus.Running);

    /// <summary>
    /// The shards whose hot/cold lock this instance's coordinator holds: running, or paused by the daemon after failures
    /// (the lock stays with a paused agent).
    /// </summary>
    private HashSet<string> ShardsHeldHere() => AgentsHere(JasperFx.AgentStatus.Running, JasperFx.AgentStatus.Paused);

    private HashSet<string> AgentsHere(params JasperFx.AgentStatus[] statuses) => coordinator?.DaemonForMainDatabase().CurrentAgents()
        .Where(agent => statuses.Contains(agent.Status)).Select(agent => agent.Name.Identity).ToHashSet() ?? [];

    /// <summary>Marten's name for the one shard of a FactDesk projection.</summary>
    public static string ShardName(string projection) => projection + ":All";

    /// <summary>
    /// Waits until every async projection has read every event stored when called (the daemon must be running): Marten's
    /// progress and where the projection's last range ended (they differ after events the daemon skipped) are both there.
    /// </summary>
    public async Task CatchUpAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        var target = await LastPositionAsync(limit.Token);
        if (target == 0) return;
        var names = AsyncProjections.Select(p => p.Name).ToArray();
        while (true)
        {
            await using (var cmd = store.DataSource.CreateCommand($"""
                select count(*) from unnest($1::text[]) n(projection)
                left join {store.Schema}.mt_event_progression p on p.name = n.projection || ':All'
                left join {store.Schema}.daemon_positions d on d.projection = n.projection
                where least(coalesce(p.last_seq_id, 0), coalesce(d.position, 0)) < $2
                """))
            {
                cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
                cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = target });
                if ((long)(await cmd.ExecuteScalarAsync(limit.Token))! == 0) return;
            }
            // Without this instance's coordinator (a test's bare daemon, a tool) nothing else applies what the daemon
            // skipped at the end of the log; the row lock makes it safe from anywhere.
            if (coordinator is null)
                foreach (var projection in store.AsyncProjections)
                    if (await GetCheckpointAsync(projection.Projection.Name, limit.Token) >= target)
                        await projection.ApplySkippedTailAsync(limit.Token);
            await Task.Delay(20, limit.Token);
        }
    }

    /// <summary>
    /// Empties a projection's tables and replays the log into it in one transaction, so readers keep the old rows until
    /// it commits. An inline one takes every event (appends that write its tables wait for it). An async one takes the
    /// events below the daemon's high-water mark, with no agent running it meanwhile, and commits its progress with the
    /// rows, so the daemon goes on from there.
    /// </summary>
    public async Task RebuildAsync(string name, IProgress<ProjectionProgress>? progress = null, CancellationToken ct = default)
    {
        var projection = store.Options.Projections.SingleOrDefault(p => p.Name == name)
            ?? throw new ArgumentException($"No projection named '{name}'. Known: {string.Join(", ", store.Options.Projections.Select(p => p.Name))}.");
        if (projection.Lifecycle == ProjectionLifecycle.Async)
            await RebuildAsyncProjectionAsync(store.AsyncProjections.Single(p => p.Projection == projection), progress, ct);
        else
            await ReplayAsync(new Replay(projection, Ceiling: long.MaxValue, projection.ApplyAsync)
            {
                ApplyRange = projection is IRangeProjection range ? range.ApplyRangeAsync : null,
            }, progress, ct);
    }

    /// <summary>
    /// Marten's own rebuild (<c>RebuildProjectionAsync</c>, what JasperFx's <c>projections rebuild</c> runs) loads and
    /// deserializes every event for the daemon, and FactDesk's SQL projection then reads it again, one page and one
    /// commit at a time (16,000-19,000 events/s for the audit trail). The projection needs neither, so it is replayed
    /// the way an inline one is, up to the high-water mark (below it no open transaction can still add an event), and
    /// the shard's progress is set to that mark in the same transaction.
    /// <para>
    /// No agent may run the projection meanwhile: one started from the old progress would wait for the replay's locks
    /// and then stop on the moved progress (or deadlock with it). When this instance runs it, its coordinator is paused
    /// (every async projection of this instance waits for the replay; the shard's hot/cold lock stays with it, so no
    /// other instance takes the projection) and resumed after. Otherwise the replay takes the shard's lock for its
    /// transaction, and refuses when an instance holds it.
    /// </para>
    /// </summary>
    private async Task RebuildAsyncProjectionAsync(DaemonProjection projection, IProgress<ProjectionProgress>? progress, CancellationToken ct)
    {
        // One rebuild at a time here: two would pause and resume the one coordinator under each other's replay.
        await _rebuilding.WaitAsync(ct);
        try { await RebuildAsyncProjectionAloneAsync(projection, progress, ct); }
        finally { _rebuilding.Release(); }
    }

    private readonly SemaphoreSlim _rebuilding = new(1, 1);

    private async Task RebuildAsyncProjectionAloneAsync(DaemonProjection projection, IProgress<ProjectionProgress>? progress, CancellationToken ct)
    {
        var name = projection.Projection.Name;
        var shard = ShardName(name);
        // One connection for the replay and, should an event fail, for the replay again: the shard's lock is held across both.
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        // Those to wait for after the resume; a paused one may fail again, so it is not waited for.
        var runningHere = RunningShards();
        var runsHere = ShardsHeldHere().Contains(shard);
        long? shardLock = null;
        // This instance's coordinator may hold the lock while it (re)starts the projection's agent (after another rebuild
        // resumed it, say): the agent shows up within a moment. An agent that fails to start lets the lock go. Another
        // instance's agent does neither.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!runsHere && (shardLock = await TryTakeShardLockAsync(connection, name, ct)) is null)
        {
            if (coordinator is null || clock.Elapsed > TimeSpan.FromSeconds(10))
                throw new InvalidOperationException(
                    $"A running instance of the service holds the async projection '{name}' (Marten's daemon lock). " +
                    "Stop the service instances, or rebuild it from the instance that runs it, then try again.");
            await Task.Delay(20, ct);
            runsHere = ShardsHeldHere().Contains(shard);
            if (runsHere) runningHere = RunningShards();
        }
        if (runsHere) await coordinator!.PauseAsync();
        try
        {
            var ceiling = await CurrentHighWaterMarkAsync();
            // The second, isolating pass goes in slices as small as a daemon batch's: a slice that fails costs a savepoint
            // per event, and a range that fails is read into memory, so neither may be a whole page or range of the replay.
            async Task ApplyIsolatingInSlicesAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken c)
            {
                foreach (var slice in events.Chunk((int)DaemonProjection.SkippedTailSlice))
                    await projection.ApplyIsolatingFailuresAsync(connection, slice, c);
            }
            Replay Replay(bool isolating) => new(projection.Projection, ceiling, isolating
                ? ApplyIsolatingInSlicesAsync
                : (connection, events, c) => FaultOfTheEvents(() => projection.Projection.ApplyAsync(connection, events, c), c))
            {
                ApplyRange = projection.Projection is IRangeProjection range
                    ? isolating
                        ? (connection, after, upTo, c) => projection.ApplyInSlicesAsync(connection, after, upTo,
                            (from, to, read) => store.ReadRangeAsync(connection, from, to, read), c)
                        : (connection, after, upTo, c) => FaultOfTheEvents(() => range.ApplyRangeAsync(connection, after, upTo, c), c)
                    : null,
                Before = async (connection, c) =>
                {
                    // As a daemon batch of the projection does: a second safeguard, should a batch still be under way,
                    // against writing beside the rebuilt rows.
                    await projection.LockPositionAsync(connection, null, replaying: false, c);
                    await ForgetDeadLettersAsync(connection, name, ceiling, c);
                },
                After = (connection, c) => SetProgressAsync(connection, name, ceiling, c),
            };
            // Every page under a savepoint of its own would cost ~200 subtransactions per 1,000,000 events in one long
            // transaction; past 64, every other backend's snapshot checks pg_subtrans while it runs. So the replay goes
            // without savepoints, and only when an event fails it starts again, setting aside each event that fails.
            try { await ReplayAsync(Replay(isolating: false), progress, ct, connection); }
            catch (ProjectionFaultException) { await ReplayAsync(Replay(isolating: true), progress, ct, connection); }
        }
        finally
        {
            if (shardLock is { } held) await ReleaseShardLockAsync(connection, held);
            if (runsHere)
            {
                await coordinator!.ResumeAsync();
                // Resumed, the coordinator starts its agents on its next pass: wait for them, so that what follows (another
                // rebuild, for one) finds this instance running the projections it ran, as before the replay.
                await WaitUntilRunningHereAsync(runningHere, TimeSpan.FromSeconds(30));
            }
        }
    }

    /// <summary>
    /// The daemon's high-water mark, checked now, by a daemon of its own that runs nothing (checking stops a
    /// daemon's high-water agent, so the running one is left alone).
    /// </summary>
    private async Task<long> CurrentHighWaterMarkAsync()
    {
        using var checking = await store.Marten.BuildProjectionDaemonAsync();
        await checking.PrepareForRebuildsAsync();
        return checking.Tracker.HighWaterMark;
    }

    /// <summary>
    /// Takes, for the replay (both attempts, should an event fail), the advisory lock by which Marten's hot/cold daemon
    /// decides which instance runs the projection. Held by an instance, it means that instance runs the projection, so
    /// the replay refuses; held by the replay, no instance starts the projection until it is released. Returns its id,
    /// or null when another session holds it.
    /// </summary>
    private async Task<long?> TryTakeShardLockAsync(NpgsqlConnection connection, string name, CancellationToken ct)
    {
        var projections = store.Marten.Options.Projections;
        var shard = projections.AllShards().Single(s => s.Name.Identity == ShardName(name)).Name;
        var lockId = ProjectionLockIds.Compute(store.Marten.Options.Events.DatabaseSchemaName, shard, projections.DaemonLockId);
        await using var take = new NpgsqlCommand("select pg_try_advisory_lock($1)", connection);
        take.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lockId });
        return await take.ExecuteScalarAsync(ct) is true ? lockId : null;
    }

    /// <summary>
    /// Waits, at most the time given, until this instance's coordinator runs every one of the shards. Polls the agents'
    /// status: the daemon's own <c>WaitForShardToBeRunning</c> is satisfied by the shard's last recorded progress, so it
    /// returns at once for an agent stopped by a pause and not yet started again.
    /// </summary>
    private async Task WaitUntilRunningHereAsync(IReadOnlyCollection<string> shards, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!RunningShards().IsSupersetOf(shards) && clock.Elapsed < timeout) await Task.Delay(20);
    }

    private static async Task ReleaseShardLockAsync(NpgsqlConnection connection, long lockId)
    {
        // A connection that broke took the lock with its session; the pool's reset would release it too.
        if (connection.State != System.Data.ConnectionState.Open) return;
        await using var release = new NpgsqlCommand("select pg_advisory_unlock($1)", connection);
        release.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lockId });
        try { await release.ExecuteScalarAsync(CancellationToken.None); }
        catch (NpgsqlException) { }
    }

    /// <summary>
    /// The replay gives every event up to the ceiling to the projection again, setting aside again those it still
    /// cannot apply: dead letters from before, which a fixed projection would no longer produce, go.
    /// </summary>
    private async Task ForgetDeadLettersAsync(NpgsqlConnection connection, string name, long ceiling, CancellationToken ct)
    {
        await using var forget = new NpgsqlCommand($"delete from {store.Schema}.projection_dead_letters where projection = $1 and position <= $2", connection);
        forget.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        forget.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ceiling });
        await forget.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A projection failed on the events it was given, through no fault of the database or the connection.</summary>
    private sealed class ProjectionFaultException(Exception inner) : Exception(inner.Message, inner);

    private static async Task FaultOfTheEvents(Func<Task> apply, CancellationToken ct)
    {
        try { await apply(); }
        catch (Exception e) when (!DaemonProjection.IsTransient(e) && e is not OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new ProjectionFaultException(e);
        }
    }

    /// <summary>Sets where the projection stands, FactDesk's record and Marten's progress alike, to the replay's ceiling.</summary>
    private async Task SetProgressAsync(NpgsqlConnection connection, string name, long ceiling, CancellationToken ct)
    {
        await using var set = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"update {store.Schema}.daemon_positions set position = $2 where projection = $1")
                    { Parameters = { new NpgsqlParameter<string> { TypedValue = name }, new NpgsqlParameter<long> { TypedValue = ceiling } } },
                new NpgsqlBatchCommand($"""
                    insert into {store.Schema}.mt_event_progression (name, last_seq_id, last_updated) values ($1, $2, transaction_timestamp())
                    on conflict (name) do update set last_seq_id = excluded.last_seq_id, last_updated = excluded.last_updated
                    """)
                    { Parameters = { new NpgsqlParameter<string> { TypedValue = ShardName(name) }, new NpgsqlParameter<long> { TypedValue = ceiling } } },
            },
        };
        await set.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// What a rebuild replays: the projection, the last position it takes, how it applies a page of events, and
    /// optionally how it applies a range on the server (<see cref="IRangeProjection"/>) and what the transaction does
    /// before and after the replay.
    /// </summary>
    private sealed record Replay(IProjection Projection, long Ceiling, Func<NpgsqlConnection, IReadOnlyList<RecordedEvent>, CancellationToken, Task> Apply)
    {
        public Func<NpgsqlConnection, long, long, CancellationToken, Task>? ApplyRange { get; init; }
        public Func<NpgsqlConnection, CancellationToken, Task>? Before { get; init; }
        public Func<NpgsqlConnection, CancellationToken, Task>? After { get; init; }
    }

    private async Task ReplayAsync(Replay replay, IProgress<ProjectionProgress>? progress, CancellationToken ct, NpgsqlConnection? on = null)
    {
        var name = replay.Projection.Name;
        var clock = Stopwatch.StartNew();
        await using var opened = on is null ? await store.DataSource.OpenConnectionAsync(ct) : null;
        var connection = on ?? opened!;
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var replaying = new NpgsqlCommand($"select set_config('{ReplayingSetting}', 'on', true)", connection))
            await replaying.ExecuteNonQueryAsync(ct);
        if (replay.Before is not null) await replay.Before(connection, ct);
        foreach (var table in replay.Projection.Tables)
        {
            // Appends write inline projections too: the exclusive lock makes them wait for the rebuild, not interleave.
            await using var clear = new NpgsqlCommand($"lock table {store.Schema}.{table} in exclusive mode; delete from {store.Schema}.{table}", connection);
            await clear.ExecuteNonQueryAsync(ct);
        }
        var total = await CountAsync(ct, replay.Ceiling, connection);
        long done = 0;
        var lastReport = TimeSpan.Zero;
        void Report()
        {
            if (clock.Elapsed - lastReport <= TimeSpan.FromSeconds(1)) return;
            lastReport = clock.Elapsed;
            progress?.Report(new ProjectionProgress(name, done, total, clock.Elapsed));
        }
        if (replay.ApplyRange is { } applyRange)
        {
            // Computed on the server: no event is read here, a range of positions is handed over at a time.
            var last = Math.Min(replay.Ceiling, await LastPositionAsync(ct, connection));
            for (long after = 0; after < last;)
            {
                var upTo = Math.Min(after + RebuildRangeSize, last);
                await applyRange(connection, after, upTo, ct);
                done += await CountAsync(ct, upTo, connection, after);
                after = upTo;
                Report();
            }
        }
        else
        {
            await ReplayPagesAsync(connection, replay, events => { done += events.Count; Report(); }, ct);
        }
        if (replay.After is not null) await replay.After(connection, ct);
        await tx.CommitAsync(ct);
        progress?.Report(new ProjectionProgress(name, done, total, clock.Elapsed));
    }

    /// <summary>
    /// Reads the log on a second connection while the pages already read are applied on this one: reading (the
    /// server's scan, the client's JSON) and applying overlap instead of taking turns. Started after the replay's
    /// locks, so it reads what the appends that could write these tables committed before the rebuild, as a read in
    /// its transaction would.
    /// </summary>
    private async Task ReplayPagesAsync(NpgsqlConnection connection, Replay replay, Action<IReadOnlyList<RecordedEvent>> applied, CancellationToken ct)
    {
        // One page waiting while one is applied and the next read: pages are large, three is enough to keep both busy.
        var pages = Channel.CreateBounded<IReadOnlyList<RecordedEvent>>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(async () =>
        {
            try
            {
                long position = 0;
                while (true)
                {
                    var page = await store.ReadAllAsync(position, replay.Ceiling, RebuildPageSize, stopReading.Token);
                    if (page.Count == 0) break;
                    await pages.Writer.WriteAsync(page, stopReading.Token);
                    position = page[^1].Position;
                }
                pages.Writer.Complete();
            }
            catch (Exception e)
            {
                pages.Writer.Complete(e);
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var events in pages.Reader.ReadAllAsync(ct))
            {
                await replay.Apply(connection, events, ct);
                applied(events);
            }
        }
        finally
        {
            await stopReading.CancelAsync();
            await reading;
        }
    }

    /// <summary>Events per page of a rebuild's read.</summary>
    private const int RebuildPageSize = 20_000;

    /// <summary>Positions per statement of a rebuild computed on the server (<see cref="IRangeProjection"/>).</summary>
    private const long RebuildRangeSize = 100_000;

    private async Task<long> LastPositionAsync(CancellationToken ct, NpgsqlConnection? connection = null)
    {
        var sql = $"select coalesce(max(seq_id), 0) from {store.Schema}.mt_events";
        await using var cmd = connection is null ? store.DataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task<long> CountAsync(CancellationToken ct, long upTo = long.MaxValue, NpgsqlConnection? connection = null, long after = 0)
    {
        var sql = $"select count(*) from {store.Schema}.mt_events where seq_id > $2 and seq_id <= $1";
        await using var cmd = connection is null ? store.DataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
