using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FactDesk.Api.Http;

namespace FactDesk.Resilience.Tests;

/// <summary>The people the resilience scenarios sign in as: one per role, tokens known only to the tests.</summary>
public static class Newsroom
{
    public static readonly (string Name, string Role, string Token)[] People =
    [
        ("wire-desk-bot", Roles.Tool, "resilience-tool-token-5b1e"),
        ("Mara Lind", Roles.Editor, "resilience-editor-token-91c2"),
        ("Tomás Ruiz", Roles.SeniorEditor, "resilience-senior-token-0d7f"),
        ("Audrey Kim", Roles.Auditor, "resilience-auditor-token-44aa"),
    ];

    public static string TokenOf(string role) => People.First(p => p.Role == role).Token;

    public static HttpClient Client(Uri baseAddress, string role, TimeSpan? timeout = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(15),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenOf(role));
        return client;
    }
}

/// <summary>One keyed command sent by the wire desk, and what became of it.</summary>
public sealed class SentCommand(string key, string path, string body)
{
    public string Key { get; } = key;
    public string Path { get; } = path;
    public string Body { get; } = body;
    /// <summary>The last status answered; null while no answer came back (connection cut, timeout).</summary>
    public int? Status { get; set; }
    public string? Answer { get; set; }
    public int Attempts { get; set; }
    /// <summary>The answer was a replay of a stored first answer (header Idempotent-Replayed).</summary>
    public bool Replayed { get; set; }
    public bool Acknowledged => Status is >= 200 and < 300;
    /// <summary>A copy that may or may not have been written: no answer, or the service said it could not reach its database.</summary>
    public bool Unsettled => Status is null or 503;
}

/// <summary>
/// Concurrent wire-desk traffic against one or more service instances: flags claims and attaches sources to them, each
/// command with its own Idempotency-Key, and keeps every command so unanswered ones can be retried with the same key.
/// </summary>
public sealed class WireDeskTraffic(IReadOnlyList<HttpClient> instances, int seed)
{
    private readonly ConcurrentQueue<SentCommand> _sent = new();
    private readonly ConcurrentBag<Guid> _claims = [];
    private readonly ConcurrentQueue<string> _unexpected = new();
    private int _counter;

    public IReadOnlyCollection<SentCommand> Sent => _sent;
    /// <summary>Answers that no keyed newsroom command should ever get (5xx other than 503, or errors that are not problem+json).</summary>
    public IReadOnlyCollection<string> Unexpected => _unexpected;
    public int Answered503 => _sent.Count(c => c.Status == 503);

    /// <summary>Runs <paramref name="writers"/> writers until <paramref name="stop"/> fires; a writer never waits on a dead instance for long.</summary>
    public async Task RunAsync(int writers, CancellationToken stop)
    {
        var loops = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(seed * 1000 + w);
            while (!stop.IsCancellationRequested)
            {
                var command = NextCommand(random);
                _sent.Enqueue(command);
                await SendAsync(instances[random.Next(instances.Count)], command);
                // After a failed send the instance is probably away: do not spin on it.
                if (command.Unsettled) await Task.Delay(50, CancellationToken.None);
            }
        })).ToArray();
        await Task.WhenAll(loops);
    }

    /// <summary>Sends every command that got no answer (or a 503) again with its own key, until each is acknowledged or the attempts run out.</summary>
    public async Task RetryUnsettledAsync(TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        var attempt = 0;
        while (clock.Elapsed < within)
        {
            var open = _sent.Where(c => c.Unsettled).ToList();
            if (open.Count == 0) return;
            await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (command, _) => await SendAsync(instances[(attempt + command.Attempts) % instances.Count], command));
            attempt++;
            if (_sent.Any(c => c.Unsettled)) await Task.Delay(200);
        }
    }

    /// <summary>
    /// Sends one new FlagClaim to every instance at the same moment with the same key: the copies race in different
    /// processes, and exactly one may write.
    /// </summary>
    public async Task SendTwinsAsync(Random random)
    {
        var template = NextCommand(random, flag: true);
        var copies = instances.Select(_ => new SentCommand(template.Key, template.Path, template.Body)).ToList();
        foreach (var copy in copies) _sent.Enqueue(copy);
        await Task.WhenAll(copies.Select((copy, i) => SendAsync(instances[i], copy)));
    }

    private SentCommand NextCommand(Random random, bool flag = false)
    {
        var n = Interlocked.Increment(ref _counter);
        var key = $"wire-{seed}-{n}-{Guid.NewGuid():N}";
        // Two in five flag a new claim; the rest attach a source to one flagged earlier (a claim to start with).
        var claims = _claims.ToArray();
        if (flag || claims.Length == 0 || random.Next(5) < 2)
            return new SentCommand(key, "/api/claims", JsonSerializer.Serialize(new
            {
                quote = $"Unemployment fell to {random.Next(2, 9)}.{random.Next(10)}% in March (wire item {n})",
                reason = "a rate reported without its source",
                priority = new[] { "low", "normal", "high", "urgent" }[random.Next(4)],
            }));
        var claim = claims[random.Next(claims.Length)];
        return new SentCommand(key, $"/api/claims/{claim}/sources", JsonSerializer.Serialize(new
        {
            url = $"https://www.ons.gov.uk/employmentandlabourmarket/bulletins/{n}",
            publisher = "Office for National Statistics",
            stance = new[] { "supports", "contradicts", "context" }[random.Next(3)],
        }));
    }

    private async Task SendAsync(HttpClient client, SentCommand command)
    {
        command.Attempts++;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, command.Path) { Content = new StringContent(command.Body, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", command.Key);
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            if (status >= 500 && status != 503) _unexpected.Enqueue($"{command.Path} -> {status}: {body}");
            if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                _unexpected.Enqueue($"{command.Path} -> {status} with {response.Content.Headers.ContentType}: {body}");
            // A retried copy that meets a concurrent copy of itself is told to retry shortly: keep it unsettled.
            if (status == 409 && body.Contains("idempotency-key-in-use")) { command.Status = null; return; }
            (command.Status, command.Answer, command.Replayed) = (status, body, response.Headers.Contains("Idempotent-Replayed"));
            if (command.Acknowledged && command.Path == "/api/claims")
                _claims.Add(JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            command.Status = null;
        }
    }
}
