using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FactDesk.Api.Demo;

/// <summary>
/// Loads <c>seeds/dataset.json</c> into a running FactDesk through its public HTTP commands, as a newsroom tool would.
/// Every command carries an idempotency key derived from the dataset, so loading twice writes nothing new.
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
        var dataset = JsonNode.Parse(await File.ReadAllTextAsync(datasetPath))!.AsObject();
        var textDirectory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(datasetPath))!, "..", (string?)dataset["textDirectory"] ?? "../shared/seeds"));
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        var loader = new Loader(http, tokens);
        await loader.LoadAsync(dataset, textDirectory);
        Console.WriteLine($"Demo dataset loaded: {loader.Summary}");
        return 0;
    }

    private static Dictionary<string, string> ParseArgs(string[] args)
    {
        var result = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i++)
            if (args[i].StartsWith("--") && args[i] != "--token") result[args[i][2..]] = args[++i];
        return result;
    }

    private sealed class Loader(HttpClient http, IReadOnlyDictionary<string, string> tokens)
    {
        private readonly Dictionary<string, Guid> _documents = new();
        private readonly Dictionary<string, Guid> _claims = new();
        private readonly Dictionary<string, Guid> _sources = new();
        private int _commands;
        private int _skippedDocuments;

        public string Summary => $"{_documents.Count} documents, {_claims.Count} claims, {_sources.Count} sources ({_commands} commands" +
                                 (_skippedDocuments > 0 ? $"; {_skippedDocuments} article texts not found, their claims flagged without a document)" : ")");

        public async Task LoadAsync(JsonObject dataset, string textDirectory)
        {
            foreach (var document in dataset["documents"]!.AsArray().Select(d => d!.AsObject()))
            {
                var file = Path.Combine(textDirectory, (string)document["file"]!);
                if (!File.Exists(file)) { _skippedDocuments++; continue; }
                var answer = await PostAsync("tool", "/api/documents", $"demo:document:{document["key"]}", new JsonObject
                {
                    ["title"] = (string?)document["title"] ?? Path.GetFileNameWithoutExtension(file),
                    ["text"] = await File.ReadAllTextAsync(file),
                    ["outlet"] = (string?)document["outlet"],
                    ["author"] = (string?)document["author"],
                    ["url"] = (string?)document["url"],
                    ["publishedOn"] = (string?)document["publishedOn"],
                    ["language"] = (string?)document["language"] ?? "en",
                });
                _documents[(string)document["key"]!] = answer["id"]!.GetValue<Guid>();
            }

            var sourcesByClaim = dataset["sources"]!.AsArray().Select(s => s!.AsObject()).ToLookup(s => (string)s["claim"]!);
            foreach (var claim in dataset["claims"]!.AsArray().Select(c => c!.AsObject()))
            {
                var key = (string)claim["key"]!;
                var body = new JsonObject
                {
                    ["quote"] = (string)claim["quote"]!,
                    ["reason"] = (string)claim["reason"]!,
                    ["priority"] = (string?)claim["priority"] ?? "normal",
                };
                if (_documents.TryGetValue((string?)claim["document"] ?? "", out var documentId)) body["documentId"] = documentId;
                if (claim["dueInDays"] is JsonValue due)
                    body["dueAt"] = DateTimeOffset.UtcNow.Date.AddDays(due.GetValue<int>() + 1).AddHours(17).ToString("O");
                if (claim["assertion"] is JsonObject assertion)
                    body["assertion"] = new JsonObject(assertion.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)(p.Value?.ToString()))));
                var flagged = await PostAsync("tool", "/api/claims", $"demo:claim:{key}", body);
                var claimId = flagged["id"]!.GetValue<Guid>();
                _claims[key] = claimId;

                var history = claim["demoHistory"]?.AsArray().Select(h => (string)h!).ToList() ?? [];
                var assignee = history.FirstOrDefault(h => h.StartsWith("assign:"))?["assign:".Length..];
                if (assignee is not null)
                    await PostAsync("senior-editor", $"/api/claims/{claimId}/assignment", $"demo:assign:{key}", new JsonObject { ["assignee"] = assignee });
                var attacher = history.Contains("attach-sources") && assignee is not null ? RoleOf(assignee) : "tool";
                foreach (var source in sourcesByClaim[key])
                {
                    var sourceBody = new JsonObject();
                    foreach (var field in new[] { "url", "citation", "title", "publisher", "publishedOn", "quote", "stance", "kind" })
                        if (source[field] is JsonNode value) sourceBody[field] = value.DeepClone();
                    var attached = await PostAsync(attacher, $"/api/claims/{claimId}/sources", $"demo:source:{source["key"]}", sourceBody);
                    _sources[(string)source["key"]!] = attached["sourceId"]!.GetValue<Guid>();
                }
            }

            foreach (var discrepancy in dataset["discrepancies"]!.AsArray().Select(d => d!.AsObject()))
            {
                var values = new JsonArray();
                foreach (var value in discrepancy["values"]?.AsArray() ?? [])
                    values.Add(new JsonObject { ["side"] = SideName((string)value!["side"]!), ["says"] = (string?)value["says"] ?? "not stated in the seed texts" });
                await PostAsync("tool", "/api/discrepancies", $"demo:discrepancy:{discrepancy["key"]}", new JsonObject
                {
                    ["claimIds"] = new JsonArray(discrepancy["claims"]!.AsArray().Select(c => (JsonNode)_claims[(string)c!]).ToArray()),
                    ["sourceIds"] = new JsonArray((discrepancy["sources"]?.AsArray() ?? []).Select(s => (JsonNode)_sources[(string)s!]).ToArray()),
                    ["kind"] = (string)discrepancy["kind"]!,
                    ["description"] = (string)discrepancy["description"]!,
                    ["values"] = values,
                });
            }
        }

        private string SideName(string key) =>
            _claims.TryGetValue(key, out var claim) ? $"claim {claim}" : _sources.TryGetValue(key, out var source) ? $"source {source}" : key;

        private static string RoleOf(string person) => person == "Tomás Ruiz" ? "senior-editor" : "editor";

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
            _commands++;
            return JsonNode.Parse(text)!.AsObject();
        }
    }
}
