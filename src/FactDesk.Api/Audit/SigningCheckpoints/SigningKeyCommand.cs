using FactDesk.TransparencyLog;

namespace FactDesk.Api.Audit.SigningCheckpoints;

/// <summary>
/// <c>FactDesk.Api transparency-log new-key &lt;name&gt; [file]</c>: makes a checkpoint signing key, writes it to the file
/// (or prints it), and prints the verifier key auditors pin.
/// </summary>
public static class SigningKeyCommand
{
    public static int Run(string[] args)
    {
        if (args is not ["new-key", var name, ..] || args.Length > 3)
        {
            Console.Error.WriteLine("usage: FactDesk.Api transparency-log new-key <name, e.g. news.example/factdesk> [key file]");
            return 2;
        }
        if (!NoteKeys.IsValidName(name))
        {
            Console.Error.WriteLine($"'{name}' cannot name a key: no '+', spaces or control characters.");
            return 2;
        }
        if (args.Length == 3)
        {
            if (File.Exists(args[2]))
            {
                Console.Error.WriteLine($"{args[2]} exists already; not overwriting a signing key.");
                return 1;
            }
            SigningKeys.CreateKeyFile(args[2], name);
            using var signer = NoteSigner.Parse(File.ReadAllText(args[2]));
            Console.WriteLine(signer.VerifierKey);
            return 0;
        }
        var key = NoteKeys.Generate(name);
        using (var signer = NoteSigner.Parse(key))
        {
            Console.WriteLine(key);
            Console.WriteLine(signer.VerifierKey);
        }
        return 0;
    }
}
