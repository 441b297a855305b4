using Npgsql;
using Shouldly;

namespace FactDesk.EventStore.Tests;

public class HighWaterMarkTests
{
    [Fact]
    public async Task A_writer_holding_the_newest_transaction_id_holds_the_mark_back()
    {
        var store = await TestStore.CreateAsync("newest_writer", new SeenEventsProjection(ProjectionLifecycle.Async));
        var runner = new ProjectionRunner(store);
        await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("before", 1), TestStore.Metadata);
        await runner.CatchUpAsync(TimeSpan.FromSeconds(10));

        // Nothing commits after this writer takes its id: it is above every snapshot's xmax while it stays open.
        await using var slow = await store.DataSource.OpenConnectionAsync();
        await using var slowTx = await slow.BeginTransactionAsync();
        (await store.AppendInOpenTransactionAsync(slowTx, "slow")).ShouldBe(2L);

        await runner.RunOnceAsync();
        await runner.RunOnceAsync();
        (await runner.GetCheckpointAsync("seen")).ShouldBe(1);

        await slowTx.CommitAsync();
        await runner.CatchUpAsync(TimeSpan.FromSeconds(10));
        (await store.RowsAsync("select position from factdesk.seen_events order by seen_order")).Select(r => (long)r[0]).ShouldBe([1L, 2L]);
    }
}
