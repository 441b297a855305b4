using Shouldly;

namespace FactDesk.TamperEvidence.Tests;

public class TamperEvidenceTests
{
    private static async Task<(TamperEvidentLog Store, LogVerifier Verifier)> StoreWithHistoryAsync(string purpose)
    {
        var store = await TestStore.CreateAsync(purpose);
        for (var s = 0; s < 3; s++)
        {
            var stream = Guid.NewGuid();
            for (var v = 0; v < 4; v++)
                await store.AppendAsync(stream, "thing", v == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(v), new ThingHappened($"s{s}", v), TestStore.Metadata);
        }
        await store.CatchUpLedgerAsync();
        return (store, new LogVerifier(store));
    }

    [Fact]
    public async Task An_untouched_log_verifies()
    {
        var (_, verifier) = await StoreWithHistoryAsync("verify_ok");
        var result = await verifier.VerifyAsync();
        result.Ok.ShouldBeTrue(result.Problem);
        result.EventsChecked.ShouldBe(12);
        result.FirstBrokenPosition.ShouldBeNull();
        result.LedgerHead.ShouldNotBeNull();
    }

    [Fact]
    public async Task The_ledger_handed_events_it_has_chained_already_skips_them_and_goes_on_chaining_new_ones()
    {
        var (store, verifier) = await StoreWithHistoryAsync("verify_ledger_again");
        var head = (await verifier.VerifyAsync()).LedgerHead;
        // An operator removes the ledger's progress: the daemon hands every event over again, from the first.
        await store.ScalarAsync<object>("delete from factdesk.mt_event_progression where name = 'ledger:All'");
        await store.ScalarAsync<object>("delete from factdesk.daemon_positions where projection = 'ledger'");
        await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("late", 1), TestStore.Metadata);
        await store.CatchUpLedgerAsync();

        (await store.ScalarAsync<long>("select count(*) from factdesk.projection_dead_letters")).ShouldBe(0);
        (await store.ScalarAsync<long>("select count(*) from factdesk.ledger")).ShouldBe(13);
        var result = await verifier.VerifyAsync();
        result.Ok.ShouldBeTrue(result.Problem);
        result.EventsChecked.ShouldBe(13);
        result.LedgerHead.ShouldNotBe(head);
    }

    [Fact]
    public async Task Editing_an_events_data_is_found_at_its_position()
    {
        var (store, verifier) = await StoreWithHistoryAsync("verify_edit");
        await store.ScalarAsync<object>("update factdesk.mt_events set data = jsonb_set(data, '{amount}', '99') where seq_id = 6");
        var result = await verifier.VerifyAsync();
        result.Ok.ShouldBeFalse();
        result.FirstBrokenPosition.ShouldBe(6);
    }

    [Fact]
    public async Task Deleting_an_event_in_the_middle_or_at_the_end_is_found()
    {
        var (store, verifier) = await StoreWithHistoryAsync("verify_delete");
        await store.ScalarAsync<object>("delete from factdesk.mt_events where seq_id = 12");
        (await verifier.VerifyAsync()).FirstBrokenPosition.ShouldBe(12);
        await store.ScalarAsync<object>("delete from factdesk.mt_events where seq_id = 3");
        var result = await verifier.VerifyAsync();
        result.Ok.ShouldBeFalse();
        result.FirstBrokenPosition.ShouldBe(3);
    }

    [Fact]
    public async Task Deleting_the_last_event_of_an_early_stream_is_found_at_its_own_position()
    {
        // Streams were written one after another: positions 1-4, 5-8, 9-12. Interleave a later event into the first stream.
        var (store, verifier) = await StoreWithHistoryAsync("verify_tail");
        var first = (Guid)(await store.RowsAsync("select stream_id from factdesk.mt_events where seq_id = 1"))[0][0];
        await store.AppendAsync(first, "thing", ExpectedVersion.Exactly(4), new ThingHappened("late", 1), TestStore.Metadata);
        await store.CatchUpLedgerAsync();
        await store.ScalarAsync<object>("delete from factdesk.mt_events where seq_id = 13");
        var result = await verifier.VerifyAsync();
        result.Ok.ShouldBeFalse();
        result.FirstBrokenPosition.ShouldBe(13);
    }

    [Fact]
    public async Task Reordering_two_events_of_a_stream_is_found()
    {
        var (store, verifier) = await StoreWithHistoryAsync("verify_reorder");
        await store.ScalarAsync<object>("""
            update factdesk.mt_events set version = -1 where seq_id = 2;
            update factdesk.mt_events set version = 2 where seq_id = 3;
            update factdesk.mt_events set version = 3 where seq_id = 2;
            """);
        var result = await verifier.VerifyAsync();
        result.Ok.ShouldBeFalse();
        result.FirstBrokenPosition.ShouldBe(2);
    }

    [Fact]
    public async Task The_chain_written_with_appends_of_several_events_to_many_streams_at_once_is_event_hash_over_the_stored_rows()
    {
        // The append's chain hashes the rows in its own loop (not by calling event_hash per event): both must give one chain.
        var store = await TestStore.CreateAsync("chain_twin");
        var streams = Enumerable.Range(0, 24).Select(_ => Guid.NewGuid()).ToArray();
        EventToAppend[] Several(string name, int count) =>
            Enumerable.Range(0, count).Select(i => new EventToAppend(Guid.NewGuid(), new ThingHappened($"{name} {i}", i))).ToArray();
        await Task.WhenAll(streams.Select(s => store.AppendAsync(s, "thing", ExpectedVersion.NoStream, Several("first", 3), TestStore.Metadata)));
        await Task.WhenAll(streams.Select(s => store.AppendAsync(s, "thing", ExpectedVersion.Exactly(3), Several("second", 2), TestStore.Metadata)));
        await Task.WhenAll(streams.Select(s => store.AppendAsync(s, "thing", ExpectedVersion.Exactly(5), new ThingRenamed("third"), TestStore.Metadata)));

        var recomputed = """
            with recursive ordered as (
                select e.*, row_number() over (partition by e.stream_id order by e.version) as n from factdesk.mt_events e
            ), chain as (
                select o.stream_id, o.n, o.seq_id,
                    factdesk.event_hash('\x'::bytea, o.stream_id, o.version, o.id, o.type, o.data, o.correlation_id, o.causation_id, o.headers, o.timestamp) as hash
                from ordered o where o.n = 1
                union all
                select o.stream_id, o.n, o.seq_id,
                    factdesk.event_hash(c.hash, o.stream_id, o.version, o.id, o.type, o.data, o.correlation_id, o.causation_id, o.headers, o.timestamp)
                from chain c join ordered o on o.stream_id = c.stream_id and o.n = c.n + 1
            )
            """;
        (await store.ScalarAsync<long>("select count(*) from factdesk.mt_events")).ShouldBe(24 * 6);
        (await store.ScalarAsync<long>(recomputed + "select count(*) from chain c join factdesk.event_hashes x on x.position = c.seq_id and x.hash = c.hash"))
            .ShouldBe(24 * 6);
        (await store.ScalarAsync<long>(recomputed + """
            select count(*) from factdesk.stream_heads h
            join chain c on c.stream_id = h.stream_id and c.n = 6 and c.hash = h.head_hash
            where h.version = 6
            """)).ShouldBe(24);
        await store.CatchUpLedgerAsync();
        var verified = await new LogVerifier(store).VerifyAsync();
        verified.Ok.ShouldBeTrue(verified.Problem);
    }
}
