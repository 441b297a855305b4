using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FactDesk.Api.Http;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Resilience.Tests;

/// <summary>
/// Hostile input on every route the OpenAPI document lists (so a new route is covered the day it is documented):
/// generated from a fixed seed, so a failure can be replayed.
/// </summary>
public class FuzzTests(InProcessNewsroom api, ITestOutputHelper output) : IClassFixture<InProcessNewsroom>
{
    private const string ScriptMarker = "<script>alert('fd-xss')</script>";

    [Fact]
    public async Task Thousands_of_hostile_requests_to_every_documented_route_get_no_5xx_only_problem_json_errors_and_write_nothing_when_refused()
    {
        var total = ScenarioReport.Setting("FUZZ_REQUESTS", 3000);
        var desk = await NewsroomOnFileAsync();
        using var anonymous = api.As(null);
        var openApi = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;
        var operations = Operations(openApi).ToList();
        operations.Count.ShouldBeGreaterThan(20);

        var random = new Random(20250201);
        var clients = RoleMatrix.Callers.Where(r => r is not null).ToDictionary(r => r!, r => api.As(r));
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var usedKeys = new List<(string Key, string Role)>();
        var htmlPagesSeen = 0;

        for (var i = 0; i < total; i++)
        {
            var (method, route, bodySchema) = operations[i % operations.Count];
            // Mostly the senior editor (who may do nearly everything, so input reaches validation), sometimes anyone.
            var role = random.Next(4) == 0 ? clients.Keys.ElementAt(random.Next(clients.Count)) : Roles.SeniorEditor;
            var path = FillRoute(route, desk, random) + HostileQuery(method, random);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            var description = $"#{i} {method} {path[..Math.Min(path.Length, 120)]} as {role}";
            if (method is "POST" or "PUT" or "PATCH") (request.Content, description) = HostileBody(bodySchema, desk, random, description);
            description = HostileHeaders(request, random, usedKeys, role, description);

            var before = await api.LastPositionAsync();
            HttpResponseMessage response;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                response = await clients[role].SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or HttpRequestException)
            {
                continue; // the client itself refused to send it (a header it will not encode): nothing reached the service
            }
            using (response)
            {
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var mediaType = response.Content.Headers.ContentType?.MediaType;
                var body = mediaType == "text/event-stream" ? "" : await response.Content.ReadAsStringAsync();
                if (status >= 500) failures.Add($"{description} -> {status}: {body[..Math.Min(body.Length, 300)]}");
                if (status >= 400 && mediaType != "application/problem+json") failures.Add($"{description} -> {status} as {mediaType}");
                if (status >= 400 && body.Contains("   at ", StringComparison.Ordinal)) failures.Add($"{description} -> a stack trace in the answer");
                if (mediaType == "text/html")
                {
                    htmlPagesSeen++;
                    if (body.Contains(ScriptMarker, StringComparison.Ordinal)) failures.Add($"{description} -> script rendered unescaped");
                }
                var after = await api.LastPositionAsync();
                if (status is < 200 or >= 300 && after != before) failures.Add($"{description} -> {status} but events were written ({before} -> {after})");
                if (status is >= 200 and < 300 && request.Headers.TryGetValues("Idempotency-Key", out var keys)) usedKeys.Add((keys.First(), role));
            }
        }

        // The editors' pages (where the service has them) must show what the fuzz stored, escaped.
        htmlPagesSeen += await PagesShowStoredTextEscapedAsync(desk, failures);

        ScenarioReport.Write(output, "fuzz", $"{total} requests over {operations.Count} operations; statuses {string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"))}; " +
                                             $"{htmlPagesSeen} HTML answers checked for unescaped script");
        failures.ShouldBeEmpty();
        statuses.Keys.ShouldContain(k => k >= 200 && k < 300, "no request was accepted: the base bodies never reach the decisions");
        statuses.Keys.ShouldContain(400);
    }

    /// <summary>Real ids of a small newsroom: the fuzz aims at existing things as well as made-up ones.</summary>
    private async Task<Dictionary<string, string>> NewsroomOnFileAsync()
    {
        var tool = api.As(Roles.Tool);
        var editor = api.As(Roles.Editor);
        async Task<JsonElement> Post(HttpClient client, string path, object body)
        {
            var response = await client.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            response.IsSuccessStatusCode.ShouldBeTrue($"{path}: {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        var document = await Post(tool, "/api/documents", new { title = "Rents and wages", text = "Rents rose 9% last year while wages rose 4%. " + ScriptMarker, publishedOn = "2025-02-01" });
        var claim = await Post(tool, "/api/claims", new { quote = "Rents rose 9% last year", reason = "a rate " + ScriptMarker });
        var other = await Post(tool, "/api/claims", new { quote = "wages rose 4%", reason = "a rate" });
        var claimId = claim.GetProperty("id").GetString()!;
        var source = await Post(tool, $"/api/claims/{claimId}/sources", new { citation = "Housing survey " + ScriptMarker, stance = "supports" });
        var discrepancy = await Post(tool, "/api/discrepancies", new { claimIds = new[] { claimId, other.GetProperty("id").GetString() }, kind = "numeric", description = "9% against 4%" });
        var subscription = await Post(editor, "/api/subscriptions", new { url = "http://127.0.0.1:9/hook", secret = "fuzz-secret-0123456789" });
        return new()
        {
            ["id:claims"] = claimId, ["sourceId"] = source.GetProperty("sourceId").GetString()!,
            ["id:documents"] = document.GetProperty("id").GetString()!, ["id:discrepancies"] = discrepancy.GetProperty("id").GetString()!,
            ["id:subscriptions"] = subscription.GetProperty("id").GetString()!,
        };
    }

    private static IEnumerable<(string Method, string Route, JsonNode? BodySchema)> Operations(JsonNode openApi)
    {
        foreach (var (route, item) in openApi["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is not ("get" or "post" or "put" or "patch" or "delete")) continue;
                var schema = operation?["requestBody"]?["content"]?["application/json"]?["schema"];
                yield return (method.ToUpperInvariant(), route, Resolve(openApi, schema));
            }
    }

    private static JsonNode? Resolve(JsonNode openApi, JsonNode? schema)
    {
        for (var depth = 0; depth < 5 && schema?["$ref"]?.GetValue<string>() is { } reference; depth++)
            schema = reference.Split('/').Skip(1).Aggregate((JsonNode?)openApi, (node, part) => node?[part]);
        return schema;
    }

    private static readonly string[] BadIds =
    [
        "not-a-uuid", "00000000-0000-0000-0000-000000000000", "' or '1'='1", "1;drop table factdesk.mt_events", "%00", "..%2F..%2Fetc%2Fpasswd",
        "ünïcödé", "-1", "9999999999999999999999", new string('a', 3000), "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "{id}",
    ];

    private static string FillRoute(string route, Dictionary<string, string> desk, Random random)
    {
        var collection = route.Split('/', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) ?? "";
        string Value(string name) => random.Next(3) switch
        {
            0 => desk.GetValueOrDefault(name == "id" ? "id:" + collection : name) ?? Guid.NewGuid().ToString(),
            1 => Guid.NewGuid().ToString(),
            _ => BadIds[random.Next(BadIds.Length)],
        };
        var path = route;
        foreach (var name in new[] { "id", "sourceId", "deliveryId" }) path = path.Replace("{" + name + "}", Value(name));
        return path;
    }

    private static string HostileQuery(string method, Random random)
    {
        if (method != "GET" || random.Next(2) == 0) return "";
        string[] names = ["version", "asOf", "status", "limit", "cursor", "after", "from", "to", "actor", "type", "assignee", "priority", "documentId"];
        string[] values = ["abc", "-1", "0", "99999999999999999999", "2025-13-45T99:99", "<script>x</script>", "'--", "", "%FF%FE", new string('9', 2000), "1&version=2",
            "2026-12-10T17:00:00%2B02:00", "2026-12-10T17:00:00+02:00", "2016-12-31T23:59:60Z", "0001-01-01T00:00:00%2B01:00", "9999-12-31T23:59:59-01:00"];
        return "?" + string.Join("&", Enumerable.Range(0, random.Next(1, 4)).Select(_ => $"{names[random.Next(names.Length)]}={values[random.Next(values.Length)]}"));
    }

    private static readonly string[] HostileStrings =
    [
        ScriptMarker, "\"><img src=x onerror=alert(1)>", "'; drop table factdesk.mt_events; --", "1' or '1'='1", "\u0000\u0001\u001b[31m\u007f",
        "\ud83d\udca5 emoji and RTL \u202e", "../../../../etc/passwd", "${jndi:ldap://127.0.0.1/a}", "{{7*7}}", "", "   ", "\r\n\r\nX-Injected: 1",
    ];

    /// <summary>A body made from the documented schema, then broken in one of many ways.</summary>
    private static (HttpContent, string) HostileBody(JsonNode? schema, Dictionary<string, string> desk, Random random, string description)
    {
        var body = BaseBody(schema, desk, random);
        var field = body.Count > 0 ? body.ElementAt(random.Next(body.Count)).Key : "quote";
        var kind = random.Next(20);
        string? json = null;
        byte[]? raw = null;
        switch (kind)
        {
            case 0: break; // as documented: some of these are accepted
            case 1: body.Remove(field); break;
            case 2: body[field] = random.Next(4) switch { 0 => 42, 1 => true, 2 => new JsonArray(1, 2), _ => new JsonObject { ["nested"] = "x" } }; break;
            case 3: body["unexpected" + random.Next(100)] = HostileStrings[random.Next(HostileStrings.Length)]; break;
            case 4: body[field] = new string('w', random.Next(2) == 0 ? 5_000 : 200_000); break;
            case 5: json = "{\"text\":\"" + new string('x', RequestBody.MaxBytes + 10) + "\"}"; break;
            case 6:
                body.Remove(field);
                json = $"{{\"{field}\":{new string('[', 200)}{new string(']', 200)}" + (body.Count > 0 ? "," + body.ToJsonString()[1..] : "}");
                break;
            case 7: raw = [.. Encoding.UTF8.GetBytes("{\"" + field + "\":\""), 0xC3, 0x28, 0xFF, 0xFE, .. "\"}"u8]; break;
            case 8: body[field] = HostileStrings[random.Next(HostileStrings.Length)]; break;
            case 9: json = new[] { "not json", "", "[]", "null", "123", "\"text\"", "{", "{\"a\":}", "{\"quote\":\"a\",\"quote\":\"b\"}" }[random.Next(9)]; break;
            case 10: body[field] = null; break;
            case 11: body[field] = random.Next(2) == 0 ? double.MaxValue : -1; break;
            case 12: foreach (var key in body.Select(p => p.Key).ToList()) body[key] = HostileStrings[random.Next(HostileStrings.Length)]; break;
            case 13: json = "{" + string.Join(",", Enumerable.Range(0, 5000).Select(n => $"\"f{n}\":{n}")) + "}"; break;
            case 14: body[field] = Guid.NewGuid().ToString(); break;
            case 16:
                // A lone surrogate escape, which no UTF-8 text can hold.
                body[field] = "LONE_SURROGATE";
                json = body.ToJsonString().Replace("\"LONE_SURROGATE\"", random.Next(2) == 0 ? "\"\\ud800\"" : "\"a\\udfff b\"");
                break;
            case 17:
                // The same key twice: which copy counts must not depend on the parser.
                json = body.Count == 0 ? "{\"quote\":\"a\",\"quote\":\"b\"}" : "{" + $"\"{field}\":\"first\"," + body.ToJsonString()[1..];
                break;
            case 18:
                // An overlong UTF-8 encoding of '/' and of NUL inside a string.
                body[field] = "OVERLONG";
                var around = body.ToJsonString().Split("OVERLONG");
                raw = [.. Encoding.UTF8.GetBytes(around[0]), .. random.Next(2) == 0 ? new byte[] { 0xC0, 0xAF } : [0xC0, 0x80], .. Encoding.UTF8.GetBytes(around[1])];
                break;
            case 19:
                body[field] = new[] { "2026-12-10T17:00:00+02:00", "2016-12-31T23:59:60Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-12-10T17:00:00+2", "2026-12-10T17:00:00+99:99" }[random.Next(6)];
                break;
            default: body[field] = "2025-02-30"; break;
        }
        var content = raw is not null ? new ByteArrayContent(raw) : new ByteArrayContent(Encoding.UTF8.GetBytes(json ?? body.ToJsonString()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return (content, $"{description} body#{kind} on {field}");
    }

    private static JsonObject BaseBody(JsonNode? schema, Dictionary<string, string> desk, Random random)
    {
        var body = new JsonObject();
        if (schema?["properties"] is not JsonObject properties) return body;
        foreach (var (name, property) in properties)
        {
            var type = property?["type"]?.ToJsonString() ?? "";
            var format = property?["format"]?.GetValue<string>();
            body[name] = name switch
            {
                "claimIds" => new JsonArray(desk["id:claims"], Guid.NewGuid().ToString()),
                "sourceIds" => new JsonArray(desk["sourceId"]),
                "documentId" => desk["id:documents"],
                "stance" => "supports",
                "kind" => "numeric",
                "priority" => "high",
                "rating" => "misleading",
                "outcome" => "claim-stands",
                "url" => "https://www.ons.gov.uk/bulletin/" + random.Next(1000),
                "secret" => "fuzz-secret-0123456789",
                _ when format == "date" => "2025-02-01",
                _ when format == "date-time" => "2025-02-01T10:00:00+01:00",
                _ when format == "uuid" => Guid.NewGuid().ToString(),
                _ when type.Contains("array") => new JsonArray(),
                _ when type.Contains("integer") || type.Contains("number") => 3,
                _ when type.Contains("boolean") => true,
                _ when type.Contains("object") => new JsonObject(),
                _ => name == "text" ? "Rents rose 9% last year while wages rose 4%." : "Rents rose 9% last year",
            };
        }
        return body;
    }

    private static string HostileHeaders(HttpRequestMessage request, Random random, List<(string Key, string Role)> usedKeys, string role, string description)
    {
        var key = random.Next(6) switch
        {
            0 => null,
            1 => new string('k', random.Next(2) == 0 ? 256 : 4000),
            2 => "key with \u00e9 non-ascii",
            3 when usedKeys.Count > 0 => usedKeys[random.Next(usedKeys.Count)].Key, // a used key with (likely) another body
            _ => $"fuzz-{random.Next()}",
        };
        if (key is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        if (random.Next(4) == 0)
            request.Headers.TryAddWithoutValidation("If-Match", new[] { "garbage", "\"abc\"", "*", "W/\"-5\"", "\"99999999999999999999999\"", "\"1\", \"2\"", new string('9', 3000), "\"0\"" }[random.Next(8)]);
        if (random.Next(5) == 0 && request.Content is not null)
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(new[] { "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/x-www-form-urlencoded", "application/problem+json" }[random.Next(6)]);
        if (random.Next(8) == 0) request.Headers.TryAddWithoutValidation("X-Correlation-Id", new string('c', 2000) + "<script>");
        if (random.Next(10) == 0) request.Headers.TryAddWithoutValidation("Accept", "text/html, */*;q=0.1");
        return $"{description} key={(key is null ? "none" : key.Length > 40 ? $"{key.Length} chars" : key)}";
    }

    /// <summary>GETs the editors' pages for the claim the fuzz filled with script fragments; counts the HTML answers checked.</summary>
    private async Task<int> PagesShowStoredTextEscapedAsync(Dictionary<string, string> desk, List<string> failures)
    {
        var seen = 0;
        foreach (var page in new[] { "/", $"/claims/{desk["id:claims"]}", $"/documents/{desk["id:documents"]}", $"/discrepancies/{desk["id:discrepancies"]}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, page);
            request.Headers.Add("Cookie", $"factdesk_token={Newsroom.TokenOf(Roles.Editor)}");
            request.Headers.Accept.ParseAdd("text/html");
            using var response = await api.As(Roles.Editor).SendAsync(request);
            if (response.Content.Headers.ContentType?.MediaType != "text/html") continue;
            seen++;
            if ((await response.Content.ReadAsStringAsync()).Contains(ScriptMarker, StringComparison.Ordinal)) failures.Add($"{page}: script rendered unescaped");
        }
        return seen;
    }
}
