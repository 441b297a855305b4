using System.Text.Json;
using System.Threading.Channels;
using Npgsql;

namespace FactDesk.EventStore;

/// <summary>An append waiting for its commit: its arguments, serialized once.</summary>
internal sealed record PendingAppend(
    Guid StreamId, string StreamType, ExpectedVersion Expected, IReadOnlyList<EventToAppend> Events,
    string[] TypeNames, string[] Data, string MetadataJson, EventMetadata Metadata,
    Func<NpgsqlConnection, AppendResult, CancellationToken, Task>? AlsoInTransaction)
{
    public TaskCompletionSource<AppendResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RecordedEvent Recorded(int index, long position, long version, DateTimeOffset recordedAt, ulong txId, byte[] hash) =>
        new(position, StreamId, StreamType, version, Events[index].EventId, TypeNames[index], Events[index].Data, Metadata, recordedAt, txId, hash)
        { DataJson = JsonDocument.Parse(Data[index]).RootElement };
}

/// <summary>
/// Group commit: appends that arrive while others are being written wait briefly and then go to the database together,
/// in one statement and one transaction, each with its own expected-version check. No timer: a batch is whatever queued
/// up while the previous one was in flight, so a lone append goes at once. If anything in a batch fails (a projection,
/// a deadlock), each of its appends is run alone, so only the faulty one fails.
/// </summary>
internal sealed class AppendBatcher
{
    private readonly PostgresEventStore _store;
    private readonly int _maxBatch;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = false });

    public AppendBatcher(PostgresEventStore store, int maxBatch, int lanes)
    {
        _store = store;
        _maxBatch = Math.Max(1, maxBatch);
        for (var lane = 0; lane < Math.Max(1, lanes); lane++)
            _ = Task.Run(RunLaneAsync);
    }

    public Task<AppendResult> AppendAsync(PendingAppend pending)
    {
        if (!_queue.Writer.TryWrite(pending)) return _store.AppendAloneAsync(pending);
        return pending.Done.Task;
    }

    private async Task RunLaneAsync()
    {
        var batch = new List<PendingAppend>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var pending)) batch.Add(pending);
            if (batch.Count == 0) continue;
            if (batch.Count == 1) await RunAloneAsync(batch[0]);
            else await RunTogetherAsync(batch);
        }
    }

    private async Task RunAloneAsync(PendingAppend pending)
    {
        try { pending.Done.TrySetResult(await _store.AppendAloneAsync(pending)); }
        catch (Exception e) { pending.Done.TrySetException(e); }
    }

    private async Task RunTogetherAsync(List<PendingAppend> batch)
    {
        // Stable order by stream: every batch locks stream rows in the same order, so batches cannot deadlock on them.
        var ordered = batch.Select((p, i) => (p, i)).OrderBy(x => x.p.StreamId).ThenBy(x => x.i).Select(x => x.p).ToList();
        AppendResult?[] results;
        try
        {
            results = await _store.AppendTogetherAsync(ordered);
        }
        catch (Exception)
        {
            // Rare; the batch rolled back (or its commit's outcome is unknown: then each alone finds its events as a retry).
            foreach (var pending in ordered) await RunAloneAsync(pending);
            return;
        }
        for (var i = 0; i < ordered.Count; i++)
        {
            var pending = ordered[i];
            if (results[i] is { } result)
            {
                pending.Done.TrySetResult(result);
                continue;
            }
            // Lost its race inside the batch: a concurrent copy of the same append may have stored it, else it is a conflict.
            try
            {
                pending.Done.TrySetResult(await _store.TryReadRetryAsync(pending.StreamId, pending.Events, CancellationToken.None)
                    ?? throw new WrongExpectedVersionException(pending.StreamId, pending.Expected,
                        (await _store.GetStreamStateAsync(pending.StreamId))?.Version ?? 0));
            }
            catch (Exception e) { pending.Done.TrySetException(e); }
        }
    }
}
