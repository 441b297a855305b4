using FactDesk.Testing;
using Marten.Events.Daemon.Coordination;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using System.Diagnostics;

namespace FactDesk.TamperEvidence.Tests;

/// <summary>FactDesk's SQL projections on Marten's async daemon.</summary>
public class DaemonProjectionTests
{
    [Fact]
    public async Task The_daemon_does_not_skip_an_event_whose_transaction_commits_after_a_later_position()
    {
        var store = await TestStore.CreateAsync("slow_tx", new SeenEventsProjection(ProjectionLifecycle.Async));
        var control = new ProjectionControl(store);
        await using var daemon = await store.StartDaemonAsync();
        await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("before", 1), TestStore.Metadata);
        await control.CatchUpAsync(TimeSpan.FromSeconds(30));

        // A slow writer draws position 2 and keeps its transaction open; a fast writer gets 3 and commits first.
        await using var slow = await store.DataSource.OpenConnectionAsync();
        await using var slowTx = await slow.BeginTransactionAsync();
        (await store.AppendInOpenTransactionAsync(slowTx, "slow")).ShouldBe(2L);
        var fast = await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("fast", 1), TestStore.Metadata);
        fast.Events[0].Position.ShouldBe(3);

        // Marten skips a gap that stays open past StaleSequenceThreshold unless a live transaction may still fill it:
        // give it several thresholds to be tempted, checking all along that position 3 never overtakes position 2.
        var threshold = store.Marten.Options.Projections.StaleSequenceThreshold;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < threshold * 4 + TimeSpan.FromSeconds(2))
        {
            (await store.ScalarAsync<long>("select count(*) from factdesk.seen_events")).ShouldBe(1, "position 3 must wait for position 2");
            await Task.Delay(100);
        }
        (await control.GetCheckpointAsync("seen")).ShouldBe(1);

        await slowTx.CommitAsync();
        await control.CatchUpAsync(TimeSpan.FromSeconds(30));
        var seen = await store.RowsAsync("select position from factdesk.seen_events order by seen_order");
        seen.Select(r => (long)r[0]).ShouldBe([1L, 2L, 3L]);
    }

    [Fact]
    public async Task A_rolled_back_position_does_not_stall_the_daemon()
    {
        var store = await TestStore.CreateAsync("rollback", new SeenEventsProjection(ProjectionLifecycle.Async));
        await using var daemon = await store.StartDaemonAsync();
        await using (var conn = await store.DataSource.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            (await store.AppendInOpenTransactionAsync(tx, "gone")).ShouldBe(1L);
            await tx.RollbackAsync();
        }
        await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("kept", 1), TestStore.Metadata);
        await new ProjectionControl(store).CatchUpAsync(TimeSpan.FromSeconds(60));
        (await store.RowsAsync("select position from factdesk.seen_events")).Select(r => (long)r[0]).ShouldBe([2L]);
    }

    [Fact]
    public async Task Rebuilding_from_zero_equals_the_live_projection()
    {
        var live = new SeenEventsProjection(ProjectionLifecycle.Async);
        var store = await TestStore.CreateAsync("rebuild", live, new SeenEventsProjection(ProjectionLifecycle.Inline, "inl"));
        var control = new ProjectionControl(store);
        var random = new Random(7);
        var streams = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToArray();
        await using (await store.StartDaemonAsync())
        {
            await Parallel.ForEachAsync(streams, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (stream, ct) =>
            {
                var count = random.Next(1, 15);
                for (var v = 0; v < count; v++)
                    await store.AppendAsync(stream, "thing", v == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(v), new ThingHappened("x", v + 1), TestStore.Metadata, ct);
            });
            await control.CatchUpAsync(TimeSpan.FromSeconds(60));
        }
        const string totals = "select stream_id, total, events from factdesk.{0}_totals order by stream_id";
        var before = await store.RowsAsync(string.Format(totals, "seen"));
        var inlineBefore = await store.RowsAsync(string.Format(totals, "inl"));
        before.Count.ShouldBe(40);
        inlineBefore.ShouldBe(before);

        var reports = new List<ProjectionProgress>();
        await control.RebuildAsync("seen", new Progress<ProjectionProgress>(reports.Add));
        await control.RebuildAsync("inl");

        (await store.RowsAsync(string.Format(totals, "seen"))).ShouldBe(before);
        (await store.RowsAsync(string.Format(totals, "inl"))).ShouldBe(inlineBefore);
        (await store.ScalarAsync<long>("select count(*) from factdesk.seen_events")).ShouldBe(await store.ScalarAsync<long>("select count(*) from factdesk.mt_events"));
        (await control.GetCheckpointAsync("seen")).ShouldBe(await store.ScalarAsync<long>("select max(seq_id) from factdesk.mt_events"));
        await Should.ThrowAsync<ArgumentException>(() => control.RebuildAsync("nope"));
    }

    [Fact]
    public async Task Async_projections_sharing_their_reads_each_see_every_event_once_in_global_order()
    {
        string[] names = ["first", "second", "third"];
        var store = await TestStore.CreateAsync("shared_reads", names.Select(n => (IProjection)new SeenEventsProjection(ProjectionLifecycle.Async, n)).ToArray());
        await using (await store.StartDaemonAsync())
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, 300), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            {
                if (i % 50 == 7)
                {
                    // A position drawn and rolled back: a hole the projections must step over.
                    await using var connection = await store.DataSource.OpenConnectionAsync(ct);
                    await using var tx = await connection.BeginTransactionAsync(ct);
                    await store.AppendInOpenTransactionAsync(tx, $"gone{i}");
                    await tx.RollbackAsync(ct);
                }
                await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("x", 1), TestStore.Metadata, ct);
            });
            await new ProjectionControl(store).CatchUpAsync(TimeSpan.FromSeconds(60));
        }
        var stored = (await store.RowsAsync("select seq_id from factdesk.mt_events order by seq_id")).Select(r => (long)r[0]).ToList();
        stored.Count.ShouldBe(300);
        foreach (var name in names)
            (await store.RowsAsync($"select position from factdesk.{name}_events order by seen_order")).Select(r => (long)r[0]).ShouldBe(stored, name);
    }

    [Fact]
    public async Task A_rebuild_over_many_pages_read_ahead_of_the_daemon_equals_the_live_projection()
    {
        var store = await TestStore.CreateAsync("rebuild_pages", new SeenEventsProjection(ProjectionLifecycle.Async));
        var control = new ProjectionControl(store);
        await using (await store.StartDaemonAsync())
        {
            // About 3,000 events: the daemon rebuilds them in pages of 500, the later ones read ahead while the earlier are applied.
            await Parallel.ForEachAsync(Enumerable.Range(0, 300), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            {
                var stream = Guid.NewGuid();
                for (var v = 0; v < 10; v++)
                    await store.AppendAsync(stream, "thing", v == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(v), new ThingHappened("x", i), TestStore.Metadata, ct);
                if (i % 40 == 3)
                {
                    await using var connection = await store.DataSource.OpenConnectionAsync(ct);
                    await using var tx = await connection.BeginTransactionAsync(ct);
                    await store.AppendInOpenTransactionAsync(tx, $"gone{i}");
                    await tx.RollbackAsync(ct);
                }
            });
            await control.CatchUpAsync(TimeSpan.FromSeconds(60));
        }
        const string seen = "select position, stream_id from factdesk.seen_events order by seen_order";
        const string totals = "select stream_id, total, events from factdesk.seen_totals order by stream_id";
        var (seenBefore, totalsBefore) = (await store.RowsAsync(seen), await store.RowsAsync(totals));
        seenBefore.Count.ShouldBe(3000);

        await control.RebuildAsync("seen");
        (await store.RowsAsync(seen)).ShouldBe(seenBefore);
        (await store.RowsAsync(totals)).ShouldBe(totalsBefore);

        // A second rebuild reads the log again, not what the first one read ahead: the last events, edited in between,
        // count as edited (the amounts are those the log holds now).
        (await store.ScalarAsync<long>("""
            with edited as (update factdesk.mt_events set data = jsonb_set(data, '{amount}', '1000')
                            where seq_id > (select max(seq_id) - 20 from factdesk.mt_events) returning 1)
            select count(*) from edited
            """)).ShouldBe(20);
        await control.RebuildAsync("seen");
        (await store.RowsAsync(seen)).ShouldBe(seenBefore);
        var fromTheLog = await store.RowsAsync(
            "select stream_id, sum((data->>'amount')::bigint), count(*)::int from factdesk.mt_events group by stream_id order by stream_id");
        var rebuilt = await store.RowsAsync(totals);
        rebuilt.ShouldBe(fromTheLog);
        rebuilt.ShouldNotBe(totalsBefore);
    }

    [Fact]
    public async Task Two_instances_in_hot_cold_mode_apply_each_event_once_in_global_order()
    {
        var database = await FactDesk.Testing.PostgresServer.CreateDatabaseForAsync("two_instances");
        var first = await TestStore.OpenAsync(database, new SeenEventsProjection(ProjectionLifecycle.Async));
        var second = await TestStore.OpenAsync(database, new SeenEventsProjection(ProjectionLifecycle.Async));
        var coordinators = new[] { first, second }.Select(s => new ProjectionCoordinator(s.Marten, NullLogger<ProjectionCoordinator>.Instance)).ToArray();
        foreach (var coordinator in coordinators) await coordinator.StartAsync(CancellationToken.None);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
                await (i % 2 == 0 ? first : second).AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("x", 1), TestStore.Metadata, ct));
            await new ProjectionControl(first).CatchUpAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            foreach (var coordinator in coordinators) await coordinator.StopAsync(CancellationToken.None);
        }
        // seen_events has position as primary key: a double application would have failed the batch; the order must be global order.
        var seen = (await first.RowsAsync("select position from factdesk.seen_events order by seen_order")).Select(r => (long)r[0]).ToList();
        seen.Count.ShouldBe(200);
        seen.ShouldBe(seen.Order().ToList());
    }

    [Fact]
    public async Task An_event_of_a_type_this_service_does_not_know_is_still_projected_in_its_place()
    {
        var store = await TestStore.CreateAsync("unknown_type", new SeenEventsProjection(ProjectionLifecycle.Async));
        await using var daemon = await store.StartDaemonAsync();
        // As a newer version of the service would write it: a Marten event whose class this build does not have.
        await store.DataSource.AppendEventsOfAnUnknownTypeAsync(1);
        await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("known", 1), TestStore.Metadata);
        await new ProjectionControl(store).CatchUpAsync(TimeSpan.FromSeconds(60));
        (await store.RowsAsync("select position from factdesk.seen_events order by seen_order")).Select(r => (long)r[0]).ShouldBe([1L, 2L]);
    }

    [Fact]
    public async Task An_event_of_a_type_this_service_does_not_know_at_the_end_of_the_log_is_projected_though_none_follows()
    {
        var store = await TestStore.CreateAsync("unknown_type_last", new SeenEventsProjection(ProjectionLifecycle.Async));
        var control = new ProjectionControl(store);
        await using var daemon = await store.StartDaemonAsync();
        await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("known", 1), TestStore.Metadata);
        await control.CatchUpAsync(TimeSpan.FromSeconds(60));
        // Alone in the daemon's next page: Marten skips it and moves the projection's progress past it without a call.
        await store.DataSource.AppendEventsOfAnUnknownTypeAsync(1);
        await control.CatchUpAsync(TimeSpan.FromSeconds(60));
        (await store.RowsAsync("select position from factdesk.seen_events order by seen_order")).Select(r => (long)r[0]).ShouldBe([1L, 2L]);
        (await store.ScalarAsync<long>("select position from factdesk.daemon_positions where projection = 'seen'")).ShouldBe(2);
    }

    [Fact]
    public async Task A_run_of_unknown_events_at_the_end_longer_than_one_slice_is_projected_once_each_in_order()
    {
        var store = await TestStore.CreateAsync("unknown_type_long_tail", new SeenEventsProjection(ProjectionLifecycle.Async));
        var control = new ProjectionControl(store);
        await using var daemon = await store.StartDaemonAsync();
        await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("known", 1), TestStore.Metadata);
        await control.CatchUpAsync(TimeSpan.FromSeconds(60));
        // One append of a newer version's events, more than one slice of the catch-up, and nothing known after them.
        var count = (int)DaemonProjection.SkippedTailSlice + 7;
        await store.DataSource.AppendEventsOfAnUnknownTypeAsync(count);
        await control.CatchUpAsync(TimeSpan.FromSeconds(60));
        var seen = (await store.RowsAsync("select position from factdesk.seen_events order by seen_order")).Select(r => (long)r[0]).ToList();
        seen.ShouldBe(Enumerable.Range(1, count + 1).Select(p => (long)p).ToList());
    }

    [Fact]
    public async Task Martens_own_rebuild_projects_an_event_of_an_unknown_type_that_opens_the_log()
    {
        var store = await TestStore.CreateAsync("unknown_type_rebuilt", new SeenEventsProjection(ProjectionLifecycle.Async));
        // Position 1: a newer version's event, which Marten's daemon never hands over; position 2: a known one.
        await store.DataSource.AppendEventsOfAnUnknownTypeAsync(1);
        await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("known", 1), TestStore.Metadata);
        await store.CatchUpLedgerAsync();
        (await store.RowsAsync("select position from factdesk.seen_events order by seen_order")).Select(r => (long)r[0]).ShouldBe([1L, 2L]);

        // What JasperFx's `projections rebuild` runs: Marten empties the projection's tables and replays from the start.
        // Its first page hands over position 2 only; the rebuilt table must still hold position 1.
        using (var daemon = await store.Marten.BuildProjectionDaemonAsync())
            await daemon.RebuildProjectionAsync("seen", TimeSpan.FromMinutes(1), CancellationToken.None);
        (await store.RowsAsync("select position from factdesk.seen_events order by seen_order")).Select(r => (long)r[0]).ShouldBe([1L, 2L]);
        (await store.ScalarAsync<long>("select position from factdesk.daemon_positions where projection = 'seen'")).ShouldBe(2);
    }

    [Fact]
    public async Task An_event_a_projection_cannot_apply_is_set_aside_as_a_dead_letter_and_the_rest_are_applied()
    {
        var store = await TestStore.CreateAsync("dead_letter", new PoisonRefusingProjection());
        var deadLettered = new List<long>();
        store.EventDeadLettered += (_, e, _) => { lock (deadLettered) deadLettered.Add(e.Position); };
        await using var daemon = await store.StartDaemonAsync();
        foreach (var name in new[] { "one", "poison", "three" })
            await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened(name, 1), TestStore.Metadata);
        await new ProjectionControl(store).CatchUpAsync(TimeSpan.FromSeconds(60));

        (await store.RowsAsync("select position from factdesk.refusing_events order by position")).Select(r => (long)r[0]).ShouldBe([1L, 3L]);
        var letter = (await store.ReadDeadLettersAsync()).ShouldHaveSingleItem();
        (letter.Projection, letter.Position, letter.EventType).ShouldBe(("refusing", 2L, "thing-happened.v1"));
        letter.Error.ShouldContain("poison");
        deadLettered.ShouldBe([2L]);
    }

    [Fact]
    public async Task A_replay_sets_aside_again_what_still_fails_and_once_the_projection_is_fixed_forgets_its_dead_letters()
    {
        var refusing = new PoisonRefusingProjection();
        var store = await TestStore.CreateAsync("dead_letter_replay", refusing);
        var deadLettered = new List<long>();
        store.EventDeadLettered += (_, e, _) => { lock (deadLettered) deadLettered.Add(e.Position); };
        var control = new ProjectionControl(store);
        await using (await store.StartDaemonAsync())
        {
            foreach (var name in new[] { "one", "poison", "three" })
                await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened(name, 1), TestStore.Metadata);
            await control.CatchUpAsync(TimeSpan.FromSeconds(60));
        }
        const string projected = "select position from factdesk.refusing_events order by position";
        // Rows a replay wrote under a savepoint carry the savepoint's transaction id, not the one of the replay's own
        // progress row, written outside any savepoint.
        const string writtenUnderSavepoints = """
            select count(*) from factdesk.refusing_events
            where xmin::text <> (select xmin::text from factdesk.mt_event_progression where name = 'refusing:All')
            """;
        deadLettered.ShouldBe([2L]);

        // Still broken: the replay fails on the poison, starts again with savepoints and sets it aside again.
        await control.RebuildAsync("refusing");
        (await store.RowsAsync(projected)).Select(r => (long)r[0]).ShouldBe([1L, 3L]);
        (await store.ReadDeadLettersAsync()).ShouldHaveSingleItem().Position.ShouldBe(2L);
        deadLettered.ShouldBe([2L, 2L]);
        (await store.ScalarAsync<long>(writtenUnderSavepoints)).ShouldBe(2);

        // Fixed: the replay applies every event in its one transaction, and the dead letter it no longer produces is gone.
        refusing.Fixed = true;
        await control.RebuildAsync("refusing");
        (await store.RowsAsync(projected)).Select(r => (long)r[0]).ShouldBe([1L, 2L, 3L]);
        (await store.ReadDeadLettersAsync()).ShouldBeEmpty();
        deadLettered.ShouldBe([2L, 2L]);
        (await store.ScalarAsync<long>(writtenUnderSavepoints)).ShouldBe(0);
        (await control.GetCheckpointAsync("refusing")).ShouldBe(3);
    }

    [Fact]
    public async Task An_async_projection_rebuilt_by_the_instance_running_it_goes_on_from_the_rebuilt_mark_with_no_event_lost_or_repeated()
    {
        // A projection slow enough that the replay outlasts the coordinator's polls (1 s): an agent restarted from the
        // old progress during the replay would wait for its locks and then stop or deadlock with it.
        var store = await TestStore.CreateAsync("rebuild_running", new SeenEventsProjection(ProjectionLifecycle.Async, pauseEach: TimeSpan.FromMilliseconds(15)));
        var coordinator = new ProjectionCoordinator(store.Marten, NullLogger<ProjectionCoordinator>.Instance);
        await coordinator.StartAsync(CancellationToken.None);
        var control = new ProjectionControl(store, coordinator);
        try
        {
            for (var i = 0; i < 150; i++)
                await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("before", 1), TestStore.Metadata);
            await control.CatchUpAsync(TimeSpan.FromSeconds(60));

            // Appends go on before, during and after the rebuild.
            using var stop = new CancellationTokenSource();
            var appended = 0;
            var appends = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("during", 1), TestStore.Metadata);
                    Interlocked.Increment(ref appended);
                }
            });
            while (Volatile.Read(ref appended) < 20) await Task.Yield();
            var replay = Stopwatch.StartNew();
            await control.RebuildAsync("seen");
            replay.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(2), "the replay must outlast the coordinator's polls");
            var atRebuild = Volatile.Read(ref appended);
            while (Volatile.Read(ref appended) < atRebuild + 20) await Task.Yield();
            await stop.CancelAsync();
            await appends;

            // seen_events has position as primary key: an event applied twice would fail its batch and the daemon would
            // never catch up. Rows are numbered as inserted: the rebuilt ones first, then the daemon's, in global order.
            await control.CatchUpAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await coordinator.StopAsync(CancellationToken.None);
        }
        var stored = (await store.RowsAsync("select seq_id from factdesk.mt_events order by seq_id")).Select(r => (long)r[0]).ToList();
        stored.Count.ShouldBeGreaterThan(190);
        (await store.RowsAsync("select position from factdesk.seen_events order by seen_order")).Select(r => (long)r[0]).ShouldBe(stored);
        (await control.GetCheckpointAsync("seen")).ShouldBe(stored[^1]);
    }

    [Fact]
    public async Task The_instance_running_two_async_projections_rebuilds_them_one_right_after_the_other()
    {
        // A rebuild pauses the coordinator and resumes it; the next rebuild must find the agents started again (an
        // operator rebuilding the ledger, then the transparency log), not refuse them as another instance's.
        var store = await TestStore.CreateAsync("rebuild_back_to_back", new SeenEventsProjection(ProjectionLifecycle.Async), new PoisonRefusingProjection { Fixed = true });
        var coordinator = new ProjectionCoordinator(store.Marten, NullLogger<ProjectionCoordinator>.Instance);
        await coordinator.StartAsync(CancellationToken.None);
        var control = new ProjectionControl(store, coordinator);
        try
        {
            for (var i = 0; i < 5; i++)
                await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("before", 1), TestStore.Metadata);
            await control.CatchUpAsync(TimeSpan.FromSeconds(60));
            for (var round = 0; round < 10; round++)
            {
                await control.RebuildAsync("seen");
                await control.RebuildAsync("refusing");
            }
            await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("after", 1), TestStore.Metadata);
            await control.CatchUpAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await coordinator.StopAsync(CancellationToken.None);
        }
        (await store.RowsAsync("select position from factdesk.seen_events order by seen_order")).Select(r => (long)r[0]).ShouldBe([1L, 2L, 3L, 4L, 5L, 6L]);
        (await store.RowsAsync("select position from factdesk.refusing_events order by position")).Select(r => (long)r[0]).ShouldBe([1L, 2L, 3L, 4L, 5L, 6L]);
    }

    [Fact]
    public async Task Another_process_may_not_replay_an_async_projection_an_instance_is_running_and_may_once_it_stops()
    {
        var database = await FactDesk.Testing.PostgresServer.CreateDatabaseForAsync("replay_beside");
        var service = await TestStore.OpenAsync(database, new SeenEventsProjection(ProjectionLifecycle.Async));
        var tool = await TestStore.OpenAsync(database, new SeenEventsProjection(ProjectionLifecycle.Async));
        const string seen = "select position from factdesk.seen_events order by seen_order";
        var coordinator = new ProjectionCoordinator(service.Marten, NullLogger<ProjectionCoordinator>.Instance);
        await coordinator.StartAsync(CancellationToken.None);
        try
        {
            for (var i = 0; i < 50; i++)
                await service.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("before", 1), TestStore.Metadata);
            await new ProjectionControl(service).CatchUpAsync(TimeSpan.FromSeconds(60));
            (await service.ScalarAsync<long>("with changed as (update factdesk.seen_totals set total = -1 returning 1) select count(*) from changed")).ShouldBe(50);

            // The service's instance holds the projection: the tool's replay refuses and changes nothing.
            var refused = await Should.ThrowAsync<InvalidOperationException>(() => new ProjectionControl(tool).RebuildAsync("seen"));
            refused.Message.ShouldContain("running instance");
            (await service.ScalarAsync<long>("select count(*) from factdesk.seen_totals where total = -1")).ShouldBe(50);
        }
        finally
        {
            await coordinator.StopAsync(CancellationToken.None);
        }

        // With the service stopped the replay runs; started again, the service goes on from the replay's mark.
        await new ProjectionControl(tool).RebuildAsync("seen");
        (await service.ScalarAsync<long>("select count(*) from factdesk.seen_totals where total = -1")).ShouldBe(0);
        var restarted = new ProjectionCoordinator(service.Marten, NullLogger<ProjectionCoordinator>.Instance);
        await restarted.StartAsync(CancellationToken.None);
        try
        {
            for (var i = 0; i < 10; i++)
                await service.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("after", 1), TestStore.Metadata);
            await new ProjectionControl(service).CatchUpAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await restarted.StopAsync(CancellationToken.None);
        }
        var stored = (await service.RowsAsync("select seq_id from factdesk.mt_events order by seq_id")).Select(r => (long)r[0]).ToList();
        stored.Count.ShouldBe(60);
        (await service.RowsAsync(seen)).Select(r => (long)r[0]).ShouldBe(stored);
    }

    [Fact]
    public async Task A_range_projection_copies_events_on_the_server_live_and_rebuilt_and_sets_aside_only_the_one_it_cannot_copy()
    {
        var copying = new CopyingRangeProjection();
        var store = await TestStore.CreateAsync("range_copy", copying);
        var deadLettered = new List<long>();
        store.EventDeadLettered += (_, e, _) => { lock (deadLettered) deadLettered.Add(e.Position); };
        var control = new ProjectionControl(store);
        const string copied = "select position, type, actor_name, name from factdesk.copied_events order by position";
        await using (await store.StartDaemonAsync())
        {
            await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("one", 1), TestStore.Metadata);
            await control.CatchUpAsync(TimeSpan.FromSeconds(60));
            // Copied by the range statement, not event by event.
            (copying.RangesHanded, copying.EventListsApplied).ShouldBe((1, 0));

            foreach (var name in new[] { "poison", "three" })
                await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened(name, 1), TestStore.Metadata);
            await control.CatchUpAsync(TimeSpan.FromSeconds(60));
        }
        var live = await store.RowsAsync(copied);
        live.Select(r => (long)r[0]).ShouldBe([1L, 3L]);
        live[0].ShouldBe([1L, "thing-happened.v1", TestStore.Metadata.ActorName, "one"]);
        deadLettered.ShouldBe([2L]);

        var rangesBefore = copying.RangesHanded;
        await control.RebuildAsync("copying");
        (await store.RowsAsync(copied)).ShouldBe(live);
        copying.RangesHanded.ShouldBeGreaterThan(rangesBefore, "the rebuild hands the projection its range");
        deadLettered.ShouldBe([2L, 2L]);
        (await store.ReadDeadLettersAsync()).ShouldHaveSingleItem().Position.ShouldBe(2L);
        (await control.GetCheckpointAsync("copying")).ShouldBe(3);
    }
}

/// <summary>Records every event but throws on one named "poison": a projection with a bug that one event triggers, until fixed.</summary>
public sealed class PoisonRefusingProjection : IProjection
{
    public bool Fixed { get; set; }
    public string Name => "refusing";
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Async;
    public IReadOnlyList<string> Tables => ["refusing_events"];
    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects
    {
        get
        {
            var refusing = SchemaTables.For("factdesk", "refusing_events");
            refusing.AddColumn("position", "bigint").AsPrimaryKey();
            return [refusing];
        }
    }

    public async Task ApplyAsync(Npgsql.NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            await using var cmd = new Npgsql.NpgsqlCommand("insert into factdesk.refusing_events (position) values ($1)", connection);
            cmd.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = e.Position });
            await cmd.ExecuteNonQueryAsync(ct);
            if (e.Data is ThingHappened { Name: "poison" } && !Fixed) throw new InvalidOperationException("cannot project the poison thing");
        }
    }
}

/// <summary>
/// Copies each event's position, type, actor and name on the server (<see cref="IRangeProjection"/>); the copy fails
/// (a division by zero) for an event named "poison".
/// </summary>
public sealed class CopyingRangeProjection : IRangeProjection
{
    public int RangesHanded, EventListsApplied;
    public string Name => "copying";
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Async;
    public IReadOnlyList<string> Tables => ["copied_events"];
    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects
    {
        get
        {
            var copied = SchemaTables.For("factdesk", "copied_events");
            copied.AddColumn("position", "bigint").AsPrimaryKey();
            copied.AddColumn("type", "text").NotNull();
            copied.AddColumn("actor_name", "text").NotNull();
            copied.AddColumn("name", "text").NotNull();
            return [copied];
        }
    }

    public async Task ApplyRangeAsync(Npgsql.NpgsqlConnection connection, long after, long upTo, CancellationToken ct)
    {
        Interlocked.Increment(ref RangesHanded);
        await CopyAsync(connection, after, upTo, null, ct);
    }

    public async Task ApplyAsync(Npgsql.NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        Interlocked.Increment(ref EventListsApplied);
        await CopyAsync(connection, events.Min(e => e.Position) - 1, events.Max(e => e.Position), events.Select(e => e.Position).ToArray(), ct);
    }

    private static async Task CopyAsync(Npgsql.NpgsqlConnection connection, long after, long upTo, long[]? only, CancellationToken ct)
    {
        await using var cmd = new Npgsql.NpgsqlCommand($"""
            insert into factdesk.copied_events (position, type, actor_name, name)
            select e.position, e.type, e.actor_name,
                   e.data->>'name' || case when e.data->>'name' = 'poison' then (1 / (e.position - e.position))::text else '' end
            from ({TamperEvidentLog.EventRowsInRangeSql("factdesk", "$1", "$2")}) e
            where $3::bigint[] is null or e.position = any($3)
            on conflict (position) do nothing
            """, connection);
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = after });
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = upTo });
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = (object?)only ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
