using System.Numerics;

namespace FactDesk.TransparencyLog;

/// <summary>A complete subtree: 2^Level leaves starting at leaf Index * 2^Level. Level 0 is a leaf.</summary>
public readonly record struct NodeId(int Level, long Index)
{
    public long Start => Index << Level;
    public long End => (Index + 1) << Level;
}

/// <summary>A run of leaves [Start, End) whose RFC 9162 hash (MTH) a proof needs.</summary>
public readonly record struct LeafRange(long Start, long End);

/// <summary>
/// Which subtree hashes an RFC 9162 proof is made of (sections 2.1.3.1 and 2.1.4.1), worked out without any hash, so
/// a store can fetch every node it needs in one lookup. Every range named here starts at a multiple of a power of two
/// at least its length, so it splits into at most log2(n) complete subtrees (<see cref="CompleteSubtrees"/>).
/// </summary>
public static class TreeMath
{
    /// <summary>The largest power of two smaller than n (n ≥ 2): where RFC 9162 splits a tree of n leaves.</summary>
    public static long Split(long n) => 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));

    /// <summary>The audit path of leaf m in the tree of the first n leaves, leaf side first: PATH(m, D[n]).</summary>
    public static List<LeafRange> InclusionPath(long m, long n)
    {
        if (n < 1 || m < 0 || m >= n) throw new ArgumentOutOfRangeException(nameof(m), $"No leaf {m} in a tree of {n}.");
        var path = new List<LeafRange>();
        Path(m, 0, n, path);
        return path;
    }

    private static void Path(long m, long start, long end, List<LeafRange> path)
    {
        if (end - start == 1) return;
        var k = Split(end - start);
        if (m - start < k)
        {
            Path(m, start, start + k, path);
            path.Add(new LeafRange(start + k, end));
        }
        else
        {
            Path(m, start + k, end, path);
            path.Add(new LeafRange(start, start + k));
        }
    }

    /// <summary>The proof that the tree of the first m leaves is a prefix of the tree of the first n: PROOF(m, D[n]); 0 &lt; m ≤ n.</summary>
    public static List<LeafRange> ConsistencyProof(long m, long n)
    {
        if (m < 1 || m > n) throw new ArgumentOutOfRangeException(nameof(m), $"No consistency proof from {m} to {n}.");
        var proof = new List<LeafRange>();
        SubProof(m, 0, n, true, proof);
        return proof;
    }

    private static void SubProof(long m, long start, long end, bool wholeOldTree, List<LeafRange> proof)
    {
        var n = end - start;
        if (m == n)
        {
            if (!wholeOldTree) proof.Add(new LeafRange(start, end));
            return;
        }
        var k = Split(n);
        if (m <= k)
        {
            SubProof(m, start, start + k, wholeOldTree, proof);
            proof.Add(new LeafRange(start + k, end));
        }
        else
        {
            SubProof(m - k, start + k, end, false, proof);
            proof.Add(new LeafRange(start, start + k));
        }
    }

    /// <summary>The complete subtrees that make up [start, end), left to right (largest first when start is aligned).</summary>
    public static List<NodeId> CompleteSubtrees(LeafRange range)
    {
        var nodes = new List<NodeId>();
        var start = range.Start;
        while (start < range.End)
        {
            var alignment = start == 0 ? 62 : BitOperations.TrailingZeroCount(start);
            var fits = 63 - BitOperations.LeadingZeroCount((ulong)(range.End - start));
            var level = Math.Min(alignment, fits);
            nodes.Add(new NodeId(level, start >> level));
            start += 1L << level;
        }
        return nodes;
    }

    /// <summary>
    /// The hash of a range from its complete subtrees: a right fold, since RFC 9162 splits a range of 2^a + rest leaves
    /// into the complete 2^a on the left and the rest on the right.
    /// </summary>
    public static byte[] FoldRange(LeafRange range, Func<NodeId, byte[]> node)
    {
        if (range.End == range.Start) return MerkleHashes.Empty();
        var parts = CompleteSubtrees(range);
        var hash = node(parts[^1]);
        for (var i = parts.Count - 2; i >= 0; i--) hash = MerkleHashes.Node(node(parts[i]), hash);
        return hash;
    }

    /// <summary>The complete subtrees at the right edge of a tree of n leaves (one per set bit of n), largest first.</summary>
    public static List<NodeId> Frontier(long n)
    {
        var nodes = new List<NodeId>();
        for (var level = 62; level >= 0; level--)
            if ((n >> level & 1) == 1) nodes.Add(new NodeId(level, (n >> level) - 1));
        return nodes;
    }
}
