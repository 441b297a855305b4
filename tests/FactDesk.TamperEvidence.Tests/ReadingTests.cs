using Shouldly;

namespace FactDesk.TamperEvidence.Tests;

public class ReadingTests
{
    [Fact]
    public async Task A_stream_reads_whole_up_to_a_version_and_as_of_a_moment()
    {
        var store = await TestStore.CreateAsync("reads");
        var stream = Guid.NewGuid();
        await store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, new ThingHappened("first", 10), TestStore.Metadata);
        var second = await store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), new ThingRenamed("second"), TestStore.Metadata);
        await Task.Delay(20);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        await store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(2), new ThingHappened("ignored", 5), TestStore.Metadata);

        (await store.ReadStreamAsync(stream)).Count.ShouldBe(3);
        (await store.ReadStreamAsync(stream, toVersion: 1)).Count.ShouldBe(1);
        (await store.ReadStreamAsync(stream, asOf: second.Events[0].RecordedAt)).Count.ShouldBe(2);

        var (now, version) = await store.AggregateStreamAsync(stream, StateFolder<Thing>.Instance);
        now.ShouldBe(new Thing("second", 15, 3));
        version.ShouldBe(3);
        var (then, thenVersion) = await store.AggregateStreamAsync(stream, StateFolder<Thing>.Instance, asOf: between);
        then.ShouldBe(new Thing("second", 10, 2));
        thenVersion.ShouldBe(2);
        var (atOne, _) = await store.AggregateStreamAsync(stream, StateFolder<Thing>.Instance, toVersion: 1);
        atOne.ShouldBe(new Thing("first", 10, 1));
        var (before, beforeVersion) = await store.AggregateStreamAsync(stream, StateFolder<Thing>.Instance, asOf: DateTimeOffset.UtcNow.AddDays(-1));
        before.ShouldBeNull();
        beforeVersion.ShouldBe(0);
    }

    [Fact]
    public async Task Inline_projections_commit_with_the_append_and_roll_back_with_it()
    {
        var store = await TestStore.CreateAsync("inline", new SeenEventsProjection(ProjectionLifecycle.Inline));
        var stream = Guid.NewGuid();
        await store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, new ThingHappened("a", 3), TestStore.Metadata);
        (await store.ScalarAsync<long>("select total from factdesk.seen_totals")).ShouldBe(3);

        // A projection failure aborts the append: sabotage the table so the next insert fails.
        await store.ScalarAsync<object>("alter table factdesk.seen_events add constraint no_more check (position < 0) not valid");
        await Should.ThrowAsync<Npgsql.PostgresException>(() =>
            store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), new ThingHappened("b", 4), TestStore.Metadata));
        (await store.ReadStreamAsync(stream)).Count.ShouldBe(1);
        (await store.ScalarAsync<long>("select total from factdesk.seen_totals")).ShouldBe(3);
    }
}
