using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FactDesk.Api.Http;

/// <summary>
/// The document at <c>/openapi/v1.json</c>: what the route handlers cannot show by their signatures is added here from
/// the routes' own metadata (<see cref="RouteDescription"/>) and from the request bodies' <c>Validate</c> checks
/// (<see cref="RequestRules"/>), so the document says what the service does.
/// </summary>
public static class OpenApiDescription
{
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddFactDeskOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            DescribeSchema(schema, context);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(DescribeOperationAsync);
        options.AddDocumentTransformer((document, _, _) =>
        {
            ShareEnums(document);
            document.Info.Title = "FactDesk";
            document.Info.Description = "Event-sourced editorial fact-checking: claims, sources, verdicts, discrepancies, audit. " +
                                        "Conventions every route shares are in docs/http-contract.md.";
            document.Components ??= new();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer",
                Description = "A FactDesk token; the service keeps only its SHA-256.",
            };
            return Task.CompletedTask;
        });
    });

    /// <summary>
    /// A request field checked against all names of an enum the answers use too (priority, stance, rating, ...) refers to
    /// that enum's schema, so a generated client has one Priority type for what it sends and what it reads.
    /// </summary>
    private static void ShareEnums(OpenApiDocument document)
    {
        if (document.Components?.Schemas is not { } schemas) return;
        foreach (var (type, property, rule) in RequestRules.All.Fields)
            if (rule.Allowed is not null && EnumTypes.TryGetValue(rule.Allowed, out var enumType) && schemas.ContainsKey(enumType.Name)
                && schemas.TryGetValue(type.Name, out var request) && request is OpenApiSchema { Properties: { } properties } && properties.ContainsKey(property))
                properties[property] = new OpenApiSchemaReference(enumType.Name, document);
    }

    /// <summary>Each enum's list of JSON names (<see cref="EnumNames{T}.All"/>, one instance per enum), to the enum.</summary>
    private static readonly Dictionary<object, Type> EnumTypes = typeof(OpenApiDescription).Assembly.GetTypes()
        .Where(t => t.IsEnum && (t.IsPublic || t.IsNestedPublic) && !t.ContainsGenericParameters)
        .ToDictionary(t => typeof(EnumNames<>).MakeGenericType(t).GetField(nameof(EnumNames<DayOfWeek>.All))!.GetValue(null)!, t => t,
            ReferenceEqualityComparer.Instance);

    private static void DescribeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        var type = context.JsonTypeInfo.Type;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var nullable = Nullable.GetUnderlyingType(type) is not null;
        if (underlying.IsEnum) schema.Type = JsonSchemaType.String | (nullable ? JsonSchemaType.Null : 0);
        // The UTC converter hides the type from the schema exporter: timestamps are strings in date-time format.
        if (underlying == typeof(DateTimeOffset))
        {
            schema.Type = JsonSchemaType.String | (nullable ? JsonSchemaType.Null : 0);
            schema.Format = "date-time";
        }
        if (context.JsonPropertyInfo is { } property)
        {
            if (RequestRules.All.Of(property.DeclaringType, property.Name) is { } rule) Apply(schema, rule);
        }
        else if (RequestRules.All.RequiredOf(type) is { } required)
        {
            schema.Required = new HashSet<string>(required, StringComparer.Ordinal);
        }
    }

    private static void Apply(OpenApiSchema schema, FieldRule rule)
    {
        // A required field may not be null; an optional one is left out rather than sent as null.
        if ((rule.Required || rule.Allowed is not null) && schema.Type is { } type && type != JsonSchemaType.Null)
            schema.Type = type & ~JsonSchemaType.Null;
        if (rule.Allowed is not null) schema.Enum = rule.Allowed.Select(JsonNode (a) => JsonValue.Create(a)).ToList();
        if (rule.MaxLength is { } max) schema.MaxLength = max;
        if ((rule.MinLength ?? (rule.VisibleText && rule.Required ? 1 : (int?)null)) is { } min) schema.MinLength = min;
        if (rule.Format is not null) schema.Format = rule.Format;
        if (rule.Pattern is not null) schema.Pattern = rule.Pattern;
        if (rule.MinItems is { } minItems) schema.MinItems = minItems;
        if (rule.MaxItems is { } maxItems) schema.MaxItems = maxItems;
        if (rule.UniqueItems) schema.UniqueItems = true;
        if (rule.VisibleText)
            schema.Description = AppendSentence(schema.Description, rule.Required
                ? "Must hold a visible character; no control characters but tab and line breaks."
                : "No control characters but tab and line breaks; blank text counts as absent.");
    }

    private static readonly JsonSerializerOptions ExampleJson = new(JsonDefaults.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private static async Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var isApi = context.Description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
        var command = metadata.OfType<CommandRoute>().FirstOrDefault();
        operation.Parameters ??= [];

        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Path))
        {
            parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" };
            parameter.Description ??= $"The {parameter.Name}: a UUID (anything else is 400).";
        }
        foreach (var query in metadata.OfType<QueryParameter>())
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = query.Name, In = ParameterLocation.Query, Description = query.Description, Schema = QuerySchema(query),
                Example = query.Example is null ? null : JsonValue.Create(query.Example),
            });
        if (isApi)
            operation.Parameters.Add(Header(Correlation.Header,
                "Follows the request into its events' metadata and is echoed; a new one is made when absent or not 1-128 printable ASCII characters.",
                new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 128 }));
        if (command is not null)
        {
            operation.Parameters.Add(Header("Idempotency-Key",
                "The same key and body replay the first answer (Idempotent-Replayed: true) and write nothing; the same key with another body is 422.",
                new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255, Pattern = "^[ -~]+$" }, example: "walk-2025-02-01-flag"));
            if (command.OnExistingStream)
                operation.Parameters.Add(Header("If-Match",
                    "The version you read, as its ETag; a stale one is 412 and writes nothing. Without it a command that loses a race is decided again on the new state.",
                    new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^(W/)?\"[0-9]+\"$" }, example: "\"3\""));
        }

        var roles = await RolesOfAsync(metadata, context.ApplicationServices);
        if (roles is not null)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
            operation.Description = AppendSentence(operation.Description, $"Roles: {string.Join(", ", roles)}.");
        }
        else if (metadata.OfType<IAllowAnonymous>().Any()) operation.Security = [];

        if (metadata.OfType<IAcceptsMetadata>().FirstOrDefault()?.RequestType is { } requestType
            && DemoExamples.Requests.TryGetValue(requestType, out var example)
            && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
            body.Example = JsonSerializer.SerializeToNode(example, requestType, ExampleJson);

        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse answer) continue;
            answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
            if (isApi) answer.Headers[Correlation.Header] = ResponseHeader("The request's correlation id.");
            var success = status.StartsWith('2');
            if (success && (command is not null || metadata.OfType<VersionedRead>().Any()))
                answer.Headers["ETag"] = ResponseHeader("The stream's version after the command (or as read), such as \"3\": send it back as If-Match.");
            if (status == "201") answer.Headers["Location"] = ResponseHeader("Where the new stream is read.");
            if (command is not null && (success || status is "404" or "409" or "412" or "422"))
                answer.Headers["Idempotent-Replayed"] = ResponseHeader("\"true\" when the answer is the stored one for this Idempotency-Key.", JsonSchemaType.String, ["true"]);
            if (answer.Headers.Count == 0) answer.Headers = null;
            // A route that declared only a content type (server-sent events, schema.org JSON-LD) still says what it sends.
            if (answer.Content is null or { Count: 0 } && success)
                foreach (var produced in metadata.OfType<IProducesResponseTypeMetadata>().Where(p => p.StatusCode.ToString() == status))
                    foreach (var contentType in produced.ContentTypes)
                        (answer.Content ??= new Dictionary<string, OpenApiMediaType>())[contentType] = new OpenApiMediaType();
            if (success && answer.Content?.TryGetValue("application/json", out var json) == true
                && metadata.OfType<IProducesResponseTypeMetadata>().FirstOrDefault(p => p.StatusCode.ToString() == status)?.Type is { } answerType
                && DemoExamples.Answers.TryGetValue(answerType, out var answerExample))
                json.Example = JsonSerializer.SerializeToNode(answerExample, answerType, JsonDefaults.Options);
            foreach (var (mediaType, content) in answer.Content ?? new Dictionary<string, OpenApiMediaType>())
                content.Schema ??= mediaType == "text/event-stream"
                    ? new OpenApiSchema { Type = JsonSchemaType.String, Description = "Server-sent events." }
                    : new OpenApiSchema { Type = JsonSchemaType.Object, Description = "A JSON object; see the operation's description." };
        }
        if (operation.Responses is { } responses)
        {
            OpenApiResponse Problem(string description) => new()
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(nameof(Microsoft.AspNetCore.Mvc.ProblemDetails), context.Document) },
                },
            };
            // Every command reads JSON: another content type is refused before anything else.
            if (command is not null) responses.TryAdd("415", Problem("Unsupported Media Type: send application/json."));
            if (roles is not null)
            {
                responses.TryAdd("401", Problem("Unauthorized: no token, or one FactDesk does not know."));
                if (!Roles.All.All(roles.Contains)) responses.TryAdd("403", Problem($"Forbidden: only {string.Join(", ", roles)} may do this."));
            }
            if (isApi) responses.TryAdd("503", Problem("Service Unavailable: the database cannot be reached now; retry later."));
        }
    }

    private static OpenApiSchema QuerySchema(QueryParameter query)
    {
        var schema = new OpenApiSchema
        {
            Type = query.Type switch { "integer" => JsonSchemaType.Integer, "boolean" => JsonSchemaType.Boolean, _ => JsonSchemaType.String },
            Format = query.Format,
            Minimum = query.Minimum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Maximum = query.Maximum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (query.Allowed is not null) schema.Enum = query.Allowed.Select(JsonNode (a) => JsonValue.Create(a)).ToList();
        if (query.Default is not null)
            schema.Default = query.Type switch
            {
                "integer" => JsonValue.Create(long.Parse(query.Default, System.Globalization.CultureInfo.InvariantCulture)),
                "boolean" => JsonValue.Create(bool.Parse(query.Default)),
                _ => JsonValue.Create(query.Default),
            };
        return schema;
    }

    private static OpenApiParameter Header(string name, string description, OpenApiSchema schema, string? example = null) => new()
    {
        Name = name, In = ParameterLocation.Header, Description = description, Schema = schema,
        Example = example is null ? null : JsonValue.Create(example),
    };

    private static OpenApiHeader ResponseHeader(string description, JsonSchemaType type = JsonSchemaType.String, string[]? allowed = null) => new()
    {
        Description = description,
        Schema = new OpenApiSchema { Type = type, Enum = allowed?.Select(JsonNode (a) => JsonValue.Create(a)).ToList() },
    };

    /// <summary>The roles the route's policy admits, from the authorization policies themselves; null for an open route.</summary>
    private static async Task<IReadOnlyList<string>?> RolesOfAsync(IList<object> metadata, IServiceProvider services)
    {
        if (metadata.OfType<IAllowAnonymous>().Any()) return null;
        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToArray();
        if (policies.Length == 0) return metadata.OfType<IAuthorizeData>().Any() ? [] : null;
        var provider = services.GetRequiredService<IAuthorizationPolicyProvider>();
        var roles = new List<string>();
        foreach (var name in policies)
            if (await provider.GetPolicyAsync(name) is { } policy)
                roles.AddRange(policy.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles));
        return roles.Distinct().ToArray();
    }

    private static string AppendSentence(string? text, string sentence) => string.IsNullOrEmpty(text) ? sentence : $"{text} {sentence}";
}

/// <summary>
/// The rules of every request body, read from its own <c>Validate</c>: each body is checked once with probe values and
/// the checks it ran are noted field by field (<see cref="Validation.Rules"/>).
/// </summary>
public sealed class RequestRules
{
    public static readonly RequestRules All = Read(typeof(IValidatable).Assembly);

    private readonly Dictionary<(Type Type, string Property), FieldRule> _rules = [];
    private readonly Dictionary<Type, HashSet<string>> _required = [];

    public IEnumerable<(Type Type, string Property, FieldRule Rule)> Fields => _rules.Select(r => (r.Key.Type, r.Key.Property, r.Value));

    public FieldRule? Of(Type? declaringType, string jsonName) =>
        declaringType is not null && _rules.TryGetValue((declaringType, jsonName), out var rule) ? rule : null;

    /// <summary>The required properties of a request body's object, or null when the type is not part of a request body.</summary>
    public IReadOnlySet<string>? RequiredOf(Type type) => _required.TryGetValue(type, out var required) ? required : null;

    public static RequestRules Read(Assembly assembly)
    {
        var rules = new RequestRules();
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IValidatable).IsAssignableFrom(t)))
        {
            if (Probe(type, 0) is not IValidatable probe) continue;
            var check = new Validation();
            probe.Validate(check);
            rules._required.TryAdd(type, []);
            foreach (var (field, rule) in check.Rules)
                if (rules.Resolve(type, field) is { } at)
                {
                    rules._rules[at] = rule;
                    if (rule.Required) rules._required[at.Type].Add(at.Property);
                }
        }
        return rules;
    }

    /// <summary>Finds the type and JSON name a field path such as <c>values[0].side</c> names.</summary>
    private (Type Type, string Property)? Resolve(Type root, string field)
    {
        var segments = field.Split('.').Select(s => Regex.Replace(s, @"\[\d+\]$", "")).ToArray();
        var current = root;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            var property = current.GetProperties().FirstOrDefault(p => JsonName(p) == segments[i]);
            if (property is null) return null;
            current = ElementOf(property.PropertyType);
            _required.TryAdd(current, []);
        }
        return current.GetProperties().Any(p => JsonName(p) == segments[^1]) ? (current, segments[^1]) : null;
    }

    private static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    private static Type ElementOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsArray) return ElementOf(type.GetElementType()!);
        var enumerable = type.IsGenericType ? type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)) : null;
        return type != typeof(string) && enumerable is not null ? ElementOf(enumerable.GetGenericArguments()[0]) : type;
    }

    /// <summary>A value that walks every branch of a Validate that depends on presence: text present, lists of one, nested objects filled.</summary>
    private static object? Probe(Type type, int depth)
    {
        if (type == typeof(string)) return "probe";
        if (Nullable.GetUnderlyingType(type) is not null) return null;
        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            var array = Array.CreateInstance(element, 1);
            array.SetValue(element == typeof(Guid) ? Guid.NewGuid() : Probe(element, depth + 1), 0);
            return array;
        }
        if (type.IsValueType) return Activator.CreateInstance(type);
        if (depth > 4 || type.IsAbstract || type.IsInterface) return null;
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        if (constructor is null) return null;
        return constructor.Invoke(constructor.GetParameters().Select(p => Probe(p.ParameterType, depth + 1)).ToArray());
    }
}
