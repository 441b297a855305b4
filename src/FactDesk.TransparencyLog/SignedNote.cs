using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace FactDesk.TransparencyLog;

/// <summary>
/// Ed25519 keys in the C2SP signed-note form, as golang.org/x/mod/sumdb/note writes them. The key hash is the first
/// four bytes (big-endian) of SHA-256(name || "\n" || 0x01 || public key). Verifier key:
/// <c>name+hash(8 hex)+base64(0x01 || public key)</c>; signer key: <c>PRIVATE+KEY+name+hash+base64(0x01 || seed)</c>.
/// </summary>
public static class NoteKeys
{
    private const byte Ed25519Type = 0x01;
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    /// <summary>A key name: non-empty, no '+', no whitespace or control characters (the note format splits on them).</summary>
    public static bool IsValidName(string name) =>
        name.Length > 0 && !name.Any(c => c == '+' || char.IsWhiteSpace(c) || char.IsControl(c));

    public static uint KeyHash(string name, ReadOnlySpan<byte> publicKey)
    {
        var input = new byte[Encoding.UTF8.GetByteCount(name) + 2 + publicKey.Length];
        var at = Encoding.UTF8.GetBytes(name, input);
        input[at++] = (byte)'\n';
        input[at++] = Ed25519Type;
        publicKey.CopyTo(input.AsSpan(at));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>A new signer key string for the given name.</summary>
    public static string Generate(string name)
    {
        if (!IsValidName(name)) throw new ArgumentException($"'{name}' cannot name a note key: no '+', spaces or control characters.", nameof(name));
        var seed = RandomNumberGenerator.GetBytes(32);
        using var key = Key.Import(Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        return $"PRIVATE+KEY+{name}+{KeyHash(name, publicKey):x8}+{Convert.ToBase64String([Ed25519Type, .. seed])}";
    }
}

/// <summary>Signs note texts with an Ed25519 signer key (<see cref="NoteKeys"/>). Holds the key in memory only.</summary>
public sealed class NoteSigner : IDisposable
{
    private readonly Key _key;

    public string Name { get; }
    public uint KeyHash { get; }
    public byte[] PublicKey { get; }
    /// <summary>The verifier key to give to auditors: <c>name+hash+base64(0x01 || public key)</c>.</summary>
    public string VerifierKey { get; }

    private NoteSigner(string name, Key key)
    {
        Name = name;
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        KeyHash = NoteKeys.KeyHash(name, PublicKey);
        VerifierKey = $"{name}+{KeyHash:x8}+{Convert.ToBase64String([0x01, .. PublicKey])}";
    }

    /// <summary>Reads a signer key string; throws FormatException saying what is wrong (never echoing the key).</summary>
    public static NoteSigner Parse(string signerKey)
    {
        var parts = signerKey.Trim().Split('+', 5); // base64 may hold '+': the key is everything after the fourth
        if (parts.Length != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY")
            throw new FormatException("A signing key has the form PRIVATE+KEY+<name>+<8 hex digits>+<base64>.");
        var name = parts[2];
        if (!NoteKeys.IsValidName(name)) throw new FormatException("The signing key's name is not a valid note key name.");
        byte[] blob;
        try { blob = Convert.FromBase64String(parts[4]); }
        catch (FormatException) { throw new FormatException("The signing key's last part is not base64."); }
        if (blob.Length != 33 || blob[0] != 0x01) throw new FormatException("The signing key is not an Ed25519 key (0x01 and a 32-byte seed).");
        var key = Key.Import(SignatureAlgorithm.Ed25519, blob.AsSpan(1), KeyBlobFormat.RawPrivateKey);
        var signer = new NoteSigner(name, key);
        if (!uint.TryParse(parts[3], System.Globalization.NumberStyles.HexNumber, null, out var hash) || parts[3].Length != 8 || hash != signer.KeyHash)
        {
            signer.Dispose();
            throw new FormatException("The signing key's hash does not match its name and key.");
        }
        return signer;
    }

    /// <summary>The signed note: the text (ending in a newline), a blank line, and this key's signature line.</summary>
    public string Sign(string text)
    {
        if (!text.EndsWith('\n')) throw new ArgumentException("A note's text ends with a newline.", nameof(text));
        var signature = SignatureAlgorithm.Ed25519.Sign(_key, Encoding.UTF8.GetBytes(text));
        var blob = new byte[4 + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(blob, KeyHash);
        signature.CopyTo(blob, 4);
        return $"{text}\n\u2014 {Name} {Convert.ToBase64String(blob)}\n";
    }

    public void Dispose() => _key.Dispose();
}

/// <summary>Checks a signed note against one verifier key, as an auditor does.</summary>
public sealed class NoteVerifier
{
    public string Name { get; }
    public uint KeyHash { get; }
    private readonly NSec.Cryptography.PublicKey _key;

    private NoteVerifier(string name, uint keyHash, NSec.Cryptography.PublicKey key)
    {
        Name = name;
        KeyHash = keyHash;
        _key = key;
    }

    public static NoteVerifier Parse(string verifierKey)
    {
        var parts = verifierKey.Trim().Split('+', 3); // base64 may hold '+': the key is everything after the second
        if (parts.Length != 3 || !NoteKeys.IsValidName(parts[0]))
            throw new FormatException("A verifier key has the form <name>+<8 hex digits>+<base64>.");
        byte[] blob;
        try { blob = Convert.FromBase64String(parts[2]); }
        catch (FormatException) { throw new FormatException("The verifier key's last part is not base64."); }
        if (blob.Length != 33 || blob[0] != 0x01) throw new FormatException("The verifier key is not an Ed25519 key.");
        if (parts[1].Length != 8 || !uint.TryParse(parts[1], System.Globalization.NumberStyles.HexNumber, null, out var hash)
            || hash != NoteKeys.KeyHash(parts[0], blob.AsSpan(1)))
            throw new FormatException("The verifier key's hash does not match its name and key.");
        return new NoteVerifier(parts[0], hash, NSec.Cryptography.PublicKey.Import(SignatureAlgorithm.Ed25519, blob.AsSpan(1), KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The note's text when it carries a valid signature by this key; otherwise throws FormatException saying why.</summary>
    public string Open(string note)
    {
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0) throw new FormatException("The note has no blank line before its signatures.");
        var text = note[..(split + 1)];
        var lines = note[(split + 2)..].Split('\n');
        if (lines.Length < 2 || lines[^1] != "") throw new FormatException("The note's signature lines do not end with a newline.");
        foreach (var line in lines[..^1])
        {
            if (!line.StartsWith("\u2014 ", StringComparison.Ordinal)) throw new FormatException("A signature line does not start with an em dash.");
            var fields = line[2..].Split(' ');
            if (fields.Length != 2) throw new FormatException("A signature line is not '— <name> <signature>'.");
            if (fields[0] != Name) continue;
            byte[] blob;
            try { blob = Convert.FromBase64String(fields[1]); }
            catch (FormatException) { throw new FormatException("A signature is not base64."); }
            if (blob.Length != 68 || BinaryPrimitives.ReadUInt32BigEndian(blob) != KeyHash) continue;
            if (!SignatureAlgorithm.Ed25519.Verify(_key, Encoding.UTF8.GetBytes(text), blob.AsSpan(4)))
                throw new FormatException($"The signature by {Name} does not match the note: it was altered or signed by another key.");
            return text;
        }
        throw new FormatException($"The note carries no signature by {Name}+{KeyHash:x8}.");
    }
}
