using JasperFx.Events;
using static FactDesk.GroupCommit.Tests.MartenDatabase;

namespace FactDesk.GroupCommit.Tests;

public sealed class GroupCommitAppenderTests
{
    [Fact]
    public async Task Concurrent_appends_to_different_streams_all_land_and_share_commits()
    {
        await using var db = await CreateAsync("gc_share");
        await using var appender = new GroupCommitAppender(db.Store, new GroupCommitOptions { Lanes = 2, MaxAppendsPerCommit = 64 });
        var streams = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid()).ToArray();

        // Every writer at once: a new stream each, then a second event at the exact version.
        (await Task.WhenAll(streams.Select(s => appender.AppendAsync(s, 0, One("first")))).WaitAsync(Patience)).ShouldAllBe(v => v == 1);
        (await Task.WhenAll(streams.Select(s => appender.AppendAsync(s, 1, One("second")))).WaitAsync(Patience)).ShouldAllBe(v => v == 2);

        (await db.CountAsync("select count(*) from factdesk.mt_events")).ShouldBe(400);
        (await db.CountAsync("select count(*) from factdesk.mt_streams where version = 2")).ShouldBe(200);
        (await db.CountAsync("select count(distinct (stream_id, version)) from factdesk.mt_events")).ShouldBe(400);
        var transactions = await db.WritingTransactionsAsync(streams);
        var commits = transactions.Distinct().Count();
        commits.ShouldBeLessThan(400 / 2, "appends queued behind a commit in flight share the next one");
        transactions.GroupBy(t => t).Max(g => g.Count()).ShouldBeGreaterThan(1);
        appender.Counts.ShouldBe(new GroupCommitCounts(commits, 400));
    }

    [Fact]
    public async Task Each_committed_transaction_is_told_with_its_appends_and_a_listener_that_throws_fails_nothing()
    {
        await using var db = await CreateAsync("gc_told");
        var told = new System.Collections.Concurrent.ConcurrentQueue<GroupCommitted>();
        await using var appender = new GroupCommitAppender(db.Store, new GroupCommitOptions
        {
            Lanes = 2,
            Committed = committed =>
            {
                told.Enqueue(committed);
                throw new InvalidOperationException("a broken metrics listener");
            },
        });
        var streams = Enumerable.Range(0, 100).Select(_ => Guid.NewGuid()).ToArray();

        (await Task.WhenAll(streams.Select(s => appender.AppendAsync(s, 0, One("first")))).WaitAsync(Patience)).ShouldAllBe(v => v == 1);

        (await db.CountAsync("select count(*) from factdesk.mt_events")).ShouldBe(100);
        told.Sum(c => c.Appends).ShouldBe(100);
        told.Count.ShouldBe((int)appender.Counts.Commits);
        told.ShouldAllBe(c => c.Appends >= 1 && c.Duration > TimeSpan.Zero);
        told.Count.ShouldBe((await db.WritingTransactionsAsync(streams)).Distinct().Count());
    }

    [Fact]
    public async Task Commits_run_on_connections_of_the_pool_they_are_given()
    {
        await using var db = await CreateAsync("gc_pool");
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { ApplicationName = "factdesk-commits", NoResetOnClose = true };
        await using var commits = Npgsql.NpgsqlDataSource.Create(settings.ConnectionString);
        await using var appender = new GroupCommitAppender(db.Store, new GroupCommitOptions { Lanes = 2, Connections = commits });
        var streams = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();

        (await Task.WhenAll(streams.Select(s => appender.AppendAsync(s, 0, One("pooled")))).WaitAsync(Patience)).ShouldAllBe(v => v == 1);

        (await db.CountAsync("select count(*) from factdesk.mt_events where data::text like '%pooled%'")).ShouldBe(20);
        // Back in the given pool and still connected: the commits ran there, not on the store's connections.
        (await db.CountAsync("select count(*) from pg_stat_activity where application_name = 'factdesk-commits' and datname = current_database()"))
            .ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task A_stale_expected_version_fails_only_its_own_append_and_its_batch_mates_commit_together()
    {
        await using var db = await CreateAsync("gc_stale");
        await using var appender = new GroupCommitAppender(db.Store, new GroupCommitOptions { Lanes = 1 });
        var holder = Guid.NewGuid();
        var streams = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        await Task.WhenAll(streams.Append(holder).Select(s => appender.AppendAsync(s, 0, One("created")))).WaitAsync(Patience);
        var stale = streams[7];
        await appender.AppendAsync(stale, 1, One("moved on")).WaitAsync(Patience);

        Task<long> held;
        Task<long>[] batch;
        await using (await db.LockStreamAsync(holder))
        {
            held = appender.AppendAsync(holder, 1, One("held"));
            await db.WaitUntilAnAppendIsBlockedAsync();
            // The one lane is blocked in a commit: all of these queue and go in its next batch.
            batch = streams.Select(s => appender.AppendAsync(s, 1, One("batched"))).ToArray();
        }

        (await held.WaitAsync(Patience)).ShouldBe(2);
        var conflict = await Should.ThrowAsync<EventStreamUnexpectedMaxEventIdException>(() => batch[7].WaitAsync(Patience));
        conflict.Id.ShouldBe(stale);
        foreach (var (task, i) in batch.Select((t, i) => (t, i)).Where(x => x.i != 7)) (await task).ShouldBe(2);

        (await db.VersionAsync(stale)).ShouldBe(2); // its own two events, nothing of the failed append
        (await db.CountAsync("select count(*) from factdesk.mt_events where stream_id = $1", stale)).ShouldBe(2);
        (await db.CountAsync("select count(*) from factdesk.mt_events where data::text like '%batched%'")).ShouldBe(19);
        var mates = await db.WritingTransactionsAsync(streams.Where(s => s != stale).ToArray());
        mates.TakeLast(19).Distinct().Count().ShouldBe(1, "the 19 batch-mates commit in one transaction");
    }

    [Fact]
    public async Task Two_appends_to_one_stream_at_the_same_expected_version_exactly_one_wins()
    {
        await using var db = await CreateAsync("gc_race");
        await using var appender = new GroupCommitAppender(db.Store, new GroupCommitOptions { Lanes = 4, MaxAppendsPerCommit = 16 });
        var streams = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToArray();

        foreach (var expected in new long[] { 0, 1 })
        {
            var racers = streams.Select(s => (Stream: s, A: appender.AppendAsync(s, expected, One("a")), B: appender.AppendAsync(s, expected, One("b")))).ToArray();
            foreach (var (stream, a, b) in racers)
            {
                var outcomes = new[] { await Outcome(a), await Outcome(b) };
                outcomes.Count(o => o is null).ShouldBe(1, $"stream {stream} at expected version {expected}");
                var loser = outcomes.Single(o => o is not null)!;
                (loser is EventStreamUnexpectedMaxEventIdException or Marten.Exceptions.ExistingStreamIdCollisionException
                    or JasperFx.Events.ExistingStreamIdCollisionException).ShouldBeTrue(loser.ToString());
            }
        }

        (await db.CountAsync("select count(*) from factdesk.mt_streams where version = 2")).ShouldBe(50);
        // Only these streams: a batch that rolls back after taking sequence numbers makes Marten fill the gap with
        // tombstone events on a stream of its own.
        (await db.CountAsync("select count(*) from factdesk.mt_events where stream_id = any($1)", streams)).ShouldBe(100);
    }

    [Fact]
    public async Task Appends_to_one_stream_never_share_a_batch()
    {
        await using var db = await CreateAsync("gc_same_stream");
        await using var appender = new GroupCommitAppender(db.Store, new GroupCommitOptions { Lanes = 1 });
        var (holder, stream, other) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await Task.WhenAll(appender.AppendAsync(holder, 0, One("created")), appender.AppendAsync(stream, 0, One("created"))).WaitAsync(Patience);

        Task<long>[] queued;
        await using (await db.LockStreamAsync(holder))
        {
            var held = appender.AppendAsync(holder, 1, One("held"));
            await db.WaitUntilAnAppendIsBlockedAsync();
            // Queued together behind the held commit; the stream's second append must wait for its first to commit.
            queued = [appender.AppendAsync(stream, 1, One("second")), appender.AppendAsync(other, 0, One("created")), appender.AppendAsync(stream, 2, One("third"))];
            _ = held;
        }

        (await Task.WhenAll(queued).WaitAsync(Patience)).ShouldBe([2, 1, 3]);
        var writers = await db.WritingTransactionsAsync([stream]);
        writers.Count.ShouldBe(3);
        writers[1].ShouldNotBe(writers[2], "the stream's two queued appends went in separate commits");
        (await db.WritingTransactionsAsync([other])).Single().ShouldBe(writers[1], "the first shared its commit with the other stream");
    }

    [Fact]
    public async Task A_queued_append_that_its_streams_commit_made_stale_fails_as_a_conflict_and_writes_nothing()
    {
        await using var db = await CreateAsync("gc_stale_behind");
        await using var appender = new GroupCommitAppender(db.Store, new GroupCommitOptions { Lanes = 1 });
        var (holder, stream, other) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await Task.WhenAll(appender.AppendAsync(holder, 0, One("created")), appender.AppendAsync(stream, 0, One("created"))).WaitAsync(Patience);

        Task<long> first, stale, beside;
        await using (await db.LockStreamAsync(holder))
        {
            _ = appender.AppendAsync(holder, 1, One("held"));
            await db.WaitUntilAnAppendIsBlockedAsync();
            // Both decided on version 1 of the stream: the first goes in the next batch, the second waits behind it.
            first = appender.AppendAsync(stream, 1, One("first"));
            stale = appender.AppendAsync(stream, 1, One("stale"));
            beside = appender.AppendAsync(other, 0, One("created"));
        }

        (await first.WaitAsync(Patience)).ShouldBe(2);
        (await beside.WaitAsync(Patience)).ShouldBe(1);
        var conflict = await Should.ThrowAsync<EventStreamUnexpectedMaxEventIdException>(stale.WaitAsync(Patience));
        conflict.Message.ShouldContain(stream.ToString());
        (await db.VersionAsync(stream)).ShouldBe(2);
        // Every event in the log is one that was acknowledged: the stale append wrote nothing, not even a tombstone.
        (await db.CountAsync("select count(*) from factdesk.mt_events")).ShouldBe(5);
    }

    [Fact]
    public async Task A_poison_append_fails_alone()
    {
        await using var db = await CreateAsync("gc_poison");
        await using var appender = new GroupCommitAppender(db.Store, new GroupCommitOptions { Lanes = 1 });
        var holder = Guid.NewGuid();
        await appender.AppendAsync(holder, 0, One("created")).WaitAsync(Patience);
        var streams = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToArray();
        var poisoned = Guid.NewGuid();

        Task<long>[] good;
        Task<long> poison;
        await using (await db.LockStreamAsync(holder))
        {
            var held = appender.AppendAsync(holder, 1, One("held"));
            await db.WaitUntilAnAppendIsBlockedAsync();
            good = streams.Take(5).Select(s => appender.AppendAsync(s, 0, One("good"))).ToArray();
            poison = appender.AppendAsync(poisoned, 0, [new ThingHappened("before", 1), new Unserialisable()]);
            good = [.. good, .. streams.Skip(5).Select(s => appender.AppendAsync(s, 0, One("good")))];
            _ = held;
        }

        var failure = await Should.ThrowAsync<Exception>(() => poison.WaitAsync(Patience));
        failure.ToString().ShouldContain(Unserialisable.Failure);
        (await Task.WhenAll(good).WaitAsync(Patience)).ShouldAllBe(v => v == 1);
        (await db.VersionAsync(poisoned)).ShouldBeNull();
        (await db.CountAsync("select count(*) from factdesk.mt_events where stream_id = $1", poisoned)).ShouldBe(0);
        (await db.CountAsync("select count(*) from factdesk.mt_events where data::text like '%good%'")).ShouldBe(10);
        (await appender.AppendAsync(poisoned, 0, One("healthy")).WaitAsync(Patience)).ShouldBe(1, "the lane goes on");
    }

    [Fact]
    public async Task Cancelled_while_queued_writes_nothing_and_the_lane_goes_on()
    {
        await using var db = await CreateAsync("gc_cancel");
        await using var appender = new GroupCommitAppender(db.Store, new GroupCommitOptions { Lanes = 1 });
        var holder = Guid.NewGuid();
        await appender.AppendAsync(holder, 0, One("created")).WaitAsync(Patience);

        var early = Guid.NewGuid();
        await Should.ThrowAsync<OperationCanceledException>(() => appender.AppendAsync(early, 0, One("never"), new CancellationToken(canceled: true)));

        var streams = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        using var cancel = new CancellationTokenSource();
        Task<long> held;
        Task<long>[] queued;
        await using (await db.LockStreamAsync(holder))
        {
            held = appender.AppendAsync(holder, 1, One("held"), cancel.Token);
            await db.WaitUntilAnAppendIsBlockedAsync();
            queued = streams.Select(s => appender.AppendAsync(s, 0, One("cancelled"), cancel.Token)).ToArray();
            await cancel.CancelAsync();
        }

        (await held.WaitAsync(Patience)).ShouldBe(2, "taken into its commit before the cancel: it runs to its outcome");
        foreach (var task in queued) await Should.ThrowAsync<OperationCanceledException>(() => task.WaitAsync(Patience));
        (await db.CountAsync("select count(*) from factdesk.mt_events where stream_id = any($1)", streams.Append(early).ToArray())).ShouldBe(0);
        (await appender.AppendAsync(streams[0], 0, One("later")).WaitAsync(Patience)).ShouldBe(1);
    }

    [Fact]
    public async Task Dispose_drains_every_queued_append_and_refuses_new_ones()
    {
        await using var db = await CreateAsync("gc_dispose");
        var appender = new GroupCommitAppender(db.Store, new GroupCommitOptions { Lanes = 1, MaxAppendsPerCommit = 8 });
        var holder = Guid.NewGuid();
        await appender.AppendAsync(holder, 0, One("created")).WaitAsync(Patience);
        var streams = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToArray();

        Task<long>[] queued;
        Task disposing;
        await using (await db.LockStreamAsync(holder))
        {
            var held = appender.AppendAsync(holder, 1, One("held"));
            await db.WaitUntilAnAppendIsBlockedAsync();
            queued = [held, .. streams.Select(s => appender.AppendAsync(s, 0, One("drained")))];
            disposing = appender.DisposeAsync().AsTask();
            await Should.ThrowAsync<ObjectDisposedException>(() => appender.AppendAsync(Guid.NewGuid(), 0, One("refused")));
            disposing.IsCompleted.ShouldBeFalse("appends are still queued behind the held commit");
        }

        await disposing.WaitAsync(Patience);
        queued.ShouldAllBe(t => t.IsCompletedSuccessfully);
        (await db.CountAsync("select count(*) from factdesk.mt_events where data::text like '%drained%'")).ShouldBe(50);
        (await db.CountAsync("select count(*) from factdesk.mt_events")).ShouldBe(52);
    }

    [Fact]
    public void Refuses_a_store_without_quick_append()
    {
        using var store = Marten.DocumentStore.For(o => o.Connection("Host=127.0.0.1;Database=unused"));
        Should.Throw<ArgumentException>(() => new GroupCommitAppender(store));
    }

    private static async Task<Exception?> Outcome(Task<long> append)
    {
        try
        {
            await append.WaitAsync(Patience);
            return null;
        }
        catch (TimeoutException)
        {
            throw;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
