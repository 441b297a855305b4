namespace FactDesk.TamperEvidence;

/// <summary>
/// The events most recently read by the async projections, shared between them. Every async projection reads the
/// same ranges of the log, in turn, at most up to the daemon's high-water mark, where no transaction can still add an
/// event: a range read once is final, so the next projection to ask for it is served from memory instead of reading
/// and parsing it again (six projections read each event once between them, not six times).
/// </summary>
public sealed class SettledEventsWindow(int capacity)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    // Every event after _after up to _upTo, in position order; empty until the first read.
    private readonly List<RecordedEvent> _events = [];
    private long _after = -1, _upTo = -1;

    /// <summary>
    /// The events after <paramref name="after"/> up to <paramref name="upTo"/>, from memory where the window holds them
    /// and from <paramref name="read"/> (which must see every event of the range: it is below the high-water mark)
    /// for the rest. A projection behind the window reads for itself and leaves the window as it is.
    /// </summary>
    public async Task<IReadOnlyList<RecordedEvent>> ReadAsync(long after, long upTo,
        Func<long, long, CancellationToken, Task<IReadOnlyList<RecordedEvent>>> read, CancellationToken ct)
    {
        if (upTo <= after) return [];
        await _gate.WaitAsync(ct);
        var behind = false;
        try
        {
            behind = _upTo >= 0 && after < _after;
            if (!behind)
            {
                if (_upTo < 0 || after > _upTo)
                {
                    // Ahead of the window (or the first read): the window starts again here.
                    var fresh = await read(after, upTo, ct);
                    _events.Clear();
                    _events.AddRange(fresh);
                    (_after, _upTo) = (after, upTo);
                }
                else if (upTo > _upTo)
                {
                    _events.AddRange(await read(_upTo, upTo, ct));
                    _upTo = upTo;
                }
                // The answer is taken before the window forgets its oldest events, which may be this range's own.
                var events = Slice(after, upTo);
                Trim();
                return events;
            }
        }
        finally
        {
            _gate.Release();
        }
        // Behind the window: read outside the gate, so the projections ahead are not held up by this read.
        return await read(after, upTo, ct);
    }

    private void Trim()
    {
        var excess = _events.Count - capacity;
        if (excess <= 0) return;
        _after = _events[excess - 1].Position;
        _events.RemoveRange(0, excess);
    }

    private RecordedEvent[] Slice(long after, long upTo)
    {
        var first = FirstAfter(after);
        var end = FirstAfter(upTo);
        return _events.GetRange(first, end - first).ToArray();
    }

    /// <summary>The index of the first event whose position is greater than <paramref name="position"/>.</summary>
    private int FirstAfter(long position)
    {
        int low = 0, high = _events.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_events[middle].Position <= position) low = middle + 1;
            else high = middle;
        }
        return low;
    }
}
