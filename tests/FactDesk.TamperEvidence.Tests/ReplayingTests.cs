using Npgsql;
using Shouldly;

namespace FactDesk.TamperEvidence.Tests;

/// <summary>Writes down, for each event it sees, whether the runner said it was replaying history.</summary>
public sealed class ReplayAwareProjection(ProjectionLifecycle lifecycle, string name) : IProjection
{
    public string Name => name;
    public ProjectionLifecycle Lifecycle => lifecycle;
    public IReadOnlyList<string> Tables => [$"{name}_seen"];
    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects
    {
        get
        {
            var seen = SchemaTables.For("factdesk", $"{name}_seen");
            seen.AddColumn("position", "bigint").AsPrimaryKey();
            seen.AddColumn("replaying", "boolean").NotNull();
            return [seen];
        }
    }

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            insert into factdesk.{name}_seen (position, replaying)
            select p, coalesce(current_setting('{ProjectionControl.ReplayingSetting}', true), '') = 'on' from unnest($1::bigint[]) p
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = events.Select(e => e.Position).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

public class ReplayingTests
{
    [Fact]
    public async Task Projections_are_told_they_are_replaying_only_during_a_rebuild()
    {
        var store = await TestStore.CreateAsync("replaying", new ReplayAwareProjection(ProjectionLifecycle.Inline, "inl"), new ReplayAwareProjection(ProjectionLifecycle.Async, "asy"));
        var runner = new ProjectionControl(store);
        await using (await store.StartDaemonAsync())
        {
            for (var i = 0; i < 3; i++) await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("x", i), TestStore.Metadata);
            await runner.CatchUpAsync(TimeSpan.FromSeconds(60));
        }
        (await store.ScalarAsync<long>("select count(*) from factdesk.inl_seen where not replaying")).ShouldBe(3);
        (await store.ScalarAsync<long>("select count(*) from factdesk.asy_seen where not replaying")).ShouldBe(3);

        await runner.RebuildAsync("inl");
        await runner.RebuildAsync("asy");
        (await store.ScalarAsync<long>("select count(*) from factdesk.inl_seen where replaying")).ShouldBe(3);
        (await store.ScalarAsync<long>("select count(*) from factdesk.asy_seen where replaying")).ShouldBe(3);

        // The setting is local to the rebuild's transaction: the next append on a pooled connection is news again.
        await store.AppendAsync(Guid.NewGuid(), "thing", ExpectedVersion.NoStream, new ThingHappened("y", 9), TestStore.Metadata);
        (await store.ScalarAsync<long>("select count(*) from factdesk.inl_seen where not replaying")).ShouldBe(1);
    }
}
