using FactDesk.Testing;
using Npgsql;
using Shouldly;
using Weasel.Core;

namespace FactDesk.TamperEvidence.Tests;

/// <summary>A projection whose table gained a column and an index in its second version: a deployment that migrates.</summary>
public sealed class NotesProjection(bool secondVersion) : IProjection
{
    public string Name => "notes";
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Inline;
    public IReadOnlyList<string> Tables => ["notes"];

    public IReadOnlyList<ISchemaObject> SchemaObjects
    {
        get
        {
            var notes = SchemaTables.For("factdesk", "notes");
            notes.AddColumn("position", "bigint").AsPrimaryKey();
            notes.AddColumn("name", "text").NotNull();
            if (secondVersion)
            {
                notes.AddColumn("amount", "int");
                notes.Index("notes_by_amount", ["amount"], where: "amount is not null");
            }
            return [notes];
        }
    }

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            if (e.Data is not ThingHappened happened) continue;
            await using var cmd = new NpgsqlCommand(secondVersion
                ? "insert into factdesk.notes (position, name, amount) values ($1, $2, $3)"
                : "insert into factdesk.notes (position, name) values ($1, $2)", connection);
            cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Position });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = happened.Name });
            if (secondVersion) cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = happened.Amount });
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}

/// <summary>The schema is Marten's and Weasel's to create and migrate: FactDesk only declares its tables and functions.</summary>
public class SchemaTests
{
    [Fact]
    public async Task An_empty_database_gets_every_table_and_function_and_a_second_start_up_finds_nothing_to_change()
    {
        var database = await PostgresServer.CreateDatabaseForAsync("schema_fresh");
        var first = await TestStore.OpenAsync(database, new SeenEventsProjection(ProjectionLifecycle.Inline));
        foreach (var table in new[] { "stream_heads", "event_hashes", "ledger", "daemon_positions", "projection_dead_letters", "seen_events", "seen_totals", "mt_events" })
            (await first.ScalarAsync<long>($"select count(*) from information_schema.tables where table_schema = 'factdesk' and table_name = '{table}'"))
                .ShouldBe(1, table);
        (await first.ScalarAsync<long>("""
            select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'factdesk' and p.proname in ('event_hash_input', 'event_hash', 'lock_stream_heads_or_raise', 'chain_locked_streams')
            """)).ShouldBe(4);

        var second = TestStore.Build(database, new SeenEventsProjection(ProjectionLifecycle.Inline));
        var patch = await second.Marten.Storage.Database.CreateMigrationAsync();
        patch.Difference.ShouldBe(SchemaPatchDifference.None,
            string.Join(Environment.NewLine, patch.Deltas.Where(d => d.Difference != SchemaPatchDifference.None).Select(d => $"{d.SchemaObject.Identifier}: {d.Difference}")));
        await second.MigrateAsync();
        await second.Marten.Storage.Database.AssertDatabaseMatchesConfigurationAsync();

        // The functions Weasel made are the ones appends run on.
        var stream = Guid.NewGuid();
        await second.AppendAsync(stream, "thing", ExpectedVersion.NoStream, new ThingHappened("a", 1), TestStore.Metadata);
        (await second.ReadStreamAsync(stream)).Single().Hash.Length.ShouldBe(32);
        (await second.ScalarAsync<long>("select count(*) from factdesk.seen_events")).ShouldBe(1);
    }

    [Fact]
    public async Task Two_instances_starting_at_once_on_an_empty_database_both_come_up()
    {
        var database = await PostgresServer.CreateDatabaseForAsync("schema_race");
        var instances = Enumerable.Range(0, 2).Select(_ => TestStore.Build(database, new SeenEventsProjection(ProjectionLifecycle.Inline))).ToArray();

        await Task.WhenAll(instances.Select(i => Task.Run(() => i.MigrateAsync())));

        foreach (var instance in instances)
        {
            await instance.Marten.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
            await instance.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("up", 1), TestStore.Metadata);
        }
        (await instances[0].ScalarAsync<long>("select count(*) from factdesk.seen_events")).ShouldBe(2);
    }

    [Fact]
    public async Task A_table_declared_with_a_new_column_and_index_is_migrated_in_place_and_keeps_its_rows()
    {
        var database = await PostgresServer.CreateDatabaseForAsync("schema_evolve");
        var before = await TestStore.OpenAsync(database, new NotesProjection(secondVersion: false));
        await before.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("old", 1), TestStore.Metadata);

        var after = TestStore.Build(database, new NotesProjection(secondVersion: true));
        (await after.Marten.Storage.Database.CreateMigrationAsync()).Difference.ShouldBe(SchemaPatchDifference.Update);
        await after.MigrateAsync();

        await after.Marten.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
        await after.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("new", 7), TestStore.Metadata);
        (await after.RowsAsync("select name, amount from factdesk.notes order by position"))
            .Select(r => (Name: (string)r[0], Amount: r[1] as int?)).ShouldBe([("old", null), ("new", 7)]);
        (await after.ScalarAsync<long>("select count(*) from pg_indexes where schemaname = 'factdesk' and indexname = 'notes_by_amount'")).ShouldBe(1);
    }

    [Fact]
    public async Task Tables_the_earlier_migration_runner_created_already_match_their_declarations()
    {
        var database = await PostgresServer.CreateDatabaseForAsync("schema_takeover");
        // As the hand-written migrations before Weasel left them: PostgreSQL's own key and constraint names.
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                create schema factdesk;
                create table factdesk.stream_heads (
                    stream_id uuid primary key, type text not null, version bigint not null, head_hash bytea not null,
                    updated_at timestamptz not null default clock_timestamp());
                create table factdesk.event_hashes (
                    position bigint primary key, stream_id uuid not null, version bigint not null, event_id uuid not null,
                    hash bytea not null, tx_id xid8 not null default pg_current_xact_id(),
                    constraint event_hashes_event_id_key unique (event_id));
                create table factdesk.projection_dead_letters (
                    projection text not null, position bigint not null, event_type text not null, error text not null,
                    recorded_at timestamptz not null default clock_timestamp(), primary key (projection, position));
                """, connection);
            await cmd.ExecuteNonQueryAsync();
        }

        var store = TestStore.Build(database);
        var patch = await store.Marten.Storage.Database.CreateMigrationAsync();
        patch.Deltas.Where(d => d.SchemaObject.Identifier.Name is "stream_heads" or "event_hashes" or "projection_dead_letters")
            .Select(d => (d.SchemaObject.Identifier.Name, d.Difference))
            .ShouldBe([("stream_heads", SchemaPatchDifference.None), ("event_hashes", SchemaPatchDifference.None), ("projection_dead_letters", SchemaPatchDifference.None)],
                ignoreOrder: true);
        await store.MigrateAsync();
        await store.Marten.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
    }

    [Fact]
    public async Task Functions_earlier_versions_made_are_dropped_at_start_up_and_appends_call_none_of_them()
    {
        var database = await PostgresServer.CreateDatabaseForAsync("schema_retired");
        var before = await TestStore.OpenAsync(database);
        var stream = Guid.NewGuid();
        await before.AppendAsync(stream, "thing", ExpectedVersion.NoStream, new ThingHappened("old", 1), TestStore.Metadata);
        // As an earlier version left them: the lock of the heads as a function of its own, the chain before it was one call.
        await before.ScalarAsync<object>("""
            create function factdesk.lock_stream_heads(p_stream_ids uuid[], p_stream_types text[], p_expected bigint[])
                returns table(o_stream_id uuid, o_actual bigint) language sql as 'select null::uuid, 0::bigint where false';
            create function factdesk.chain_appended_events(p_stream_ids uuid[], p_stream_types text[], p_from bigint[], p_to bigint[])
                returns void language sql as 'select';
            """);

        var after = TestStore.Build(database);
        await after.MigrateAsync();

        (await after.ScalarAsync<long>("""
            select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'factdesk' and p.proname in ('lock_stream_heads', 'chain_appended_events')
            """)).ShouldBe(0);
        await after.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), new ThingHappened("new", 2), TestStore.Metadata);
        (await after.ReadStreamAsync(stream)).Select(e => e.Version).ShouldBe([1L, 2L]);
        await after.CatchUpLedgerAsync();
        var verified = await new LogVerifier(after).VerifyAsync();
        verified.Ok.ShouldBeTrue(verified.Problem);
        verified.EventsChecked.ShouldBe(2);
    }
}
