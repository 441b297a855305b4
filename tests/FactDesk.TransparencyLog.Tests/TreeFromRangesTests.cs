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
        var chunked = new TransparencyLogProjection(chunk: 3);
        await chunked.ApplyRangeAsync(connection, 0, last / 2, CancellationToken.None);
        await chunked.ApplyRangeAsync(connection, last / 2, last, CancellationToken.None);
        // Handed a range again (a daemon batch retried), it adds nothing.
        await chunked.ApplyRangeAsync(connection, 2, last, CancellationToken.None);
        (await connection.RowsAsync(tree)).ShouldBe(live);
        await tx.RollbackAsync();
    }
}
