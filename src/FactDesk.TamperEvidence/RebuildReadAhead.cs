using Npgsql;

namespace FactDesk.TamperEvidence;

/// <summary>
/// Reads the log ahead of a rebuild on Marten's daemon. The daemon hands a rebuilding projection one page at a time
/// and waits for each to commit; without this, every page waited for its range to be read as well. While a page is
/// applied, the next chunk is read on a connection of its own, never past the daemon's high-water mark (below it no
/// transaction can still add an event), and the following pages are served from it. Only a page that continues
/// where the last one ended is served from what was read ahead: a new rebuild starts from the log again.
/// </summary>
internal sealed class RebuildReadAhead(TamperEvidentLog store, int chunk)
{
    private readonly List<RecordedEvent> _events = [];
    // What was read ahead covers every event after _after up to _upTo.
    private long _after = -1, _upTo = -1;
    private Task<(long After, long UpTo, IReadOnlyList<RecordedEvent> Events)>? _reading;

    public async Task<IReadOnlyList<RecordedEvent>> ReadAsync(long after, long upTo,
        Func<long, long, CancellationToken, Task<IReadOnlyList<RecordedEvent>>> readHere, CancellationToken ct)
    {
        if (after != _after)
        {
            // Not the page after the last one: forget what was read ahead (a read still under way is left to finish).
            Forget();
            var events = await readHere(after, upTo, ct);
            ReadNext(upTo);
            _after = _upTo = upTo;
            return events;
        }
        if (upTo > _upTo && _reading is { } reading)
        {
            _reading = null;
            var next = await reading;
            if (next.After == _upTo)
            {
                _events.AddRange(next.Events);
                _upTo = next.UpTo;
            }
        }
        IReadOnlyList<RecordedEvent> page;
        if (upTo <= _upTo)
        {
            var end = _events.FindIndex(e => e.Position > upTo);
            if (end < 0) end = _events.Count;
            page = _events.GetRange(0, end).ToArray();
            _events.RemoveRange(0, end);
        }
        else
        {
            // Past what could be read ahead (the mark had not moved yet): read the rest here.
            page = [.. _events, .. await readHere(_upTo, upTo, ct)];
            _events.Clear();
            _upTo = upTo;
        }
        _after = upTo;
        if (_reading is null && _upTo - upTo < chunk / 2) ReadNext(_upTo);
        return page;
    }

    private void Forget()
    {
        _events.Clear();
        _reading = null;
        // Nothing is held now: should the read that follows fail, no page may pass for a continuation.
        _after = _upTo = -1;
    }

    private void ReadNext(long after)
    {
        var reading = _reading = Task.Run(async () =>
        {
            await using var connection = await store.DataSource.OpenConnectionAsync();
            await using var mark = new NpgsqlCommand(
                $"select least($1 + $2, coalesce((select last_seq_id from {store.Schema}.mt_event_progression where name = 'HighWaterMark'), 0))", connection);
            mark.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
            mark.Parameters.Add(new NpgsqlParameter<long> { TypedValue = chunk });
            var upTo = (long)(await mark.ExecuteScalarAsync())!;
            if (upTo <= after) return (after, after, (IReadOnlyList<RecordedEvent>)[]);
            return (after, upTo, await store.ReadRangeAsync(connection, after, upTo, CancellationToken.None));
        });
        // A read forgotten before it failed has no one to report to; one awaited reports its failure there.
        reading.ContinueWith(failed => _ = failed.Exception, TaskContinuationOptions.OnlyOnFaulted);
    }
}
