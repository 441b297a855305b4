using System.Globalization;

namespace FactDesk.TransparencyLog;

/// <summary>
/// A C2SP tlog-checkpoint: the text of a signed note made of the log's origin, the tree size (decimal) and the root
/// hash (base64), one per line. Extension lines are allowed after them by the format; FactDesk writes none.
/// </summary>
public sealed record Checkpoint(string Origin, long TreeSize, byte[] RootHash)
{
    public string Text() => $"{Origin}\n{TreeSize.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(RootHash)}\n";

    /// <summary>Reads a checkpoint's note text (the part the signature covers).</summary>
    public static Checkpoint Parse(string text)
    {
        var lines = text.Split('\n');
        if (lines.Length < 4 || lines[^1] != "") throw new FormatException("A checkpoint has an origin, a tree size and a root hash, each on its own line.");
        if (lines[0].Length == 0) throw new FormatException("The checkpoint's origin is empty.");
        if (!long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || (lines[1].Length > 1 && lines[1][0] == '0'))
            throw new FormatException("The checkpoint's tree size is not a decimal number.");
        byte[] root;
        try { root = Convert.FromBase64String(lines[2]); }
        catch (FormatException) { throw new FormatException("The checkpoint's root hash is not base64."); }
        if (root.Length != MerkleHashes.Size) throw new FormatException("The checkpoint's root hash is not 32 bytes.");
        return new Checkpoint(lines[0], size, root);
    }
}
