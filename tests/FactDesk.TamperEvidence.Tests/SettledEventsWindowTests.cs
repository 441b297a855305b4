using Shouldly;

namespace FactDesk.TamperEvidence.Tests;

/// <summary>The window of settled events the async projections share: what it serves from memory and what it reads.</summary>
public class SettledEventsWindowTests
{
    // A log with holes (rolled-back positions) where a range's events are not simply its positions.
    private static readonly long[] LogPositions = [1, 2, 3, 5, 6, 7, 9, 10, 12, 13, 14, 15, 17, 20];

    private sealed class Log
    {
        public List<(long After, long UpTo)> Reads { get; } = [];
        public bool Fail { get; set; }

        public Task<IReadOnlyList<RecordedEvent>> ReadAsync(long after, long upTo, CancellationToken ct)
        {
            if (Fail) throw new TimeoutException("the database is away");
            Reads.Add((after, upTo));
            return Task.FromResult<IReadOnlyList<RecordedEvent>>(LogPositions.Where(p => p > after && p <= upTo).Select(Event).ToArray());
        }
    }

    private static RecordedEvent Event(long position) => new(position, Guid.Empty, "thing", 1, Guid.NewGuid(), "thing-happened.v1",
        new object(), new EventMetadata("someone", "editor", "", "", null), DateTimeOffset.UnixEpoch, 1, []);

    private static long[] Positions(IReadOnlyList<RecordedEvent> events) => events.Select(e => e.Position).ToArray();

    [Fact]
    public async Task A_second_projection_asking_for_the_same_range_is_served_without_reading()
    {
        var log = new Log();
        var window = new SettledEventsWindow(capacity: 100);
        var first = await window.ReadAsync(0, 10, log.ReadAsync, CancellationToken.None);
        var second = await window.ReadAsync(0, 10, log.ReadAsync, CancellationToken.None);
        Positions(first).ShouldBe([1L, 2, 3, 5, 6, 7, 9, 10]);
        Positions(second).ShouldBe(Positions(first));
        log.Reads.ShouldBe([(0L, 10L)]);
    }

    [Fact]
    public async Task A_range_reaching_past_the_window_reads_only_what_is_missing()
    {
        var log = new Log();
        var window = new SettledEventsWindow(capacity: 100);
        await window.ReadAsync(0, 10, log.ReadAsync, CancellationToken.None);
        var events = await window.ReadAsync(5, 15, log.ReadAsync, CancellationToken.None);
        Positions(events).ShouldBe([6L, 7, 9, 10, 12, 13, 14, 15]);
        Positions(await window.ReadAsync(2, 6, log.ReadAsync, CancellationToken.None)).ShouldBe([3L, 5, 6]);
        log.Reads.ShouldBe([(0L, 10L), (10L, 15L)]);
    }

    [Fact]
    public async Task A_projection_behind_the_window_reads_for_itself_and_leaves_the_window_as_it_is()
    {
        var log = new Log();
        var window = new SettledEventsWindow(capacity: 100);
        await window.ReadAsync(10, 20, log.ReadAsync, CancellationToken.None);
        Positions(await window.ReadAsync(0, 12, log.ReadAsync, CancellationToken.None)).ShouldBe([1L, 2, 3, 5, 6, 7, 9, 10, 12]);
        Positions(await window.ReadAsync(12, 20, log.ReadAsync, CancellationToken.None)).ShouldBe([13L, 14, 15, 17, 20]);
        log.Reads.ShouldBe([(10L, 20L), (0L, 12L)]);
    }

    [Fact]
    public async Task A_range_ahead_of_the_window_starts_it_again_there()
    {
        var log = new Log();
        var window = new SettledEventsWindow(capacity: 100);
        await window.ReadAsync(0, 5, log.ReadAsync, CancellationToken.None);
        Positions(await window.ReadAsync(9, 14, log.ReadAsync, CancellationToken.None)).ShouldBe([10L, 12, 13, 14]);
        // Between the old window and the new one nothing is held: that range is read again.
        Positions(await window.ReadAsync(5, 9, log.ReadAsync, CancellationToken.None)).ShouldBe([6L, 7, 9]);
        log.Reads.ShouldBe([(0L, 5L), (9L, 14L), (5L, 9L)]);
    }

    [Fact]
    public async Task The_window_forgets_its_oldest_events_beyond_its_capacity()
    {
        var log = new Log();
        var window = new SettledEventsWindow(capacity: 4);
        await window.ReadAsync(0, 5, log.ReadAsync, CancellationToken.None);
        // A range longer than the window still comes back whole.
        Positions(await window.ReadAsync(5, 12, log.ReadAsync, CancellationToken.None)).ShouldBe([6L, 7, 9, 10, 12]);
        // Held now: 7, 9, 10, 12 (the window covers 6 to 12).
        Positions(await window.ReadAsync(6, 12, log.ReadAsync, CancellationToken.None)).ShouldBe([7L, 9, 10, 12]);
        Positions(await window.ReadAsync(3, 12, log.ReadAsync, CancellationToken.None)).ShouldBe([5L, 6, 7, 9, 10, 12]);
        log.Reads.ShouldBe([(0L, 5L), (5L, 12L), (3L, 12L)]);
    }

    [Fact]
    public async Task A_first_read_longer_than_the_window_comes_back_whole_and_the_window_keeps_its_newest_events()
    {
        var log = new Log();
        var window = new SettledEventsWindow(capacity: 3);
        Positions(await window.ReadAsync(0, 20, log.ReadAsync, CancellationToken.None)).ShouldBe(LogPositions);
        Positions(await window.ReadAsync(15, 20, log.ReadAsync, CancellationToken.None)).ShouldBe([17L, 20]);
        Positions(await window.ReadAsync(10, 20, log.ReadAsync, CancellationToken.None)).ShouldBe([12L, 13, 14, 15, 17, 20]);
        log.Reads.ShouldBe([(0L, 20L), (10L, 20L)]);
    }

    [Fact]
    public async Task A_failed_read_leaves_the_window_as_it_was()
    {
        var log = new Log();
        var window = new SettledEventsWindow(capacity: 100);
        await window.ReadAsync(0, 5, log.ReadAsync, CancellationToken.None);
        log.Fail = true;
        await Should.ThrowAsync<TimeoutException>(() => window.ReadAsync(0, 10, log.ReadAsync, CancellationToken.None));
        log.Fail = false;
        Positions(await window.ReadAsync(0, 10, log.ReadAsync, CancellationToken.None)).ShouldBe([1L, 2, 3, 5, 6, 7, 9, 10]);
        log.Reads.ShouldBe([(0L, 5L), (5L, 10L)]);
    }

    [Fact]
    public async Task An_empty_range_reads_nothing()
    {
        var log = new Log();
        var window = new SettledEventsWindow(capacity: 100);
        (await window.ReadAsync(7, 7, log.ReadAsync, CancellationToken.None)).ShouldBeEmpty();
        log.Reads.ShouldBeEmpty();
    }
}
