using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace FactDesk.Api.Demo;

/// <summary>
/// Loads <c>seeds/dataset.json</c> into a running FactDesk through its public HTTP commands, as a newsroom tool would.
/// Every command carries an idempotency key derived from the dataset, so loading twice writes nothing new, and says so.
/// Usage: <c>demo load --url http://127.0.0.1:5080 --dataset seeds/dataset.json --token tool=... --token editor=... --token senior-editor=...</c>
/// </summary>
public static class DemoDatasetLoader
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = ParseArgs(args);
        if (!options.TryGetValue("url", out var url) || !options.TryGetValue("dataset", out var datasetPath))
        {
            Console.Error.WriteLine("usage: demo load --url <service url> --dataset <seeds/dataset.json> --token <role>=<token> ...");
            return 2;
        }
        var tokens = args.Zip(args.Skip(1)).Where(p => p.First == "--token").Select(p => p.Second.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        var loaded = await LoadAsync(http, tokens, datasetPath);
        Console.WriteLine(loaded.Describe());
        return 0;
    }

    /// <summary>Posts the dataset through <paramref name="http"/>; <paramref name="tokensByRole"/> holds a token for tool, editor and senior-editor.</summary>
    public static async Task<DemoLoad> LoadAsync(HttpClient http, IReadOnlyDictionary<string, string> tokensByRole, string datasetPath)
    {
        var dataset = JsonNode.Parse(await File.ReadAllTextAsync(datasetPath))!.AsObject();
        // Article texts live inside the repository, beside the dataset.
        var textDirectory = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(datasetPath))!, (string?)dataset["textDirectory"] ?? "articles");
        var loader = new Loader(http, tokensByRole, dataset);
        await loader.LoadAsync(textDirectory);
        return loader.Result;
    }

    private static Dictionary<string, string> ParseArgs(string[] args)
    {
        var result = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i++)
            if (args[i].StartsWith("--") && args[i] != "--token") result[args[i][2..]] = args[++i];
        return result;
    }

    private sealed class Loader(HttpClient http, IReadOnlyDictionary<string, string> tokens, JsonObject dataset)
    {
        private readonly Dictionary<string, Guid> _documents = new();
        private readonly Dictionary<string, string> _documentNames = new();
        private readonly Dictionary<string, Guid> _claims = new();
        private readonly Dictionary<string, string> _claimSides = new();
        private readonly Dictionary<string, Guid> _sources = new();
        private readonly Dictionary<string, string> _sourceSides = new();
        private readonly Dictionary<string, string> _roles = dataset["actors"]!.AsArray()
            .ToDictionary(a => (string)a!["name"]!, a => (string)a!["role"]!);
        private int _written;
        private int _replayed;
        private int _discrepancies;
        private DateTimeOffset _loadedAt;

        public DemoLoad Result => new(_documents.Count, _claims, _sources.Count, _discrepancies, _written, _replayed);

        public async Task LoadAsync(string textDirectory)
        {
            foreach (var document in Objects("documents"))
            {
                var key = (string)document["key"]!;
                var file = Path.Combine(textDirectory, (string)document["file"]!);
                if (!File.Exists(file)) throw new FileNotFoundException($"The demo article '{key}' is missing from seeds/.", file);
                var answer = await PostAsync("tool", "/api/documents", $"demo:document:{key}", new JsonObject
                {
                    ["title"] = (string)document["title"]!,
                    ["text"] = await File.ReadAllTextAsync(file),
                    ["outlet"] = (string?)document["outlet"],
                    ["author"] = (string?)document["author"],
                    ["url"] = (string?)document["url"],
                    ["publishedOn"] = (string?)document["publishedOn"],
                    ["language"] = (string?)document["language"] ?? "en",
                });
                _documents[key] = answer["id"]!.GetValue<Guid>();
                _documentNames[key] = (string?)document["outlet"] ?? (string)document["title"]!;
            }

            // Due dates count from when the desk was first loaded (the first article's ingestion), so every later load
            // sends the very same commands and is answered from their idempotency keys.
            _loadedAt = await FirstLoadedAtAsync();
            var sourcesByClaim = Objects("sources").ToLookup(s => (string)s["claim"]!);
            foreach (var claim in Objects("claims"))
                await FlagAndWorkAsync(claim, sourcesByClaim[(string)claim["key"]!].ToList());

            foreach (var discrepancy in Objects("discrepancies"))
            {
                var values = new JsonArray();
                foreach (var value in discrepancy["values"]!.AsArray())
                    values.Add(new JsonObject { ["side"] = SideOf((string)value!["side"]!), ["says"] = (string)value["says"]! });
                await PostAsync("tool", "/api/discrepancies", $"demo:discrepancy:{discrepancy["key"]}", new JsonObject
                {
                    ["claimIds"] = new JsonArray(discrepancy["claims"]!.AsArray().Select(c => (JsonNode)_claims[(string)c!]).ToArray()),
                    ["sourceIds"] = new JsonArray((discrepancy["sources"]?.AsArray() ?? []).Select(s => (JsonNode)_sources[(string)s!]).ToArray()),
                    ["kind"] = (string)discrepancy["kind"]!,
                    ["description"] = (string)discrepancy["description"]!,
                    ["values"] = values,
                });
                _discrepancies++;
            }
        }

        private async Task<DateTimeOffset> FirstLoadedAtAsync()
        {
            var first = _documents[(string)Objects("documents").First()["key"]!];
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/documents/{first}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens["tool"]);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var ingestedAt = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["ingestedAt"]!.GetValue<DateTimeOffset>();
            // Whole seconds: the same instant must print the same way on every load.
            return new DateTimeOffset(ingestedAt.UtcTicks - ingestedAt.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        }

        private async Task FlagAndWorkAsync(JsonObject claim, IReadOnlyList<JsonObject> sources)
        {
            var key = (string)claim["key"]!;
            var documentKey = (string)claim["document"]!;
            var body = new JsonObject
            {
                ["quote"] = (string)claim["quote"]!,
                ["reason"] = (string)claim["reason"]!,
                ["priority"] = (string?)claim["priority"] ?? "normal",
                ["documentId"] = _documents[documentKey],
            };
            // Due at 17:00 UTC some days after loading, or some hours from now: a few hours ago makes the claim overdue
            // from the start (a due date more than a day before flagging would be refused).
            if (claim["dueInDays"] is JsonValue due)
                body["dueAt"] = new DateTimeOffset(_loadedAt.UtcDateTime.Date, TimeSpan.Zero).AddDays(due.GetValue<int>()).AddHours(17).ToString("O");
            else if (claim["dueInHours"] is JsonValue dueSoon)
                body["dueAt"] = _loadedAt.AddHours(dueSoon.GetValue<int>()).ToString("O");
            if (claim["assertion"] is JsonObject assertion) body["assertion"] = assertion.DeepClone();
            var flagged = await PostAsync("tool", "/api/claims", $"demo:claim:{key}", body);
            var claimId = flagged["id"]!.GetValue<Guid>();
            _claims[key] = claimId;
            _claimSides[key] = $"{Shorten((string)claim["quote"]!, 140)} ({_documentNames[documentKey]})";

            var steps = claim["steps"]?.AsArray().Select(s => s!.AsObject()).ToList() ?? [];
            if (!steps.Any(s => (string)s["do"]! == "attach-sources")) await AttachAsync(claimId, sources, "tool");
            foreach (var step in steps)
            {
                var role = RoleOf((string?)step["by"]);
                var path = $"/api/claims/{claimId}";
                var idempotencyKey = $"demo:{step["do"]}:{key}";
                switch ((string)step["do"]!)
                {
                    case "assign":
                        await PostAsync(role, $"{path}/assignment", idempotencyKey, new JsonObject { ["assignee"] = (string)step["to"]! });
                        break;
                    case "attach-sources":
                        await AttachAsync(claimId, sources, role);
                        break;
                    case "propose":
                        await PostAsync(role, $"{path}/verdict", idempotencyKey,
                            new JsonObject { ["rating"] = (string)step["rating"]!, ["summary"] = (string)step["summary"]! });
                        break;
                    case "approve":
                        await PostAsync(role, $"{path}/verdict/approval", idempotencyKey, new JsonObject { ["note"] = (string?)step["note"] });
                        break;
                    case "publish":
                        await PostAsync(role, $"{path}/publication", idempotencyKey, new JsonObject { ["url"] = (string)step["url"]! });
                        break;
                    case "dismiss":
                        await PostAsync(role, $"{path}/dismissal", idempotencyKey, new JsonObject { ["reason"] = (string)step["reason"]! });
                        break;
                    default:
                        throw new InvalidOperationException($"Unknown demo step '{step["do"]}' on claim '{key}'.");
                }
            }
        }

        private async Task AttachAsync(Guid claimId, IReadOnlyList<JsonObject> sources, string role)
        {
            foreach (var source in sources)
            {
                var body = new JsonObject();
                foreach (var field in new[] { "url", "citation", "title", "publisher", "publishedOn", "quote", "stance", "kind" })
                    if (source[field] is JsonNode value) body[field] = value.DeepClone();
                var key = (string)source["key"]!;
                var attached = await PostAsync(role, $"/api/claims/{claimId}/sources", $"demo:source:{key}", body);
                _sources[key] = attached["sourceId"]!.GetValue<Guid>();
                var who = (string?)source["publisher"] ?? (string)source["citation"]!;
                _sourceSides[key] = source["quote"] is JsonNode quote ? $"{Shorten((string)quote!, 120)} ({who})" : Shorten(who, 200);
            }
        }

        /// <summary>A discrepancy side as an editor reads it: the statement and where it was made, never an id.</summary>
        private string SideOf(string key) =>
            _claimSides.TryGetValue(key, out var claim) ? claim
            : _sourceSides.TryGetValue(key, out var source) ? source
            : throw new InvalidOperationException($"Discrepancy side '{key}' names no claim or source of the dataset.");

        private static string Shorten(string text, int length) =>
            "“" + (text.Length <= length ? text : text[..text.LastIndexOf(' ', length - 1)] + " …") + "”";

        private string RoleOf(string? person) =>
            person is null ? "tool" : _roles.TryGetValue(person, out var role) ? role
                : throw new InvalidOperationException($"'{person}' is not an actor of the dataset.");

        private IEnumerable<JsonObject> Objects(string section) => dataset[section]!.AsArray().Select(n => n!.AsObject());

        private async Task<JsonObject> PostAsync(string role, string path, string idempotencyKey, JsonObject body)
        {
            if (!tokens.TryGetValue(role, out var token)) throw new InvalidOperationException($"No --token given for role {role}.");
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            request.Headers.Add("X-Correlation-Id", "demo-dataset");
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
            if (response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Contains("true")) _replayed++;
            else _written++;
            return JsonNode.Parse(text)!.AsObject();
        }
    }
}

/// <summary>What one load of the demo dataset did: how much of it exists, and how many commands wrote or only replayed.</summary>
public sealed record DemoLoad(int Documents, IReadOnlyDictionary<string, Guid> ClaimIds, int Sources, int Discrepancies, int CommandsWritten, int CommandsReplayed)
{
    public int Claims => ClaimIds.Count;

    public string Describe() => CommandsWritten == 0
        ? $"Demo dataset already loaded: nothing written ({CommandsReplayed} commands answered as before)."
        : $"Demo dataset loaded: {Documents} documents, {Claims} claims, {Sources} sources, {Discrepancies} discrepancies " +
          $"({CommandsWritten} commands written{(CommandsReplayed > 0 ? $", {CommandsReplayed} already done" : "")}).";
}
