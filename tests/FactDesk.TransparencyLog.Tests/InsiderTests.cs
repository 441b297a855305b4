using System.Text.Json;
using FactDesk.TamperEvidence;
using FactDesk.Verify;
using Shouldly;

namespace FactDesk.TransparencyLog.Tests;

/// <summary>
/// A desk whose auditor has already pinned a checkpoint: four claims flagged, one assigned, then two more flagged,
/// all signed, all checked by the verifier, which pinned the checkpoint. Then someone with database access goes to work.
/// </summary>
public sealed class DeskForAnInsider : TransparentDesk
{
    public List<Guid> Claims { get; } = [];
    public long PinnedSize { get; private set; }
    public string Pins { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        for (var i = 0; i < 3; i++) Claims.Add(await FlagClaimAsync($"Exports grew by {i + 3}% in 2024"));
        await AssignAsync(Claims[1]);
        Claims.Add(await FlagClaimAsync("Inflation stood at 2.4% in March"));
        Claims.Add(await FlagClaimAsync("The city planted 10,000 trees"));
        PinnedSize = await CheckpointAsync();
        Pins = NewPinsFile();
        var first = await VerifyAsync(Pins);
        first.Problem.ShouldBeNull();
        first.EntriesChecked.ShouldBe((int)PinnedSize);
    }

    /// <summary>What an admin does to hide an edit: recompute every stream's hash chain and head from the rows as they now are.</summary>
    public Task RecomputeHashChainsAsync() => SqlAsync("""
        do $$
        declare s record; r record; h bytea; v bigint;
        begin
          for s in select distinct stream_id from factdesk.mt_events loop
            h := '\x'::bytea; v := 0;
            for r in select * from factdesk.mt_events where stream_id = s.stream_id order by version loop
              h := factdesk.event_hash(h, r.stream_id, r.version, r.id, r.type, r.data, r.correlation_id, r.causation_id, r.headers, r.timestamp);
              update factdesk.event_hashes set hash = h where position = r.seq_id;
              v := r.version;
            end loop;
            update factdesk.stream_heads set head_hash = h, version = v where stream_id = s.stream_id;
          end loop;
        end $$;
        """);

    /// <summary><c>projections rebuild --projection ...</c> of the ledger and of the transparency log's tree, from the rows as they now are.</summary>
    public async Task RebuildLedgerAndTreeAsync()
    {
        await Runner.RebuildAsync(LedgerProjection.ProjectionName);
        await Runner.RebuildAsync(FactDesk.Api.Audit.TransparencyLogProjection.ProjectionName);
    }

    /// <summary>FactDesk's own check of its hash chains and ledger.</summary>
    public async Task<bool> OwnChecksPassAsync()
    {
        using var client = Client();
        var answer = JsonDocument.Parse(await client.GetStringAsync("/api/audit/verification")).RootElement;
        return answer.GetProperty("ok").GetBoolean();
    }

    public async Task<long> PositionOfAsync(Guid stream, long version)
    {
        await using var cmd = Db.CreateCommand($"select seq_id from factdesk.mt_events where stream_id = '{stream}' and version = {version}");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public void PinsStayAsTheyWere() => PinnedCheckpoints.Load(Pins).Count.ShouldBe(1);
}

public class InsiderEditsAnEventTests(DeskForAnInsider desk) : IClassFixture<DeskForAnInsider>
{
    [Fact]
    public async Task Editing_an_events_data_and_recomputing_every_hash_FactDesk_keeps_is_reported_by_the_verifier()
    {
        var edited = await desk.PositionOfAsync(desk.Claims[0], 1);
        await desk.SqlAsync($$"""update factdesk.mt_events set data = jsonb_set(data, '{quote}', '"Exports fell by 3% in 2024"') where seq_id = {{edited}}""");
        await desk.RecomputeHashChainsAsync();
        await desk.Runner.RebuildAsync(LedgerProjection.ProjectionName);
        (await desk.OwnChecksPassAsync()).ShouldBeTrue("the insider recomputed FactDesk's own chains and ledger");

        // The tree not rebuilt yet: the entry made from the edited row no longer hashes to the signed leaf.
        var before = await desk.VerifyAsync(desk.Pins);
        before.Problem.ShouldNotBeNull();
        before.Problem.ShouldContain($"version 1 of {desk.Claims[0]}");
        before.Problem.ShouldContain("changed after it was logged");

        // The tree rebuilt from the edited rows, the log grown and a new checkpoint signed over the rewrite.
        await desk.RebuildLedgerAndTreeAsync();
        await desk.FlagClaimAsync("Wages rose 4% in 2024");
        var rewritten = await desk.CheckpointAsync();
        rewritten.ShouldBeGreaterThan(desk.PinnedSize);
        (await desk.OwnChecksPassAsync()).ShouldBeTrue();

        var after = await desk.VerifyAsync(desk.Pins);
        after.Problem.ShouldNotBeNull();
        after.Problem.ShouldContain($"not consistent with the pinned checkpoint of size {desk.PinnedSize}");
        desk.PinsStayAsTheyWere();
    }
}

public class InsiderDeletesTheLastEventsTests(DeskForAnInsider desk) : IClassFixture<DeskForAnInsider>
{
    [Fact]
    public async Task Deleting_the_last_events_and_the_checkpoints_that_signed_them_is_reported_by_the_verifier()
    {
        var gone = desk.Claims[^2..];
        await desk.SqlAsync($"""
            delete from factdesk.event_hashes where stream_id in ('{gone[0]}', '{gone[1]}');
            delete from factdesk.stream_heads where stream_id in ('{gone[0]}', '{gone[1]}');
            delete from factdesk.mt_events where stream_id in ('{gone[0]}', '{gone[1]}');
            delete from factdesk.mt_streams where id in ('{gone[0]}', '{gone[1]}');
            """);
        await desk.RebuildLedgerAndTreeAsync();
        // The checkpoints go once the tree is the shorter one: with none left, the service's signer signs the tree
        // within a second, and had it signed the old tree the insider would have put back what was to be hidden.
        await desk.SqlAsync("delete from factdesk.transparency_checkpoints");
        (await desk.OwnChecksPassAsync()).ShouldBeTrue("with the last events gone, FactDesk's own chains and ledger still hold");
        var shorter = await desk.CheckpointAsync();
        shorter.ShouldBe(desk.PinnedSize - 2);

        var cut = await desk.VerifyAsync(desk.Pins);
        cut.Problem.ShouldNotBeNull();
        cut.Problem.ShouldContain($"one of {desk.PinnedSize} is pinned: the log was cut back");

        // The insider writes enough new events to pass the pinned size again.
        for (var i = 0; i < 3; i++) await desk.FlagClaimAsync($"Rents rose {i + 5}% this year");
        (await desk.CheckpointAsync()).ShouldBeGreaterThan(desk.PinnedSize);
        var regrown = await desk.VerifyAsync(desk.Pins);
        regrown.Problem.ShouldNotBeNull();
        regrown.Problem.ShouldContain($"not consistent with the pinned checkpoint of size {desk.PinnedSize}");
        desk.PinsStayAsTheyWere();
    }
}

public class InsiderReordersTwoEventsTests(DeskForAnInsider desk) : IClassFixture<DeskForAnInsider>
{
    [Fact]
    public async Task Swapping_the_order_of_two_events_is_reported_by_the_verifier()
    {
        var a = await desk.PositionOfAsync(desk.Claims[0], 1);
        var b = await desk.PositionOfAsync(desk.Claims[2], 1);
        await desk.SqlAsync($"""
            update factdesk.mt_events set seq_id = -1 where seq_id = {a};
            update factdesk.mt_events set seq_id = {a} where seq_id = {b};
            update factdesk.mt_events set seq_id = {b} where seq_id = -1;
            update factdesk.event_hashes set position = -1 where position = {a};
            update factdesk.event_hashes set position = {a} where position = {b};
            update factdesk.event_hashes set position = {b} where position = -1;
            """);
        await desk.RebuildLedgerAndTreeAsync();
        (await desk.OwnChecksPassAsync()).ShouldBeTrue("each stream's chain is untouched by a swap across streams");

        var same = await desk.VerifyAsync(desk.Pins);
        same.Problem.ShouldNotBeNull();
        same.Problem.ShouldContain("changed after it was logged");

        await desk.FlagClaimAsync("Ridership doubled since 2019");
        await desk.CheckpointAsync();
        var grown = await desk.VerifyAsync(desk.Pins);
        grown.Problem.ShouldNotBeNull();
        grown.Problem.ShouldContain($"not consistent with the pinned checkpoint of size {desk.PinnedSize}");
        desk.PinsStayAsTheyWere();
    }
}

public class InsiderRebuildsProjectionsTests(DeskForAnInsider desk) : IClassFixture<DeskForAnInsider>
{
    [Fact]
    public async Task Rebuilding_an_untouched_log_keeps_every_proof_but_rebuilding_over_an_edit_is_reported()
    {
        // The same rows give the same tree: a rebuild alone is no rewrite.
        await desk.RebuildLedgerAndTreeAsync();
        var untouched = await desk.VerifyAsync(desk.Pins);
        untouched.Problem.ShouldBeNull();
        untouched.EntriesChecked.ShouldBe((int)desk.PinnedSize);

        // Who did it, rewritten in the headers, then the ledger and tree rebuilt over it and signed afresh.
        var edited = await desk.PositionOfAsync(desk.Claims[1], 2);
        await desk.SqlAsync($$"""update factdesk.mt_events set headers = jsonb_set(headers, '{actorName}', '"Jon Berg"') where seq_id = {{edited}}""");
        await desk.RebuildLedgerAndTreeAsync();
        await desk.FlagClaimAsync("Turnout was 71%");
        await desk.CheckpointAsync();

        var after = await desk.VerifyAsync(desk.Pins);
        after.Problem.ShouldNotBeNull();
        after.Problem.ShouldContain($"not consistent with the pinned checkpoint of size {desk.PinnedSize}");
        desk.PinsStayAsTheyWere();
    }
}
