using FactDesk.Api.Hosting;
using FactDesk.TransparencyLog;

namespace FactDesk.Api.Audit.SigningCheckpoints;

/// <summary>Settings under <c>TransparencyLog:</c>.</summary>
public sealed class TransparencyLogOptions
{
    /// <summary>The log's name on the checkpoint's first line; by default the signing key's name.</summary>
    public string? Origin { get; set; }
    /// <summary>The signing key itself (<c>PRIVATE+KEY+name+hash+base64</c>), e.g. from a secret store's environment variable.</summary>
    public string? SigningKey { get; set; }
    /// <summary>A file holding the signing key: kept outside the database, so a database admin cannot sign.</summary>
    public string? KeyFile { get; set; }
    /// <summary>Make <see cref="KeyFile"/> with a new key when it does not exist (ops/run asks for this; production should not).</summary>
    public bool CreateMissingKeyFile { get; set; }
    /// <summary>The name a generated key gets.</summary>
    public string KeyName { get; set; } = "factdesk.local/transparency-log";
    /// <summary>Sign a checkpoint once the tree has grown by this many events since the last one...</summary>
    public int CheckpointEveryEvents { get; set; } = 256;
    /// <summary>...or once this many seconds have passed since the last one and the tree grew at all.</summary>
    public double CheckpointEverySeconds { get; set; } = 10;
}

public static class TransparencyLogSetup
{
    public static IServiceCollection AddTransparencyLog(this IServiceCollection services, IConfiguration configuration)
    {
        // Bound when first needed, so settings a test host adds after start-up wiring are seen.
        services.AddSingleton(_ => configuration.GetSection("TransparencyLog").Get<TransparencyLogOptions>() ?? new TransparencyLogOptions());
        services.AddSingleton(_ => new MerkleLog(StoreSetup.Schema));
        services.AddSingleton(sp => SigningKeys.Load(sp.GetRequiredService<TransparencyLogOptions>(), sp.GetRequiredService<IHostEnvironment>(),
            sp.GetRequiredService<ILogger<CheckpointSigner>>()));
        services.AddSingleton<CheckpointSigner>();
        services.AddHostedService(sp => sp.GetRequiredService<CheckpointSigner>());
        return services;
    }
}

/// <summary>
/// Where the checkpoint signing key comes from: <c>TransparencyLog:SigningKey</c>, else <c>TransparencyLog:KeyFile</c>.
/// Never the database. Outside Production a missing key is made once into a git-ignored file, so a developer needs no
/// set-up; Production refuses to start without one, since a key made on the spot would be a key nobody pinned.
/// </summary>
public static class SigningKeys
{
    public static NoteSigner Load(TransparencyLogOptions options, IHostEnvironment environment, ILogger log)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey)) return Parse(options.SigningKey, "TransparencyLog:SigningKey");
        var file = options.KeyFile;
        var mayCreate = options.CreateMissingKeyFile;
        if (string.IsNullOrWhiteSpace(file))
        {
            if (environment.IsProduction())
                throw new InvalidOperationException(
                    "FactDesk will not start in Production without a transparency log signing key: set TransparencyLog__KeyFile to a file " +
                    "holding one (or TransparencyLog__SigningKey to the key). Make a key with `FactDesk.Api transparency-log new-key <name>`; " +
                    "keep it out of the database and give auditors the public key it prints.");
            file = Path.Combine(environment.ContentRootPath, ".local", "transparency-log.key");
            mayCreate = true;
        }
        if (!File.Exists(file))
        {
            if (!mayCreate)
                throw new InvalidOperationException($"The transparency log signing key file '{file}' (TransparencyLog:KeyFile) does not exist.");
            CreateKeyFile(file, options.KeyName);
            log.LogWarning("Made a new transparency log signing key in {File}: checkpoints signed before were signed by another key.", file);
        }
        return Parse(File.ReadAllText(file), $"the key file '{file}'");
    }

    /// <summary>Writes a new key file readable by its owner only; when another process made it first, keeps theirs.</summary>
    public static void CreateKeyFile(string file, string name)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var temporary = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temporary, NoteKeys.Generate(name) + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try { File.Move(temporary, file, overwrite: false); }
        catch (IOException) when (File.Exists(file)) { File.Delete(temporary); }
    }

    private static NoteSigner Parse(string key, string where)
    {
        try { return NoteSigner.Parse(key); }
        catch (FormatException e) { throw new InvalidOperationException($"The transparency log signing key in {where} is not usable: {e.Message}"); }
    }
}
