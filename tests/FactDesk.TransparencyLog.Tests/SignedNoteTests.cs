using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;
using Shouldly;

namespace FactDesk.TransparencyLog.Tests;

/// <summary>Checkpoints as C2SP signed notes: the format, the key hash and the signature, checked with Ed25519 directly.</summary>
public class SignedNoteTests
{
    private static readonly string SignerKey = NoteKeys.Generate("news.example/factdesk");

    [Fact]
    public void A_signed_checkpoint_is_the_text_a_blank_line_and_an_em_dash_signature_line_over_the_text()
    {
        using var signer = NoteSigner.Parse(SignerKey);
        var text = new Checkpoint("news.example/factdesk", 42, SHA256.HashData("root"u8)).Text();
        text.ShouldBe($"news.example/factdesk\n42\n{Convert.ToBase64String(SHA256.HashData("root"u8))}\n");

        var note = signer.Sign(text);
        note.ShouldStartWith(text + "\n\u2014 news.example/factdesk ");
        note.ShouldEndWith("\n");
        var blob = Convert.FromBase64String(note.Split(' ')[^1].TrimEnd('\n'));
        blob.Length.ShouldBe(68);

        // The key hash, recomputed here: first four bytes of SHA-256(name || "\n" || 0x01 || public key).
        var publicKey = signer.PublicKey;
        var expectedHash = SHA256.HashData([.. Encoding.UTF8.GetBytes("news.example/factdesk\n"), 0x01, .. publicKey])[..4];
        blob[..4].ShouldBe(expectedHash);
        var key = PublicKey.Import(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey);
        SignatureAlgorithm.Ed25519.Verify(key, Encoding.UTF8.GetBytes(text), blob[4..]).ShouldBeTrue();
        signer.VerifierKey.ShouldBe($"news.example/factdesk+{Convert.ToHexStringLower(expectedHash)}+{Convert.ToBase64String([0x01, .. publicKey])}");
    }

    [Fact]
    public void The_verifier_opens_a_note_signed_by_its_key_and_refuses_an_altered_or_foreign_one()
    {
        using var signer = NoteSigner.Parse(SignerKey);
        var verifier = NoteVerifier.Parse(signer.VerifierKey);
        var text = new Checkpoint("news.example/factdesk", 7, SHA256.HashData("seven"u8)).Text();
        var note = signer.Sign(text);
        verifier.Open(note).ShouldBe(text);
        Checkpoint.Parse(verifier.Open(note)).TreeSize.ShouldBe(7);

        Should.Throw<FormatException>(() => verifier.Open(note.Replace("\n7\n", "\n8\n"))).Message.ShouldContain("does not match");
        using var other = NoteSigner.Parse(NoteKeys.Generate("news.example/factdesk"));
        Should.Throw<FormatException>(() => verifier.Open(other.Sign(text))).Message.ShouldContain("no signature by");
    }

    [Fact]
    public void Keys_whose_base64_holds_a_plus_sign_still_read()
    {
        // One key in four or so has a '+' in its base64: enough tries to meet several.
        for (var i = 0; i < 64; i++)
        {
            var key = NoteKeys.Generate("news.example/factdesk");
            using var signer = NoteSigner.Parse(key);
            NoteVerifier.Parse(signer.VerifierKey).Open(signer.Sign("a\n")).ShouldBe("a\n");
        }
    }

    [Fact]
    public void Malformed_keys_and_checkpoints_are_refused_with_a_reason()
    {
        Should.Throw<FormatException>(() => NoteSigner.Parse("PRIVATE+KEY+name+00000000+AQ=="));
        Should.Throw<FormatException>(() => NoteSigner.Parse(SignerKey.Replace("PRIVATE+KEY+news", "PRIVATE+KEY+olds")))
            .Message.ShouldContain("hash does not match");
        Should.Throw<FormatException>(() => NoteVerifier.Parse("name+zz+AQ=="));
        Should.Throw<ArgumentException>(() => NoteKeys.Generate("has space"));
        Should.Throw<FormatException>(() => Checkpoint.Parse("origin\n012\nAAAA\n"));
        Should.Throw<FormatException>(() => Checkpoint.Parse("origin\n12\nAAAA\n")).Message.ShouldContain("32 bytes");
    }
}
