using FactDesk.Api.Audit;
using FactDesk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace FactDesk.TransparencyLog.Tests;

/// <summary>The tree built from ranges of the log, a chunk at a time, is the tree built live from the daemon's batches.</summary>
public class TreeFromRangesTests(TransparentDesk desk) : IClassFixture<TransparentDesk>
{
    [Fact]
    public async Task A_range_added_in_chunks_gives_every_leaf_and_node_the_live_tree_has()
    {
        for (var i = 0; i < 11; i++) await desk.FlagClaimAsync($"Bus fares rose {i + 2}% this spring");
        await desk.Runner.CatchUpAsync(TimeSpan.FromSeconds(30));
        const string tree = """
            select 0, leaf_index, position, leaf_hash from factdesk.transparency_leaves
            union all select level, node_index, null, hash from factdesk.transparency_nodes order by 1, 2
            """;
        var live = await desk.Db.RowsAsync(tree);
        live.Count(r => (int)r[0] == 0).ShouldBe(11);

        // In a transaction rolled back at the end: the tree emptied and added again from ranges cut in chunks of 3
        // positions, the ranges themselves not on chunk boundaries.
        await using var connection = await desk.Db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var clear = new Npgsql.NpgsqlCommand("delete from factdesk.transparency_leaves; delete from factdesk.transparency_nodes", connection))
            await clear.ExecuteNonQueryAsync();
        var last = live.Where(r => (int)r[0] == 0).Max(r => (long)r[2]);
        var chunked = new TransparencyLogProjection(desk.Db, chunk: 3);
        await chunked.ApplyRangeAsync(connection, 0, last / 2, CancellationToken.None);
        await chunked.ApplyRangeAsync(connection, last / 2, last, CancellationToken.None);
        // Handed a range again (a daemon batch retried), it adds nothing.
        await chunked.ApplyRangeAsync(connection, 2, last, CancellationToken.None);
        (await connection.RowsAsync(tree)).ShouldBe(live);
        await tx.RollbackAsync();
    }
}

/// <summary>A range big enough that its entries are encoded and their leaves hashed in parallel: the same tree, in order.</summary>
public class TreeFromLargeRangesTests(TransparentDesk desk) : IClassFixture<TransparentDesk>
{
    [Fact]
    public async Task A_range_large_enough_to_encode_and_hash_on_every_core_gives_the_live_tree_and_the_RFCs_root()
    {
        // 400 events of a type this build does not know, in one statement (the tree takes every row of the log), then
        // the live tree caught up from the daemon's batches.
        await desk.Db.AppendEventsOfAnUnknownTypeAsync(400);
        await desk.Runner.CatchUpAsync(TimeSpan.FromSeconds(30));
        const string tree = """
            select 0, leaf_index, position, leaf_hash from factdesk.transparency_leaves
            union all select level, node_index, null, hash from factdesk.transparency_nodes order by 1, 2
            """;
        var live = await desk.Db.RowsAsync(tree);
        var last = live.Where(r => (int)r[0] == 0).Max(r => (long)r[2]);

        await using var connection = await desk.Db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var clear = new Npgsql.NpgsqlCommand("delete from factdesk.transparency_leaves; delete from factdesk.transparency_nodes", connection))
            await clear.ExecuteNonQueryAsync();
        // Chunks of 300 positions: the first is encoded and hashed in parallel, the rest one by one.
        MerkleLog.ParallelFrom.ShouldBeLessThanOrEqualTo(300);
        await new TransparencyLogProjection(desk.Db, chunk: 300).ApplyRangeAsync(connection, 0, last, CancellationToken.None);
        (await connection.RowsAsync(tree)).ShouldBe(live);

        var entries = (await LogEntry.ReadRangeAsync(connection, "factdesk", 0, last, CancellationToken.None)).Select(LogEntry.Encode).ToList();
        var log = new MerkleLog("factdesk");
        (await log.RootAsync(connection, entries.Count)).ShouldBe(Rfc9162.TreeHash(entries.Select(Rfc9162.LeafHash).ToList()));
        await tx.RollbackAsync();
    }
}
