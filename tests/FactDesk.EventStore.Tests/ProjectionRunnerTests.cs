using Npgsql;
using Shouldly;

namespace FactDesk.EventStore.Tests;

public class ProjectionRunnerTests
{
    [Fact]
    public async Task The_runner_does_not_skip_an_event_whose_transaction_commits_after_a_later_position()
    {
        var store = await TestStore.CreateAsync("slow_tx", new SeenEventsProjection(ProjectionLifecycle.Async));
        var runner = new ProjectionRunner(store);

        // A slow writer draws position 1 and keeps its transaction open.
        await using var slow = await store.DataSource.OpenConnectionAsync();
        await using var slowTx = await slow.BeginTransactionAsync();
        (await store.AppendInOpenTransactionAsync(slowTx, "slow")).ShouldBe(1L);
        // A fast writer gets position 2 and commits first.
        var fast = await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("fast", 1), TestStore.Metadata);
        fast.Events[0].Position.ShouldBe(2);

        for (var i = 0; i < 3; i++) await runner.RunOnceAsync();
        (await store.ScalarAsync<long>("select count(*) from factdesk.seen_events")).ShouldBe(0, "position 2 must wait for position 1");
        (await runner.GetCheckpointAsync("seen")).ShouldBe(0);

        await slowTx.CommitAsync();
        await runner.CatchUpAsync(TimeSpan.FromSeconds(10));
        var seen = await store.RowsAsync("select position from factdesk.seen_events order by seen_order");
        seen.Select(r => (long)r[0]).ShouldBe([1L, 2L]);
    }

    [Fact]
    public async Task A_rolled_back_position_does_not_stall_the_runner()
    {
        var store = await TestStore.CreateAsync("rollback", new SeenEventsProjection(ProjectionLifecycle.Async));
        var runner = new ProjectionRunner(store);
        await using (var conn = await store.DataSource.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            (await store.AppendInOpenTransactionAsync(tx, "gone")).ShouldBe(1L);
            await tx.RollbackAsync();
        }
        await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("kept", 1), TestStore.Metadata);
        await runner.CatchUpAsync(TimeSpan.FromSeconds(10));
        (await store.RowsAsync("select position from factdesk.seen_events")).Select(r => (long)r[0]).ShouldBe([2L]);
    }

    [Fact]
    public async Task Rebuilding_from_zero_equals_the_live_projection()
    {
        var live = new SeenEventsProjection(ProjectionLifecycle.Async);
        var store = await TestStore.CreateAsync("rebuild", live, new SeenEventsProjection(ProjectionLifecycle.Inline, "inl"));
        var runner = new ProjectionRunner(store, batchSize: 37);
        var random = new Random(7);
        var streams = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToArray();
        await Parallel.ForEachAsync(streams, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (stream, ct) =>
        {
            var count = random.Next(1, 15);
            for (var v = 0; v < count; v++)
                await store.AppendAsync(stream, "thing", v == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(v), new ThingHappened("x", v + 1), TestStore.Metadata, ct);
        });
        await runner.CatchUpAsync(TimeSpan.FromSeconds(20));
        const string totals = "select stream_id, total, events from factdesk.{0}_totals order by stream_id";
        var before = await store.RowsAsync(string.Format(totals, "seen"));
        var inlineBefore = await store.RowsAsync(string.Format(totals, "inl"));
        before.Count.ShouldBe(40);
        inlineBefore.ShouldBe(before);

        var reports = new List<ProjectionProgress>();
        await runner.RebuildAsync("seen", new Progress<ProjectionProgress>(reports.Add));
        await runner.RebuildAsync("inl");

        (await store.RowsAsync(string.Format(totals, "seen"))).ShouldBe(before);
        (await store.RowsAsync(string.Format(totals, "inl"))).ShouldBe(inlineBefore);
        (await store.ScalarAsync<long>("select count(*) from factdesk.seen_events")).ShouldBe(await store.ScalarAsync<long>("select count(*) from factdesk.mt_events"));
        await Should.ThrowAsync<ArgumentException>(() => runner.RebuildAsync("nope"));
    }

    [Fact]
    public async Task Two_runners_on_one_database_apply_each_event_once()
    {
        var store = await TestStore.CreateAsync("two_runners", new SeenEventsProjection(ProjectionLifecycle.Async));
        var first = new ProjectionRunner(store, batchSize: 10);
        var second = new ProjectionRunner(store, batchSize: 10);
        using var stop = new CancellationTokenSource();
        var runs = new[] { first.RunAsync(TimeSpan.FromMilliseconds(5), ct: stop.Token), second.RunAsync(TimeSpan.FromMilliseconds(5), ct: stop.Token) };
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
            await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("x", 1), TestStore.Metadata, ct));
        await first.CatchUpAsync(TimeSpan.FromSeconds(20));
        await stop.CancelAsync();
        await Task.WhenAll(runs);
        // seen_events has position as primary key: a double application would have failed the batch; the order must be global order.
        var seen = (await store.RowsAsync("select position from factdesk.seen_events order by seen_order")).Select(r => (long)r[0]).ToList();
        seen.Count.ShouldBe(200);
        seen.ShouldBe(seen.Order().ToList());
    }
}
