using Npgsql;
using Weasel.Core;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace FactDesk.TransparencyLog;

/// <summary>A leaf to add: the global position of its event and the entry bytes.</summary>
public readonly record struct NewLeaf(long Position, byte[] Entry);

/// <summary>A signed checkpoint as kept: the tree it signs and the note as served.</summary>
public sealed record StoredCheckpoint(long TreeSize, byte[] RootHash, string Note, DateTimeOffset SignedAt);

/// <summary>
/// The Merkle tree over the log, kept in PostgreSQL: every leaf (index, position, hash) and the hash of every complete
/// subtree (level, index), written once when it completes. A root or proof at any size then needs O(log n) stored
/// hashes, fetched in one query. Appending a batch reads only the right edge of the tree (one node per set bit of its
/// size). Knows nothing of the runner that calls it: whatever feeds it the events in global order, inside a
/// transaction that also moves its checkpoint.
/// </summary>
public sealed class MerkleLog(string schema)
{
    public string Schema { get; } = schema;

    /// <summary>The tree's tables. The checkpoints are not part of the tree: a rebuild must keep what was signed.</summary>
    public static readonly string[] TreeTables = ["transparency_leaves", "transparency_nodes"];

    /// <summary>The tree's tables and its signed checkpoints, for Weasel to create or migrate.</summary>
    public static IReadOnlyList<ISchemaObject> SchemaObjects(string schema)
    {
        var leaves = new Table(new PostgresqlObjectName(schema, "transparency_leaves", SchemaUtils.IdentifierUsage.General)) { PrimaryKeyName = "transparency_leaves_pkey" };
        leaves.AddColumn("leaf_index", "bigint").AsPrimaryKey();
        leaves.AddColumn("position", "bigint").NotNull();
        leaves.AddColumn("leaf_hash", "bytea").NotNull();
        leaves.Indexes.Add(new IndexDefinition("transparency_leaves_position_key") { Columns = ["position"], IsUnique = true });

        // Complete subtrees above the leaves: level >= 1, covering leaves [node_index * 2^level, (node_index + 1) * 2^level).
        var nodes = new Table(new PostgresqlObjectName(schema, "transparency_nodes", SchemaUtils.IdentifierUsage.General)) { PrimaryKeyName = "transparency_nodes_pkey" };
        nodes.AddColumn("level", "int").AsPrimaryKey();
        nodes.AddColumn("node_index", "bigint").AsPrimaryKey();
        nodes.AddColumn("hash", "bytea").NotNull();

        var checkpoints = new Table(new PostgresqlObjectName(schema, "transparency_checkpoints", SchemaUtils.IdentifierUsage.General)) { PrimaryKeyName = "transparency_checkpoints_pkey" };
        checkpoints.AddColumn("tree_size", "bigint").AsPrimaryKey();
        checkpoints.AddColumn("root_hash", "bytea").NotNull();
        checkpoints.AddColumn("note", "text").NotNull();
        checkpoints.AddColumn("signed_at", "timestamptz").NotNull().DefaultValueByExpression("clock_timestamp()");
        return [leaves, nodes, checkpoints];
    }

    /// <summary>Leaves from which a batch is encoded and hashed in parallel; a live batch of a few is not worth the threads.</summary>
    public const int ParallelFrom = 256;

    /// <summary>
    /// Runs body(0..count-1): on every core from <see cref="ParallelFrom"/> items, else in order on this thread. A failure
    /// surfaces as itself (the first one), not wrapped in an AggregateException, so callers and dead letters name it.
    /// </summary>
    public static void ForEachIndex(int count, Action<int> body)
    {
        if (count < ParallelFrom)
        {
            for (var i = 0; i < count; i++) body(i);
            return;
        }
        try { Parallel.For(0, count, body); }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    public async Task<long> SizeAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        await using var cmd = new NpgsqlCommand($"select coalesce(max(leaf_index) + 1, 0) from {Schema}.transparency_leaves", connection);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Appends leaves in the order given (global order); positions at or below the last leaf's are skipped, so a batch
    /// seen twice adds nothing. Writes the leaves and every subtree they complete. Returns the new size.
    /// </summary>
    public async Task<long> AppendLeavesAsync(NpgsqlConnection connection, IReadOnlyList<NewLeaf> leaves, CancellationToken ct = default)
    {
        long size, lastPosition;
        await using (var cmd = new NpgsqlCommand(
            $"select coalesce(max(leaf_index) + 1, 0), coalesce(max(position), 0) from {Schema}.transparency_leaves", connection))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            size = reader.GetInt64(0);
            lastPosition = reader.GetInt64(1);
        }
        var fresh = leaves.Where(l => l.Position > lastPosition).ToList();
        if (fresh.Count == 0) return size;

        // The right edge: the complete subtrees a new leaf may be merged with, by level.
        var frontierIds = TreeMath.Frontier(size);
        var known = await ReadNodesAsync(connection, frontierIds, ct);
        var frontier = new Dictionary<int, byte[]>();
        foreach (var id in frontierIds) frontier[id.Level] = known[id];

        var leafIndexes = new long[fresh.Count];
        var leafPositions = new long[fresh.Count];
        var leafHashes = new byte[fresh.Count][];
        // Leaf hashes depend on their entry alone (only the nodes above them are folded in order): a rebuild's ranges
        // hash them on every core.
        ForEachIndex(fresh.Count, i => leafHashes[i] = MerkleHashes.Leaf(fresh[i].Entry));
        var nodeLevels = new List<int>();
        var nodeIndexes = new List<long>();
        var nodeHashes = new List<byte[]>();
        for (var i = 0; i < fresh.Count; i++)
        {
            var index = size + i;
            var hash = leafHashes[i];
            leafIndexes[i] = index;
            leafPositions[i] = fresh[i].Position;
            // Adding leaf `index` completes one subtree per trailing 1-bit of index.
            var level = 0;
            while ((index >> level & 1) == 1)
            {
                hash = MerkleHashes.Node(frontier[level], hash);
                frontier.Remove(level);
                level++;
                nodeLevels.Add(level);
                nodeIndexes.Add(index >> level);
                nodeHashes.Add(hash);
            }
            frontier[level] = hash;
        }

        await using (var insert = new NpgsqlCommand(
            $"insert into {Schema}.transparency_leaves (leaf_index, position, leaf_hash) select * from unnest($1::bigint[], $2::bigint[], $3::bytea[])", connection))
        {
            insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = leafIndexes });
            insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = leafPositions });
            insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = leafHashes });
            await insert.ExecuteNonQueryAsync(ct);
        }
        if (nodeLevels.Count > 0)
        {
            await using var insert = new NpgsqlCommand(
                $"insert into {Schema}.transparency_nodes (level, node_index, hash) select * from unnest($1::int[], $2::bigint[], $3::bytea[])", connection);
            insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = nodeLevels.ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = nodeIndexes.ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = nodeHashes.ToArray() });
            await insert.ExecuteNonQueryAsync(ct);
        }
        return size + fresh.Count;
    }

    /// <summary>The root hash of the tree of the first <paramref name="size"/> leaves (size ≤ the tree's size).</summary>
    public async Task<byte[]> RootAsync(NpgsqlConnection connection, long size, CancellationToken ct = default) =>
        (await HashRangesAsync(connection, [new LeafRange(0, size)], ct))[0];

    /// <summary>The audit path of a leaf in the tree of the first treeSize leaves, leaf side first.</summary>
    public Task<List<byte[]>> InclusionProofAsync(NpgsqlConnection connection, long leafIndex, long treeSize, CancellationToken ct = default) =>
        HashRangesAsync(connection, TreeMath.InclusionPath(leafIndex, treeSize), ct);

    public Task<List<byte[]>> ConsistencyProofAsync(NpgsqlConnection connection, long from, long to, CancellationToken ct = default) =>
        HashRangesAsync(connection, TreeMath.ConsistencyProof(from, to), ct);

    /// <summary>The leaf's event position and hash, or null when the tree has no such leaf.</summary>
    public async Task<(long Position, byte[] LeafHash)?> LeafAsync(NpgsqlConnection connection, long leafIndex, CancellationToken ct = default)
    {
        await using var cmd = new NpgsqlCommand($"select position, leaf_hash from {Schema}.transparency_leaves where leaf_index = $1", connection);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = leafIndex });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)) : null;
    }

    private async Task<List<byte[]>> HashRangesAsync(NpgsqlConnection connection, IReadOnlyList<LeafRange> ranges, CancellationToken ct)
    {
        var needed = ranges.SelectMany(TreeMath.CompleteSubtrees).Distinct().ToList();
        var nodes = await ReadNodesAsync(connection, needed, ct);
        return ranges.Select(r => TreeMath.FoldRange(r, id => nodes[id])).ToList();
    }

    private async Task<Dictionary<NodeId, byte[]>> ReadNodesAsync(NpgsqlConnection connection, IReadOnlyList<NodeId> ids, CancellationToken ct)
    {
        var found = new Dictionary<NodeId, byte[]>();
        if (ids.Count == 0) return found;
        var leaves = ids.Where(i => i.Level == 0).Select(i => i.Index).ToArray();
        var inner = ids.Where(i => i.Level > 0).ToArray();
        await using var cmd = new NpgsqlCommand($"""
            select 0, leaf_index, leaf_hash from {Schema}.transparency_leaves where leaf_index = any($1)
            union all
            select n.level, n.node_index, n.hash from {Schema}.transparency_nodes n
            join unnest($2::int[], $3::bigint[]) as w(level, node_index) on n.level = w.level and n.node_index = w.node_index
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = leaves });
        cmd.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = inner.Select(i => i.Level).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = inner.Select(i => i.Index).ToArray() });
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                found[new NodeId(reader.GetInt32(0), reader.GetInt64(1))] = reader.GetFieldValue<byte[]>(2);
        var missing = ids.FirstOrDefault(i => !found.ContainsKey(i));
        if (found.Count < ids.Distinct().Count())
            throw new InvalidOperationException($"The tree lacks the subtree at level {missing.Level}, index {missing.Index}: it was emptied or cut short.");
        return found;
    }

    public async Task<StoredCheckpoint?> LatestCheckpointAsync(NpgsqlConnection connection, CancellationToken ct = default) =>
        (await CheckpointsAsync(connection, 0, 1, newestFirst: true, ct)).FirstOrDefault();

    /// <summary>Checkpoints of tree size ≥ from, oldest first (or newest first), at most limit.</summary>
    public async Task<List<StoredCheckpoint>> CheckpointsAsync(NpgsqlConnection connection, long from, int limit, bool newestFirst = false, CancellationToken ct = default)
    {
        await using var cmd = new NpgsqlCommand($"""
            select tree_size, root_hash, note, signed_at from {Schema}.transparency_checkpoints
            where tree_size >= $1 order by tree_size {(newestFirst ? "desc" : "asc")} limit $2
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = from });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var list = new List<StoredCheckpoint>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(new StoredCheckpoint(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        return list;
    }

    /// <summary>Keeps a signed checkpoint; false when one of that size exists already (another instance signed it).</summary>
    public async Task<bool> SaveCheckpointAsync(NpgsqlConnection connection, long treeSize, byte[] root, string note, CancellationToken ct = default)
    {
        await using var cmd = new NpgsqlCommand($"""
            insert into {Schema}.transparency_checkpoints (tree_size, root_hash, note) values ($1, $2, $3) on conflict (tree_size) do nothing
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = treeSize });
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = root });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = note });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }
}
