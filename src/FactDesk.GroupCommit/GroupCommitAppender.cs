using System.Threading.Channels;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Npgsql;

namespace FactDesk.GroupCommit;

/// <summary>
/// Group commit on Marten: concurrent appends to different streams are written in one session and one commit, each
/// with its own expected-version check, and each caller awaits its own outcome. No timer: a batch is whatever queued
/// while its lane's previous commit was in flight, so a lone append goes at once. Appends to one stream never share a
/// batch; one a lane held back behind its stream's commit, expecting the version that commit moved past, fails at once.
/// A version conflict fails only its own append (retried alone); any other failure of a batch replays it append by append.
/// A commit whose outcome is unknown (connection lost during COMMIT) is replayed too: appends that had landed then
/// report a version conflict, as a plain Marten retry would.
/// </summary>
public sealed class GroupCommitAppender : IAsyncDisposable
{
    private readonly IDocumentStore _store;
    private readonly IGroupCommitHook? _hook;
    private readonly int _maxBatch;
    // One queue for all lanes: whichever lane is free takes everything queued, so batches grow with the load. (A queue
    // per lane, each stream to one lane, kept a stream's appends in one lane but made batches smaller and cost more
    // commits: the append benchmark fell from about 3,400 to 2,126 events/s at 32 writers.)
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>();
    private readonly Task[] _lanes;
    private readonly NpgsqlDataSource? _connections;
    private readonly Action<GroupCommitted>? _committed;
    private long _commits;
    private long _committedAppends;

    /// <param name="store">a store configured with <see cref="MartenEvents.UseFactDeskEvents"/> (Quick append, Guid streams).</param>
    public GroupCommitAppender(IDocumentStore store, GroupCommitOptions? options = null)
    {
        options ??= new GroupCommitOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAppendsPerCommit, 1, nameof(options.MaxAppendsPerCommit));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Lanes, 1, nameof(options.Lanes));
        if (store.Options.Events.AppendMode != EventAppendMode.Quick || store.Options.Events.StreamIdentity != StreamIdentity.AsGuid)
            throw new ArgumentException("Group commit needs Marten's Quick append mode and Guid stream ids (StoreOptions.UseFactDeskEvents()).", nameof(store));
        _store = store;
        _hook = options.Hook;
        _connections = options.Connections;
        _committed = options.Committed;
        _maxBatch = options.MaxAppendsPerCommit;
        _lanes = Enumerable.Range(0, options.Lanes).Select(_ => Task.Run(RunLaneAsync)).ToArray();
    }

    /// <summary>Commits so far and the appends they carried (an append run alone counts as one commit).</summary>
    public GroupCommitCounts Counts => new(Interlocked.Read(ref _commits), Interlocked.Read(ref _committedAppends));

    /// <summary>
    /// Appends events to one stream if it is at <paramref name="expectedVersion"/> (its version before this append;
    /// 0: the stream must not exist yet) and returns the stream's version after it, once committed.
    /// </summary>
    /// <exception cref="JasperFx.Events.EventStreamUnexpectedMaxEventIdException">the stream is at another version; nothing was written.</exception>
    /// <exception cref="Marten.Exceptions.ExistingStreamIdCollisionException">a new stream was expected but it exists; nothing was written.</exception>
    /// <exception cref="OperationCanceledException">
    /// cancelled while still queued; nothing was written. Once its batch has taken it, an append runs to its outcome.
    /// </exception>
    /// <exception cref="ObjectDisposedException">the appender is being disposed; nothing was written.</exception>
    public Task<long> AppendAsync(Guid streamId, long expectedVersion, IReadOnlyList<object> events, CancellationToken ct = default) =>
        AppendAsync(streamId, expectedVersion, events, context: null, ct);

    /// <summary>No version check: the events go after whatever the stream holds (it is created when missing).</summary>
    public const long AnyVersion = -1;

    /// <summary>
    /// As <see cref="AppendAsync(Guid, long, IReadOnlyList{object}, CancellationToken)"/>, with <paramref name="context"/>
    /// handed to <see cref="GroupCommitOptions.Hook"/> with the stored events. <paramref name="events"/> may hold Marten
    /// <see cref="IEvent"/>s built ahead (to carry ids, correlation, causation and headers of their own).
    /// </summary>
    public Task<long> AppendAsync(Guid streamId, long expectedVersion, IReadOnlyList<object> events, object? context, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedVersion, AnyVersion);
        if (events.Count == 0) throw new ArgumentException("An append needs at least one event.", nameof(events));
        if (ct.IsCancellationRequested) return Task.FromCanceled<long>(ct);

        var pending = new PendingAppend(streamId, expectedVersion, events.ToArray(), context);
        // Registered before it is queued, so a lane that takes it always finds the registration to release.
        if (ct.CanBeCanceled)
            pending.Registration = ct.Register(static (state, token) => ((PendingAppend)state!).TryCancel(token), pending);
        if (!_queue.Writer.TryWrite(pending))
        {
            pending.Registration.Dispose();
            return Task.FromException<long>(new ObjectDisposedException(nameof(GroupCommitAppender)));
        }
        return pending.Done.Task;
    }

    /// <summary>Stops taking appends and waits until every queued one has reached its outcome.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_lanes).ConfigureAwait(false);
    }

    private async Task RunLaneAsync()
    {
        var batch = new List<PendingAppend>(_maxBatch);
        var streams = new HashSet<Guid>();
        // Taken from the queue but to a stream already in the batch: they go first in the next one, in arrival order.
        var deferred = new Queue<PendingAppend>();
        while (deferred.Count > 0 || await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            streams.Clear();
            for (var n = deferred.Count; n > 0; n--)
            {
                var pending = deferred.Dequeue();
                if (batch.Count < _maxBatch && streams.Add(pending.StreamId)) batch.Add(pending);
                else deferred.Enqueue(pending);
            }
            for (var reads = 0; batch.Count < _maxBatch && reads < _maxBatch && _queue.Reader.TryRead(out var pending); reads++)
            {
                if (!pending.TryTake()) continue; // cancelled while queued
                if (streams.Add(pending.StreamId)) batch.Add(pending);
                else deferred.Enqueue(pending);
            }
            if (batch.Count == 0) continue;
            try
            {
                await CommitAsync(batch).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // CommitAsync settles every append itself; this only keeps the lane alive should that ever fail.
                foreach (var pending in batch) pending.Done.TrySetException(e);
            }
            FailDeferredBehindTheirStream(batch, deferred);
        }
    }

    /// <summary>
    /// A deferred append that expected its stream at a version the batch just moved it past can only fail: it fails now,
    /// as a version conflict, instead of going into the next batch and stopping that batch at its lock.
    /// </summary>
    private static void FailDeferredBehindTheirStream(List<PendingAppend> batch, Queue<PendingAppend> deferred)
    {
        if (deferred.Count == 0) return;
        Dictionary<Guid, long>? moved = null;
        foreach (var pending in batch)
            if (pending.Done.Task.IsCompletedSuccessfully) (moved ??= [])[pending.StreamId] = pending.Done.Task.Result;
        if (moved is null) return;
        for (var n = deferred.Count; n > 0; n--)
        {
            var pending = deferred.Dequeue();
            if (pending.ExpectedVersion != AnyVersion && moved.TryGetValue(pending.StreamId, out var now) && now != pending.ExpectedVersion)
                pending.Done.TrySetException(new EventStreamUnexpectedMaxEventIdException(pending.StreamId, null, pending.ExpectedVersion, now));
            else deferred.Enqueue(pending);
        }
    }

    private async Task CommitAsync(List<PendingAppend> batch)
    {
        if (batch.Count == 1)
        {
            await CommitAloneAsync(batch[0]).ConfigureAwait(false);
            return;
        }
        if (await TryCommitTogetherAsync(batch).ConfigureAwait(false)) return;

        // The batch rolled back. Marten's exception from a batch may name the wrong stream, so the conflicts are found
        // by reading the streams' versions: those appends are retried alone (and fail there with Marten's own exception),
        // the rest go together once more. Anything else (an event that fails to serialise, a deadlock, a lost connection)
        // is replayed append by append, so only the faulty append fails.
        var conflicts = await FindVersionConflictsAsync(batch).ConfigureAwait(false);
        var rest = batch.Where(p => !conflicts.Contains(p)).ToList();
        if (conflicts.Count == 0 || rest.Count < 2 || !await TryCommitTogetherAsync(rest).ConfigureAwait(false))
            conflicts = batch;
        foreach (var pending in conflicts) await CommitAloneAsync(pending).ConfigureAwait(false);
    }

    private async Task<bool> TryCommitTogetherAsync(List<PendingAppend> batch)
    {
        // Stable order by stream: every batch locks stream rows in the same order, so lanes cannot deadlock each other.
        batch.Sort((a, b) => a.StreamId.CompareTo(b.StreamId));
        try
        {
            await SaveAsync(batch).ConfigureAwait(false);
        }
        catch (Exception)
        {
            return false;
        }
        foreach (var pending in batch) pending.Done.TrySetResult(pending.VersionAfter);
        return true;
    }

    private async Task CommitAloneAsync(PendingAppend pending)
    {
        try
        {
            await SaveAsync([pending]).ConfigureAwait(false);
            pending.Done.TrySetResult(pending.VersionAfter);
        }
        catch (Exception e)
        {
            pending.Done.TrySetException(e);
        }
    }

    /// <summary>The appends whose stream is not at their expected version now (committed state); empty if that cannot be read.</summary>
    private async Task<List<PendingAppend>> FindVersionConflictsAsync(List<PendingAppend> batch)
    {
        try
        {
            var versions = new Dictionary<Guid, long>();
            await using var connection = await OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand($"select id, version from {_store.Options.Events.DatabaseSchemaName}.mt_streams where id = any($1)", connection);
            cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = batch.Select(p => p.StreamId).ToArray() });
            await using var reader = await cmd.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false)) versions[reader.GetGuid(0)] = reader.GetInt64(1);
            return batch.Where(p => p.ExpectedVersion != AnyVersion && versions.GetValueOrDefault(p.StreamId) != p.ExpectedVersion).ToList();
        }
        catch (Exception)
        {
            return [];
        }
    }

    private async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken ct)
    {
        if (_connections is { } connections) return await connections.OpenConnectionAsync(ct).ConfigureAwait(false);
        var connection = _store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct).ConfigureAwait(false);
        return connection;
    }

    private async Task SaveAsync(IReadOnlyList<PendingAppend> appends)
    {
        // Not cancellable: once taken, an append runs to a known outcome.
        var ct = CancellationToken.None;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (_hook is not null)
            await _hook.BeforeAppendAsync(connection,
                appends.Select(p => new CommittingAppend(p.StreamId, p.ExpectedVersion, [], p.Context)).ToList(), ct).ConfigureAwait(false);
        await using (var session = _store.LightweightSession(SessionOptions.ForTransaction(transaction)))
        {
            foreach (var pending in appends)
            {
                pending.Action = pending.ExpectedVersion switch
                {
                    0 => session.Events.StartStream(pending.StreamId, pending.Events),
                    AnyVersion => session.Events.Append(pending.StreamId, pending.Events),
                    _ => session.Events.Append(pending.StreamId, pending.VersionAfter, pending.Events), // Marten expects the version after
                };
            }
            _hook?.Enlist(session, appends.Select(p => new CommittingAppend(p.StreamId, p.ExpectedVersion, p.Action!.Events, p.Context)).ToList());
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        if (_hook is not null)
            await _hook.BeforeCommitAsync(connection,
                appends.Select(p => new CommittingAppend(p.StreamId, p.ExpectedVersion, p.Action!.Events, p.Context)).ToList(), ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _committedAppends, appends.Count);
        if (_committed is not null) TellCommitted(new GroupCommitted(appends.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started)));
    }

    private void TellCommitted(GroupCommitted committed)
    {
        // The appends are committed whatever a listener does: its failure must not turn them into failed appends.
        try { _committed!(committed); }
        catch (Exception) { }
    }

    private sealed class PendingAppend(Guid streamId, long expectedVersion, object[] events, object? context)
    {
        private const int Queued = 0, Taken = 1, Cancelled = 2;
        private int _state;

        public Guid StreamId { get; } = streamId;
        public long ExpectedVersion { get; } = expectedVersion;
        public object[] Events { get; } = events;
        public object? Context { get; } = context;
        /// <summary>Marten's record of this append in the session that saved it last (its events carry version and sequence).</summary>
        public StreamAction? Action { get; set; }
        public long VersionAfter => ExpectedVersion == AnyVersion ? Action!.Events[^1].Version : ExpectedVersion + Events.Length;
        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenRegistration Registration { get; set; }

        /// <summary>A lane takes it for a batch: from here on the caller's token no longer cancels it.</summary>
        public bool TryTake()
        {
            if (Interlocked.CompareExchange(ref _state, Taken, Queued) != Queued) return false;
            Registration.Dispose();
            return true;
        }

        public void TryCancel(CancellationToken token)
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued) Done.TrySetCanceled(token);
        }
    }
}

/// <summary>An append inside the transaction about to commit: its events as Marten stored them (ids, versions, sequences).</summary>
public sealed record CommittingAppend(Guid StreamId, long ExpectedVersion, IReadOnlyList<IEvent> Events, object? Context);

/// <summary>
/// Writes that must commit or roll back with a batch of appends (hash chains, inline projections, idempotency records).
/// It runs on the batch's connection inside its transaction, after Marten has written the events. If it throws, the batch
/// rolls back and its appends are replayed one by one, so only the append it cannot take fails.
/// </summary>
public interface IGroupCommitHook
{
    /// <summary>
    /// Runs first in the batch's transaction, before Marten writes (appends sorted by stream id; no events yet), e.g. to
    /// lock the streams and check versions: throwing here fails the batch before Marten draws any sequence number.
    /// </summary>
    Task BeforeAppendAsync(NpgsqlConnection connection, IReadOnlyList<CommittingAppend> appends, CancellationToken ct);

    /// <summary>
    /// Runs once the batch's streams are in Marten's session, just before it saves: operations queued here
    /// (<see cref="IDocumentOperations.QueueOperation"/>) travel in Marten's own round trip. Marten sends operations
    /// whose <c>DocumentType</c> is <see cref="IEvent"/> first (those queued here before its own event operations,
    /// which it makes while saving) and all others after its events. The events' versions are known only after the save.
    /// </summary>
    void Enlist(IDocumentSession session, IReadOnlyList<CommittingAppend> appends) { }

    /// <summary>Runs last in the batch's transaction, after Marten wrote the events (with their versions and sequences).</summary>

    Task BeforeCommitAsync(NpgsqlConnection connection, IReadOnlyList<CommittingAppend> appends, CancellationToken ct);
}

/// <summary>One committed transaction: the appends it carried and its time from taking a connection to COMMIT's answer.</summary>
public readonly record struct GroupCommitted(int Appends, TimeSpan Duration);

/// <summary>What a <see cref="GroupCommitAppender"/> has committed: transactions, and the appends they carried.</summary>
public readonly record struct GroupCommitCounts(long Commits, long Appends);
