using System.Security.Cryptography;

namespace FactDesk.TransparencyLog.Tests;

/// <summary>
/// RFC 9162 written again for the tests, from the definitions of section 2.1 and nothing of FactDesk's: the tree hash
/// by plain recursion, and proof checks that rebuild both roots top-down from the same recursion, so a proof FactDesk
/// answers is judged by a second reading of the RFC rather than by the code that made it.
/// </summary>
public static class Rfc9162
{
    public static byte[] LeafHash(byte[] entry) => SHA256.HashData([0x00, .. entry]);
    private static byte[] NodeHash(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);

    private static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k * 2 < n) k *= 2;
        return k;
    }

    /// <summary>MTH(D[n]) over leaf hashes.</summary>
    public static byte[] TreeHash(IReadOnlyList<byte[]> leafHashes)
    {
        if (leafHashes.Count == 0) return SHA256.HashData([]);
        if (leafHashes.Count == 1) return leafHashes[0];
        var k = LargestPowerOfTwoBelow(leafHashes.Count);
        return NodeHash(TreeHash(leafHashes.Take(k).ToList()), TreeHash(leafHashes.Skip(k).ToList()));
    }

    /// <summary>True when the path leads from the leaf to the root; the path is leaf side first, so it is read from its end.</summary>
    public static bool VerifyInclusion(long index, long size, byte[] leafHash, IReadOnlyList<byte[]> path, byte[] root)
    {
        if (index < 0 || index >= size) return false;
        var remaining = new Stack<byte[]>(path);
        byte[]? Walk(long m, long n)
        {
            if (n == 1) return leafHash;
            if (remaining.Count == 0) return null;
            var sibling = remaining.Pop();
            var k = LargestPowerOfTwoBelow((int)Math.Min(n, int.MaxValue));
            if (m < k) return Walk(m, k) is { } left ? NodeHash(left, sibling) : null;
            return Walk(m - k, n - k) is { } right ? NodeHash(sibling, right) : null;
        }
        var computed = Walk(index, size);
        return computed is not null && remaining.Count == 0 && computed.SequenceEqual(root);
    }

    /// <summary>True when the proof rebuilds both the old root and the new one (SUBPROOF of 2.1.4.1, read backwards).</summary>
    public static bool VerifyConsistency(long first, long second, byte[] firstRoot, byte[] secondRoot, IReadOnlyList<byte[]> proof)
    {
        if (first < 1 || first > second) return false;
        if (first == second) return proof.Count == 0 && firstRoot.SequenceEqual(secondRoot);
        var remaining = new Stack<byte[]>(proof);
        (byte[] Old, byte[] New)? Sub(long m, long n, bool whole)
        {
            if (m == n)
            {
                if (whole) return (firstRoot, firstRoot);
                if (remaining.Count == 0) return null;
                var h = remaining.Pop();
                return (h, h);
            }
            if (remaining.Count == 0) return null;
            var k = LargestPowerOfTwoBelow((int)n);
            if (m <= k)
            {
                var right = remaining.Pop();
                return Sub(m, k, whole) is { } inner ? (inner.Old, NodeHash(inner.New, right)) : null;
            }
            var left = remaining.Pop();
            return Sub(m - k, n - k, false) is { } r ? (NodeHash(left, r.Old), NodeHash(left, r.New)) : null;
        }
        var roots = Sub(first, second, true);
        return roots is not null && remaining.Count == 0 && roots.Value.Old.SequenceEqual(firstRoot) && roots.Value.New.SequenceEqual(secondRoot);
    }
}
