using System.Collections.Concurrent;
using Shouldly;

namespace FactDesk.TamperEvidence.Tests;

/// <summary>An event with the kinds of values FactDesk's events carry: times, decimals, enums, lists, nesting, nulls.</summary>
[EventType("thing-measured.v1")]
public sealed record ThingMeasured(DateTimeOffset At, decimal Share, DayOfWeek Day, IReadOnlyList<string> Tags, ThingHappened Nested, string? Note);

public class AppendingTests
{
    [Fact]
    public async Task Fifty_racing_appenders_produce_contiguous_versions_with_one_winner_per_version()
    {
        var store = await TestStore.CreateAsync("race");
        var stream = Guid.NewGuid();
        await store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, new ThingHappened("start", 0), TestStore.Metadata);
        var winnersPerVersion = new ConcurrentDictionary<long, int>();
        var losses = 0;

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            while (true)
            {
                var current = (await store.GetStreamStateAsync(stream))!.Value.Version;
                try
                {
                    var result = await store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(current), new ThingHappened($"writer {i}", 1), TestStore.Metadata);
                    result.NextVersion.ShouldBe(current + 1);
                    winnersPerVersion.AddOrUpdate(current, 1, (_, n) => n + 1);
                    return;
                }
                catch (WrongExpectedVersionException e)
                {
                    e.ActualVersion.ShouldBeGreaterThan(current);
                    Interlocked.Increment(ref losses);
                }
            }
        })));

        var events = await store.ReadStreamAsync(stream);
        events.Select(e => e.Version).ShouldBe(Enumerable.Range(1, 51).Select(v => (long)v));
        winnersPerVersion.Keys.Order().ShouldBe(Enumerable.Range(1, 50).Select(v => (long)v));
        winnersPerVersion.Values.ShouldAllBe(n => n == 1);
        events.Skip(1).Select(e => ((ThingHappened)e.Data).Name).Distinct().Count().ShouldBe(50);
        losses.ShouldBeGreaterThan(0, "the writers should actually have raced");
        // Losers drew no positions: the stream's positions are contiguous.
        (events[^1].Position - events[0].Position + 1).ShouldBe(51);
        (await store.ScalarAsync<long>("select last_value from factdesk.mt_events_sequence")).ShouldBe(events[^1].Position);
    }

    [Fact]
    public async Task An_appends_events_carry_the_json_that_was_stored()
    {
        var store = await TestStore.CreateAsync("json");
        var stream = Guid.NewGuid();
        var appended = await store.AppendAsync(stream, "thing", ExpectedVersion.NoStream,
            [
                new EventToAppend(Guid.NewGuid(), new ThingHappened("a \"quoted\" name, ünïcode", 7)),
                new EventToAppend(Guid.NewGuid(), new ThingMeasured(new DateTimeOffset(2026, 12, 3, 12, 0, 0, 123, TimeSpan.FromHours(2)), 36.50m,
                    DayOfWeek.Thursday, ["llm", "open-weights"], new ThingHappened("nested", -1), null)),
                new EventToAppend(Guid.NewGuid(), new ThingRenamed("b")),
            ],
            TestStore.Metadata);

        var stored = await store.ReadStreamAsync(stream);

        stored.Count.ShouldBe(3);
        for (var i = 0; i < 3; i++)
            System.Text.Json.JsonElement.DeepEquals(appended.Events[i].DataJson, stored[i].DataJson)
                .ShouldBeTrue($"{appended.Events[i].DataJson} against {stored[i].DataJson}");
        appended.Events[0].DataJson.GetProperty("amount").GetInt32().ShouldBe(7);
    }

    [Fact]
    public async Task A_retried_append_with_the_same_event_ids_writes_nothing_and_reports_the_stored_events()
    {
        var store = await TestStore.CreateAsync("retry");
        var stream = Guid.NewGuid();
        EventToAppend[] batch = [new(Guid.NewGuid(), new ThingHappened("a", 1)), new(Guid.NewGuid(), new ThingHappened("b", 2))];
        var first = await store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, batch, TestStore.Metadata);
        await store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(2), new ThingRenamed("c"), TestStore.Metadata);

        var retry = await store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, batch, TestStore.Metadata);

        retry.WasRetry.ShouldBeTrue();
        retry.NextVersion.ShouldBe(2);
        retry.Events.Select(e => e.Position).ShouldBe(first.Events.Select(e => e.Position));
        (await store.ScalarAsync<long>("select count(*) from factdesk.mt_events")).ShouldBe(3);
    }

    [Fact]
    public async Task Concurrent_copies_of_one_append_store_it_once()
    {
        var store = await TestStore.CreateAsync("retry_race");
        var stream = Guid.NewGuid();
        EventToAppend[] batch = [new(Guid.NewGuid(), new ThingHappened("a", 1))];
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() =>
            store.AppendAsync(stream, "thing", ExpectedVersion.Any, batch, TestStore.Metadata))));
        results.Count(r => !r.WasRetry).ShouldBe(1);
        (await store.ScalarAsync<long>("select count(*) from factdesk.mt_events")).ShouldBe(1);
    }

    [Fact]
    public async Task Writers_creating_one_stream_at_once_with_any_version_all_append()
    {
        var store = await TestStore.CreateAsync("any_race");
        var stream = Guid.NewGuid();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            store.AppendAsync(stream, "thing", ExpectedVersion.Any, new ThingHappened($"w{i}", 1), TestStore.Metadata))));
        results.Select(r => r.NextVersion).Order().ShouldBe(Enumerable.Range(1, 16).Select(v => (long)v));
        (await store.ReadStreamAsync(stream)).Count.ShouldBe(16);
    }

    [Fact]
    public async Task Some_ids_already_stored_with_others_new_is_refused()
    {
        var store = await TestStore.CreateAsync("partial");
        var stream = Guid.NewGuid();
        var known = new EventToAppend(Guid.NewGuid(), new ThingHappened("a", 1));
        await store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [known], TestStore.Metadata);
        await Should.ThrowAsync<DuplicateEventIdException>(() =>
            store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [known, new(Guid.NewGuid(), new ThingHappened("b", 1))], TestStore.Metadata));
    }

    [Fact]
    public async Task Expected_versions_are_enforced_for_new_and_existing_streams()
    {
        var store = await TestStore.CreateAsync("expected");
        var stream = Guid.NewGuid();
        (await Should.ThrowAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), new ThingHappened("a", 1), TestStore.Metadata))).ActualVersion.ShouldBe(0);
        await store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, new ThingHappened("a", 1), TestStore.Metadata);
        (await Should.ThrowAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, new ThingHappened("b", 1), TestStore.Metadata))).ActualVersion.ShouldBe(1);
        (await Should.ThrowAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(3), new ThingHappened("b", 1), TestStore.Metadata))).ActualVersion.ShouldBe(1);
        (await store.AppendAsync(stream, "thing", ExpectedVersion.Any, new ThingHappened("c", 1), TestStore.Metadata)).NextVersion.ShouldBe(2);
        (await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.Any, new ThingHappened("d", 1), TestStore.Metadata)).NextVersion.ShouldBe(1);
        (await store.ScalarAsync<long>("select count(*) from factdesk.mt_events")).ShouldBe(3);
    }

    [Fact]
    public async Task Events_carry_type_name_metadata_and_transaction_id()
    {
        var store = await TestStore.CreateAsync("shape");
        var stream = Guid.NewGuid();
        var metadata = new EventMetadata("Ada", "senior-editor", "corr-42", "cmd-7", "key-1");
        await store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, new ThingHappened("a", 5), metadata);
        var stored = (await store.ReadStreamAsync(stream)).Single();
        stored.Type.ShouldBe("thing-happened.v1");
        stored.StreamType.ShouldBe("thing");
        stored.Metadata.ShouldBe(metadata);
        stored.Data.ShouldBe(new ThingHappened("a", 5));
        stored.TransactionId.ShouldBeGreaterThan(0UL);
        stored.Hash.Length.ShouldBe(32);
        (await store.ScalarAsync<string>("select data->>'name' from factdesk.mt_events")).ShouldBe("a");
    }

    [Fact]
    public async Task Migrating_twice_and_concurrently_is_harmless()
    {
        var store = await TestStore.CreateAsync("migrate", new SeenEventsProjection(ProjectionLifecycle.Inline));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => store.MigrateAsync()));
        await store.Marten.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
        (await store.ScalarAsync<long>("select count(*) from factdesk.seen_events")).ShouldBe(0);
    }

    [Fact]
    public async Task Concurrent_appends_to_different_streams_share_commits_and_each_keeps_its_own_version_check()
    {
        var store = await TestStore.CreateAsync("group_commit", new SeenEventsProjection(ProjectionLifecycle.Inline));
        var streams = Enumerable.Range(0, 64).Select(_ => Guid.NewGuid()).ToArray();
        await Task.WhenAll(streams.Select(s => store.AppendAsync(s, "thing", ExpectedVersion.NoStream, new ThingHappened("a", 1), TestStore.Metadata)));
        // Second round: half expect the right version, half a wrong one; they are sent together so they share batches.
        var outcomes = await Task.WhenAll(streams.Select((s, i) => Task.Run(async () =>
        {
            try
            {
                await store.AppendAsync(s, "thing", ExpectedVersion.Exactly(i % 2 == 0 ? 1 : 5), new ThingHappened("b", 1), TestStore.Metadata);
                return true;
            }
            catch (WrongExpectedVersionException e)
            {
                e.ActualVersion.ShouldBe(1);
                return false;
            }
        })));
        outcomes.Count(ok => ok).ShouldBe(32);
        // Nothing but the appends: a Marten batch that fails after drawing sequence numbers leaves tombstone events.
        (await store.ScalarAsync<long>("select count(*) from factdesk.mt_events")).ShouldBe(96);
        (await store.ScalarAsync<long>("select count(*) from factdesk.mt_events where type = 'tombstone'")).ShouldBe(0);
        // Inline projection rows were written in the same transactions as their events.
        (await store.ScalarAsync<long>("select count(*) from factdesk.seen_events")).ShouldBe(96);
        var sharedTransactions = await store.ScalarAsync<long>("select count(*) from (select tx_id from factdesk.event_hashes group by tx_id having count(*) > 1) t");
        sharedTransactions.ShouldBeGreaterThan(0, "concurrent appends should have been committed together");
        // Losers drew no positions: they failed Marten's version check before drawing one.
        (await store.ScalarAsync<long>("select last_value from factdesk.mt_events_sequence")).ShouldBe(96);
    }
}
