using FactDesk.Verify;

// factdesk-verify: an auditor's check of a FactDesk transparency log. Exit 0: all held, the latest checkpoint is pinned;
// 1: an inconsistency (named on stderr); 2: bad arguments or the service could not be asked.
const string Usage = """
    usage: factdesk-verify --url <service> --public-key <key or file> --pins <file> [--claim <id> | --all]
      --token <token>   bearer token (or set FACTDESK_TOKEN)
    """;

string? url = null, token = Environment.GetEnvironmentVariable("FACTDESK_TOKEN"), key = null, pins = null;
Guid? claim = null;
var all = false;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    try
    {
        switch (args[i])
        {
            case "--url": url = Next(); break;
            case "--token": token = Next(); break;
            case "--public-key": key = Next(); break;
            case "--pins": pins = Next(); break;
            case "--claim": claim = Guid.TryParse(Next(), out var id) ? id : throw new ArgumentException("--claim needs a UUID."); break;
            case "--all": all = true; break;
            default: throw new ArgumentException($"Unknown argument {args[i]}.");
        }
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        Console.Error.WriteLine(Usage);
        return 2;
    }
}
if (url is null || token is null || key is null || pins is null || (claim is not null && all) || !Uri.TryCreate(url, UriKind.Absolute, out var service))
{
    Console.Error.WriteLine(Usage);
    return 2;
}
if (File.Exists(key)) key = File.ReadAllText(key).Trim();

using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
try
{
    var outcome = await new LogAuditor(http).RunAsync(new AuditRequest(service, token, key, pins, claim, all));
    foreach (var line in outcome.Log) Console.WriteLine(line);
    if (outcome.Ok) return 0;
    Console.Error.WriteLine("INCONSISTENT: " + outcome.Problem);
    return 1;
}
catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException)
{
    Console.Error.WriteLine("Could not check the log: " + e.Message);
    return 2;
}
