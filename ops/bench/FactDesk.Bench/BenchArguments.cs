namespace FactDesk.Bench;

/// <summary>A benchmark's options as <c>--name value</c> pairs; each benchmark reads the ones it knows.</summary>
public sealed class BenchArguments
{
    private readonly Dictionary<string, string> _values;

    private BenchArguments(Dictionary<string, string> values) => _values = values;

    public static BenchArguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--") || i + 1 >= args.Length)
                throw new BenchUsageException($"expected '--name value' pairs, got '{string.Join(' ', args[i..])}'");
            values[args[i][2..]] = args[i + 1];
        }
        return new BenchArguments(values);
    }

    public string? Text(string name) => _values.GetValueOrDefault(name);

    public string Required(string name, string? fallbackEnvironmentVariable = null) =>
        Text(name)
        ?? (fallbackEnvironmentVariable is null ? null : Environment.GetEnvironmentVariable(fallbackEnvironmentVariable))
        ?? throw new BenchUsageException($"--{name} is required" + (fallbackEnvironmentVariable is null ? "" : $" (or set {fallbackEnvironmentVariable})"));

    public int Int(string name, int fallback) =>
        Text(name) is { } text ? int.TryParse(text, out var value) && value > 0 ? value : throw new BenchUsageException($"--{name} needs a positive number") : fallback;

    public int[] IntList(string name, int[] fallback) =>
        Text(name) is { } text ? text.Split(',').Select(part => int.TryParse(part, out var value) && value > 0 ? value : throw new BenchUsageException($"--{name} needs positive numbers separated by commas")).ToArray() : fallback;

    /// <summary>Fails on options no benchmark reads, so a typo does not silently run with defaults.</summary>
    public void RejectUnknown(params string[] known)
    {
        var unknown = _values.Keys.Except(known).ToArray();
        if (unknown.Length > 0) throw new BenchUsageException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}; known: {string.Join(", ", known.Select(k => "--" + k))}");
    }
}

public sealed class BenchUsageException(string message) : Exception(message);
