namespace FactDesk.TransparencyLog;

/// <summary>
/// Checks RFC 9162 proofs as a client does (the iterative algorithms of sections 2.1.3.2 and 2.1.4.2): what the
/// auditor's verifier runs against what FactDesk answers. Null means the proof holds; otherwise why it does not.
/// </summary>
public static class MerkleProofCheck
{
    public static string? Inclusion(long leafIndex, long treeSize, byte[] leafHash, IReadOnlyList<byte[]> path, byte[] root)
    {
        if (leafIndex < 0 || leafIndex >= treeSize) return $"leaf {leafIndex} is not in a tree of {treeSize}";
        long fn = leafIndex, sn = treeSize - 1;
        var r = leafHash;
        foreach (var p in path)
        {
            if (p.Length != MerkleHashes.Size) return "a proof hash is not 32 bytes";
            if (sn == 0) return "the proof is longer than the tree is deep";
            if ((fn & 1) == 1 || fn == sn)
            {
                r = MerkleHashes.Node(p, r);
                while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else r = MerkleHashes.Node(r, p);
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0) return "the proof is shorter than the tree is deep";
        return r.AsSpan().SequenceEqual(root) ? null : "the path does not lead to the checkpoint's root";
    }

    public static string? Consistency(long first, long second, byte[] firstRoot, byte[] secondRoot, IReadOnlyList<byte[]> proof)
    {
        if (first < 1 || first > second) return $"no consistency proof from {first} to {second}";
        if (proof.Any(p => p.Length != MerkleHashes.Size)) return "a proof hash is not 32 bytes";
        if (first == second)
            return proof.Count != 0 ? "a proof between equal sizes must be empty"
                : firstRoot.AsSpan().SequenceEqual(secondRoot) ? null : "two different roots for the same tree size";
        var path = new List<byte[]>(proof);
        if ((first & (first - 1)) == 0) path.Insert(0, firstRoot);
        if (path.Count == 0) return "the proof is empty";
        long fn = first - 1, sn = second - 1;
        while ((fn & 1) == 1) { fn >>= 1; sn >>= 1; }
        byte[] fr = path[0], sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0) return "the proof is longer than the tree is deep";
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = MerkleHashes.Node(c, fr);
                sr = MerkleHashes.Node(c, sr);
                while ((fn & 1) == 0 && fn != 0) { fn >>= 1; sn >>= 1; }
            }
            else sr = MerkleHashes.Node(sr, c);
            fn >>= 1;
            sn >>= 1;
        }
        if (sn != 0) return "the proof is shorter than the tree is deep";
        if (!fr.AsSpan().SequenceEqual(firstRoot)) return $"the proof does not lead to the root of size {first}: the older tree was rewritten";
        return sr.AsSpan().SequenceEqual(secondRoot) ? null : $"the proof does not lead to the root of size {second}";
    }
}
