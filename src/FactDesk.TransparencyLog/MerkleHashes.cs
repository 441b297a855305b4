using System.Security.Cryptography;

namespace FactDesk.TransparencyLog;

/// <summary>The two hashes of an RFC 9162 Merkle tree (section 2.1.1): the prefixes keep a leaf from passing for a node.</summary>
public static class MerkleHashes
{
    public const int Size = 32;

    /// <summary>SHA-256(0x00 || entry).</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> entry)
    {
        var buffer = new byte[1 + entry.Length];
        entry.CopyTo(buffer.AsSpan(1));
        return SHA256.HashData(buffer);
    }

    /// <summary>SHA-256(0x01 || left || right).</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * Size];
        buffer[0] = 1;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + Size)..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>The root of the empty tree: SHA-256 of nothing.</summary>
    public static byte[] Empty() => SHA256.HashData(ReadOnlySpan<byte>.Empty);
}
