using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Microsoft.OpenApi;
using Shouldly;

namespace FactDesk.Api.Tests;

public class OpenApiTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    /// <summary>Every route of docs/http-contract.md, as tools are written against it.</summary>
    public static readonly TheoryData<string, string> ContractRoutes = new()
    {
        { "POST", "/api/documents" }, { "GET", "/api/documents/{id}" },
        { "POST", "/api/claims" }, { "GET", "/api/claims/{id}" }, { "GET", "/api/claims/{id}/history" }, { "GET", "/api/claims/{id}/claimreview" },
        { "POST", "/api/claims/{id}/assignment" }, { "POST", "/api/claims/{id}/sources" }, { "POST", "/api/claims/{id}/sources/{sourceId}/retraction" },
        { "POST", "/api/claims/{id}/verdict" }, { "POST", "/api/claims/{id}/verdict/approval" }, { "POST", "/api/claims/{id}/verdict/rejection" },
        { "POST", "/api/claims/{id}/publication" }, { "POST", "/api/claims/{id}/reopening" }, { "POST", "/api/claims/{id}/dismissal" },
        { "POST", "/api/discrepancies" }, { "GET", "/api/discrepancies" }, { "GET", "/api/discrepancies/{id}" }, { "POST", "/api/discrepancies/{id}/resolution" },
        { "POST", "/api/subscriptions" }, { "GET", "/api/subscriptions" }, { "DELETE", "/api/subscriptions/{id}" },
        { "GET", "/api/queue" }, { "GET", "/api/audit" }, { "GET", "/api/audit/verification" },
        { "GET", "/health/live" }, { "GET", "/health/ready" },
    };

    [Theory]
    [MemberData(nameof(ContractRoutes))]
    public async Task The_openapi_document_describes_every_contract_route(string method, string path)
    {
        var response = await api.Anonymous.GetAsync("/openapi/v1.json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var paths = (await response.ReadJsonAsync()).GetProperty("paths");
        paths.TryGetProperty(path, out var operations).ShouldBeTrue($"{path} is missing");
        operations.TryGetProperty(method.ToLowerInvariant(), out _).ShouldBeTrue($"{method} {path} is missing");
    }

    [Fact]
    public async Task The_openapi_document_declares_bearer_authentication()
    {
        var document = await (await api.Anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString().ShouldBe("bearer");
    }

    [Fact]
    public async Task The_served_document_reads_and_validates_without_errors_or_warnings()
    {
        await using var stream = await (await api.Anonymous.GetAsync("/openapi/v1.json")).Content.ReadAsStreamAsync();
        var read = await OpenApiDocument.LoadAsync(stream, "json");
        read.Diagnostic!.Errors.ShouldBeEmpty(string.Join("\n", read.Diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        read.Diagnostic.Warnings.ShouldBeEmpty(string.Join("\n", read.Diagnostic.Warnings.Select(e => $"{e.Pointer}: {e.Message}")));
        var validator = new OpenApiValidator(ValidationRuleSet.GetDefaultRuleSet());
        new OpenApiWalker(validator).Walk(read.Document!);
        validator.Errors.ShouldBeEmpty(string.Join("\n", validator.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        validator.Warnings.ShouldBeEmpty(string.Join("\n", validator.Warnings.Select(e => $"{e.Pointer}: {e.Message}")));
    }

    /// <summary>The query parameters each read parses, as docs/http-contract.md and the README name them.</summary>
    public static readonly TheoryData<string, string[]> QueryParameters = new()
    {
        { "/api/queue", ["status", "assignee", "priority", "documentId", "limit", "cursor"] },
        { "/api/audit", ["actor", "type", "from", "to", "order", "after", "before", "limit"] },
        { "/api/claims/{id}", ["version", "asOf"] },
        { "/api/discrepancies/{id}", ["version", "asOf"] },
        { "/api/discrepancies", ["status", "claimId", "limit", "cursor"] },
        { "/api/documents/{id}", ["include", "includeAll"] },
        { "/api/subscriptions/{id}/deliveries", ["status", "limit", "after"] },
    };

    [Theory]
    [MemberData(nameof(QueryParameters))]
    public async Task Every_read_declares_the_query_parameters_it_reads(string path, string[] names)
    {
        var operation = (await DocumentAsync()).GetProperty("paths").GetProperty(path).GetProperty("get");
        var declared = Parameters(operation).Where(p => p.GetProperty("in").GetString() == "query").ToArray();
        declared.Select(p => p.GetProperty("name").GetString()).ShouldBe(names, ignoreOrder: true);
        foreach (var parameter in declared) parameter.GetProperty("schema").TryGetProperty("type", out var type).ShouldBeTrue(parameter.ToString());
    }

    /// <summary>
    /// The declarations are the routes' own: every declared query parameter with a type, format or enum is parsed by
    /// its route, which answers a value outside it with 400 naming that parameter.
    /// </summary>
    [Fact]
    public async Task Every_declared_query_parameter_is_checked_by_its_route()
    {
        var checkedParameters = 0;
        foreach (var (route, operation) in Operations(await DocumentAsync()).Where(o => o.Route.StartsWith("GET /api/")))
        foreach (var parameter in Parameters(operation).Where(p => p.GetProperty("in").GetString() == "query"))
        {
            var schema = parameter.GetProperty("schema");
            var wrong = schema.TryGetProperty("enum", out _) ? "not-one-of-them"
                : schema.GetProperty("type").GetString() is "integer" or "boolean" ? "x"
                : schema.TryGetProperty("format", out _) ? "x"
                : null;
            if (wrong is null) continue;
            var name = parameter.GetProperty("name").GetString()!;
            var path = System.Text.RegularExpressions.Regex.Replace(route["GET ".Length..], @"\{[^}]+\}", Guid.NewGuid().ToString());
            var response = await api.Auditor.GetAsync($"{path}?{name}={wrong}");
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{path}?{name}={wrong}");
            (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(name, out _).ShouldBeTrue($"{path}?{name}={wrong} does not name {name}");
            checkedParameters++;
        }
        checkedParameters.ShouldBeGreaterThan(20);
    }

    [Fact]
    public async Task Query_parameters_carry_their_types_formats_enums_and_bounds()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");
        var queue = Parameters(paths.GetProperty("/api/queue").GetProperty("get")).ToDictionary(p => p.GetProperty("name").GetString()!);
        queue["status"].GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString())
            .ShouldBe(["flagged", "in-review", "verdict-proposed", "approved"]);
        queue["limit"].GetProperty("schema").GetProperty("type").GetString().ShouldBe("integer");
        queue["limit"].GetProperty("schema").GetProperty("maximum").GetInt32().ShouldBe(500);
        queue["documentId"].GetProperty("schema").GetProperty("format").GetString().ShouldBe("uuid");
        var audit = Parameters(paths.GetProperty("/api/audit").GetProperty("get")).ToDictionary(p => p.GetProperty("name").GetString()!);
        audit["from"].GetProperty("schema").GetProperty("format").GetString().ShouldBe("date-time");
        audit["order"].GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ShouldBe(["asc", "desc"]);
        var claim = Parameters(paths.GetProperty("/api/claims/{id}").GetProperty("get")).ToDictionary(p => p.GetProperty("name").GetString()!);
        claim["id"].GetProperty("schema").GetProperty("format").GetString().ShouldBe("uuid");
        claim["version"].GetProperty("schema").GetProperty("format").GetString().ShouldBe("int64");
    }

    [Fact]
    public async Task Every_success_answer_has_a_schema_and_every_error_is_problem_json()
    {
        foreach (var (route, operation) in Operations(await DocumentAsync()))
        foreach (var response in operation.GetProperty("responses").EnumerateObject())
        {
            response.Value.TryGetProperty("content", out var content).ShouldBeTrue($"{route} {response.Name} has no content");
            if (response.Name.StartsWith('2'))
                foreach (var media in content.EnumerateObject())
                    media.Value.TryGetProperty("schema", out var schema).ShouldBeTrue($"{route} {response.Name} has no schema");
            else
                content.EnumerateObject().Select(m => m.Name).ShouldBe(["application/problem+json"], $"{route} {response.Name}");
        }
    }

    [Fact]
    public async Task Command_answers_are_named_records_not_anonymous_objects()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");
        string Answer(string path, string method, string status) =>
            paths.GetProperty(path).GetProperty(method).GetProperty("responses").GetProperty(status)
                .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()!;
        Answer("/api/claims", "post", "201").ShouldBe("#/components/schemas/StreamVersion");
        Answer("/api/documents", "post", "201").ShouldBe("#/components/schemas/IngestedDocument");
        Answer("/api/claims/{id}/sources", "post", "200").ShouldBe("#/components/schemas/AttachedSource");
        Answer("/api/discrepancies/{id}/resolution", "post", "200").ShouldBe("#/components/schemas/StreamVersion");
        Answer("/api/subscriptions/{id}/deliveries", "get", "200").ShouldBe("#/components/schemas/DeliveryPage");
    }

    [Fact]
    public async Task Every_command_route_declares_Idempotency_Key_and_If_Match_where_it_honours_them_and_the_headers_it_answers()
    {
        string[] creates = ["/api/claims", "/api/documents", "/api/discrepancies", "/api/subscriptions"];
        // A request for background work (202, such as a full re-verification) is not a command on a stream: no ETag, no If-Match.
        var commands = Operations(await DocumentAsync()).Where(o => o.Route.StartsWith("POST /api/") || o.Route.StartsWith("DELETE /api/"))
            .Where(o => !o.Operation.GetProperty("responses").TryGetProperty("202", out _)).ToArray();
        commands.Length.ShouldBeGreaterThan(15);
        foreach (var (route, operation) in commands)
        {
            var headers = Parameters(operation).Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString()).ToArray();
            headers.ShouldContain("Idempotency-Key", route);
            headers.ShouldContain("X-Correlation-Id", route);
            var path = route[(route.IndexOf(' ') + 1)..];
            if (creates.Contains(path)) headers.ShouldNotContain("If-Match", route);
            else headers.ShouldContain("If-Match", route);

            var success = operation.GetProperty("responses").EnumerateObject().Single(r => r.Name.StartsWith('2'));
            var answered = success.Value.GetProperty("headers").EnumerateObject().Select(h => h.Name).ToArray();
            answered.ShouldContain("ETag", route);
            answered.ShouldContain("Idempotent-Replayed", route);
            if (success.Name == "201") answered.ShouldContain("Location", route);
            operation.GetProperty("responses").TryGetProperty("415", out _).ShouldBeTrue($"{route} does not say it refuses other content types");
        }
    }

    [Fact]
    public async Task Every_api_route_requires_a_bearer_token_and_names_its_roles_and_health_routes_are_open()
    {
        foreach (var (route, operation) in Operations(await DocumentAsync()))
        {
            var security = operation.GetProperty("security").EnumerateArray().ToArray();
            if (route.Contains(" /health/")) { security.ShouldBeEmpty(route); continue; }
            security.Single().EnumerateObject().Single().Name.ShouldBe("bearer", route);
            operation.GetProperty("description").GetString()!.ShouldContain("Roles: ", Case.Sensitive, route);
        }
        var approve = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/claims/{id}/verdict/approval").GetProperty("post");
        approve.GetProperty("description").GetString()!.ShouldEndWith("Roles: senior-editor.");
    }

    [Fact]
    public async Task Request_bodies_state_the_rules_their_checks_apply()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");
        var flag = schemas.GetProperty("FlagClaimRequest");
        flag.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ShouldBe(["quote", "reason"], ignoreOrder: true);
        flag.GetProperty("properties").GetProperty("quote").GetProperty("maxLength").GetInt32().ShouldBe(2000);
        flag.GetProperty("properties").GetProperty("quote").GetProperty("type").GetString().ShouldBe("string");
        // Shared with the answers: one Priority for what a tool sends and what it reads.
        flag.GetProperty("properties").GetProperty("priority").GetProperty("$ref").GetString().ShouldBe("#/components/schemas/Priority");
        Resolved(schemas, flag.GetProperty("properties").GetProperty("priority")).GetProperty("enum").EnumerateArray().Select(e => e.GetString())
            .ShouldBe(["low", "normal", "high", "urgent"]);
        schemas.GetProperty("Assertion").GetProperty("properties").GetProperty("unit").GetProperty("maxLength").GetInt32().ShouldBe(50);
        var open = schemas.GetProperty("OpenDiscrepancyRequest").GetProperty("properties").GetProperty("claimIds");
        (open.GetProperty("minItems").GetInt32(), open.GetProperty("maxItems").GetInt32()).ShouldBe((1, 20));
        schemas.GetProperty("DiscrepancyValueRequest").GetProperty("required").EnumerateArray().Select(e => e.GetString()).ShouldBe(["side"]);
        var secret = schemas.GetProperty("SubscribeRequest").GetProperty("properties").GetProperty("secret");
        (secret.GetProperty("minLength").GetInt32(), secret.GetProperty("maxLength").GetInt32()).ShouldBe((16, 256));
        schemas.GetProperty("IngestDocumentRequest").GetProperty("properties").GetProperty("publishedOn").GetProperty("format").GetString().ShouldBe("date");
    }

    /// <summary>
    /// The document and the checks agree both ways: for every request body, leaving out a field the document calls
    /// required, going one past a stated maxLength or maxItems, or sending a value outside a stated enum is refused
    /// naming that field, and the demo example with a value at the stated limit is accepted.
    /// </summary>
    [Fact]
    public async Task Every_rule_the_document_states_is_one_the_request_checks()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");
        var checkedRules = 0;
        foreach (var (type, example) in DemoExamples.Requests)
        {
            var schema = schemas.GetProperty(type.Name);
            var body = JsonSerializer.SerializeToNode(example, type, JsonDefaults.Options)!.AsObject();
            Errors(type, body).ShouldBeEmpty($"the demo example of {type.Name} is refused");
            foreach (var required in schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(e => e.GetString()!) : [])
            {
                var without = body.DeepClone().AsObject();
                without.Remove(required);
                Errors(type, without).ShouldContainKey(required, $"{type.Name} without {required}");
                checkedRules++;
            }
            foreach (var property in schema.GetProperty("properties").EnumerateObject())
            {
                if (property.Value.TryGetProperty("maxLength", out var maxLength) && property.Value.GetProperty("type").ToString().Contains("string"))
                {
                    var max = maxLength.GetInt32();
                    if (property.Value.TryGetProperty("pattern", out _) || property.Value.TryGetProperty("format", out _)) continue;
                    var atLimit = body.DeepClone().AsObject();
                    atLimit[property.Name] = new string('a', max);
                    Errors(type, atLimit).ShouldNotContainKey(property.Name, $"{type.Name}.{property.Name} at its maxLength {max}");
                    atLimit[property.Name] = new string('a', max + 1);
                    Errors(type, atLimit).ShouldContainKey(property.Name, $"{type.Name}.{property.Name} past its maxLength {max}");
                    checkedRules++;
                }
                if (Resolved(schemas, property.Value).TryGetProperty("enum", out _))
                {
                    var outside = body.DeepClone().AsObject();
                    outside[property.Name] = "not-one-of-them";
                    Errors(type, outside).ShouldContainKey(property.Name, $"{type.Name}.{property.Name} outside its enum");
                    checkedRules++;
                }
                if (property.Value.TryGetProperty("maxItems", out var maxItems) && property.Value.GetProperty("items").TryGetProperty("format", out var itemFormat)
                    && itemFormat.GetString() == "uuid")
                {
                    var tooMany = body.DeepClone().AsObject();
                    tooMany[property.Name] = new JsonArray(Enumerable.Range(0, maxItems.GetInt32() + 1).Select(_ => (JsonNode)JsonValue.Create(Guid.NewGuid())).ToArray());
                    Errors(type, tooMany).ShouldContainKey(property.Name, $"{type.Name}.{property.Name} past its maxItems");
                    checkedRules++;
                }
            }
        }
        checkedRules.ShouldBeGreaterThan(40);
    }

    [Fact]
    public async Task Examples_come_from_the_demo_dataset()
    {
        var dataset = await File.ReadAllTextAsync(RepositorySeeds.DatasetPath);
        string[] fromTheDataset =
        [
            ((global::FactDesk.Api.Claims.Flagging.FlagClaimRequest)DemoExamples.Requests[typeof(global::FactDesk.Api.Claims.Flagging.FlagClaimRequest)]).Quote!,
            ((global::FactDesk.Api.Claims.AttachingSources.AttachSourceRequest)DemoExamples.Requests[typeof(global::FactDesk.Api.Claims.AttachingSources.AttachSourceRequest)]).Citation!,
            ((global::FactDesk.Api.Claims.ProposingVerdicts.ProposeVerdictRequest)DemoExamples.Requests[typeof(global::FactDesk.Api.Claims.ProposingVerdicts.ProposeVerdictRequest)]).Summary!,
            ((global::FactDesk.Api.Claims.ApprovingVerdicts.ApproveVerdictRequest)DemoExamples.Requests[typeof(global::FactDesk.Api.Claims.ApprovingVerdicts.ApproveVerdictRequest)]).Note!,
            ((global::FactDesk.Api.Claims.Publishing.PublishFactCheckRequest)DemoExamples.Requests[typeof(global::FactDesk.Api.Claims.Publishing.PublishFactCheckRequest)]).Url!,
            ((global::FactDesk.Api.Claims.Dismissing.DismissClaimRequest)DemoExamples.Requests[typeof(global::FactDesk.Api.Claims.Dismissing.DismissClaimRequest)]).Reason!,
            ((global::FactDesk.Api.Discrepancies.Opening.OpenDiscrepancyRequest)DemoExamples.Requests[typeof(global::FactDesk.Api.Discrepancies.Opening.OpenDiscrepancyRequest)]).Description!,
            ((global::FactDesk.Api.Documents.Ingesting.IngestDocumentRequest)DemoExamples.Requests[typeof(global::FactDesk.Api.Documents.Ingesting.IngestDocumentRequest)]).Title!,
        ];
        foreach (var text in fromTheDataset) dataset.ShouldContain(JsonSerializer.Serialize(text, JsonDefaults.Options)[1..^1]);

        var example = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/claims").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("example");
        example.GetProperty("quote").GetString().ShouldBe(fromTheDataset[0]);
        example.TryGetProperty("documentId", out _).ShouldBeFalse("an example leaves out what it does not send");

        var answer = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/claims/{id}").GetProperty("get")
            .GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("example");
        answer.GetProperty("quote").GetString().ShouldBe(fromTheDataset[0]);
        answer.GetProperty("status").GetString().ShouldBe("in-review");
    }

    /// <summary>The schema itself, or the component it refers to.</summary>
    private static JsonElement Resolved(JsonElement schemas, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference) ? schemas.GetProperty(reference.GetString()!.Split('/')[^1]) : schema;

    private static IDictionary<string, string[]> Errors(Type type, JsonObject body)
    {
        var request = (IValidatable)JsonSerializer.Deserialize(body, type, JsonDefaults.Options)!;
        var check = new Validation();
        request.Validate(check);
        return check.Errors;
    }

    private async Task<JsonElement> DocumentAsync() => await (await api.Anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync();

    private static IEnumerable<(string Route, JsonElement Operation)> Operations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        select ($"{operation.Name.ToUpperInvariant()} {path.Name}", operation.Value);

    private static IEnumerable<JsonElement> Parameters(JsonElement operation) =>
        operation.TryGetProperty("parameters", out var parameters) ? parameters.EnumerateArray() : [];
}
