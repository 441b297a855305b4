using FactDesk.Api.Claims;
using FactDesk.Api.Http;

namespace FactDesk.Api.Discrepancies.Opening;

public sealed record DiscrepancyValueRequest(string? Side, string? Says, string? Note);

/// <summary>The body of <c>POST /api/discrepancies</c>.</summary>
public sealed record OpenDiscrepancyRequest(
    Guid[]? ClaimIds, Guid[]? SourceIds, string? Kind, string? Description, DiscrepancyValueRequest?[]? Values) : IValidatable
{
    public const int MaxClaims = 20;
    public const int MaxSources = 50;
    public const int MaxValues = 20;

    public void Validate(Validation check)
    {
        check.Items("claimIds", ClaimIds, MaxClaims, required: true);
        if (ClaimIds is { Length: > 0 })
        {
            if (ClaimIds.Contains(Guid.Empty)) check.Add("claimIds", "claimIds must not contain the empty id.");
            // One claim alone cannot conflict with anything: it needs a second claim or the sources it disagrees with.
            if (ClaimIds.Length == 1 && (SourceIds is null || SourceIds.Length == 0))
                check.Add("claimIds", "Link 2 or more claims, or 1 claim plus the sourceIds it conflicts with.");
        }
        check.Items("sourceIds", SourceIds, MaxSources);
        check.OneOf("kind", Kind, EnumNames<DiscrepancyKind>.All, required: true);
        check.Text("description", Description, 4000);
        check.Items("values", Values, MaxValues, distinct: false);
        if (Values is not null)
        {
            for (var i = 0; i < Values.Length; i++)
            {
                if (Values[i] is not { } value) { check.Add($"values[{i}]", "Each value must be an object with side and says."); continue; }
                check.Text($"values[{i}].side", value.Side, 200);
                check.Text($"values[{i}].says", value.Says, 2000, required: false);
                check.Text($"values[{i}].note", value.Note, 2000, required: false);
            }
        }
    }
}

/// <summary>Record that claims (or a claim and its sources) say conflicting things.</summary>
public sealed record OpenDiscrepancy(
    Guid DiscrepancyId, IReadOnlyList<Guid> ClaimIds, IReadOnlyList<Guid> SourceIds, DiscrepancyKind Kind, string Description,
    IReadOnlyList<DiscrepancyValue> Values, Actor By, DateTimeOffset At);

public static class OpenDiscrepancyDecision
{
    /// <summary>Every linked claim must exist and every named source must be attached to one of them; field errors otherwise.</summary>
    public static Dictionary<string, string[]> CheckLinks(OpenDiscrepancy command, IReadOnlyDictionary<Guid, Claim?> linkedClaims)
    {
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < command.ClaimIds.Count; i++)
            if (linkedClaims.GetValueOrDefault(command.ClaimIds[i]) is null)
                errors[$"claimIds[{i}]"] = [$"There is no claim with id {command.ClaimIds[i]}."];
        var sources = linkedClaims.Values.OfType<Claim>().SelectMany(c => c.Sources).Select(s => s.SourceId).ToHashSet();
        foreach (var (field, messages) in DiscrepancyLinks.UnknownSources("sourceIds", command.SourceIds, sources))
            errors[field] = messages;
        return errors;
    }

    public static Decision Decide(Discrepancy? existing, OpenDiscrepancy command)
    {
        if (existing is not null)
            return new RuleViolation("discrepancy-already-opened", $"Discrepancy {command.DiscrepancyId} is already open.");
        return new object[]
        {
            new DiscrepancyOpened(command.DiscrepancyId, command.ClaimIds, command.SourceIds, command.Kind, command.Description.Trim(),
                command.Values, command.By, command.At),
        };
    }
}

public sealed class OpenDiscrepancyEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/discrepancies", (HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<OpenDiscrepancyRequest>(http, (body, context) => Handle(body, context, pipeline)))
            .RequireAuthorization(Roles.May.Flag)
            .WithName("OpenDiscrepancy").WithTags("Discrepancies")
            .Accepts<OpenDiscrepancyRequest>("application/json")
            .CreatesStream<StreamVersion>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413).ProducesProblem(422);

    /// <summary>The command, shared by the JSON route and the page's form.</summary>
    public static async Task<CommandAnswer> Handle(OpenDiscrepancyRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var command = new OpenDiscrepancy(context.NewId("discrepancy"), body.ClaimIds!, body.SourceIds ?? [],
            EnumNames<DiscrepancyKind>.Parse(body.Kind!), body.Description!,
            (body.Values ?? []).Select(v => new DiscrepancyValue(v!.Side!.Trim(), v.Says, v.Note)).ToArray(),
            context.Actor, context.Now);
        var linked = await LinkedClaims.LoadAsync(pipeline.Store, command.ClaimIds, context.Http.RequestAborted);
        var errors = OpenDiscrepancyDecision.CheckLinks(command, linked);
        if (errors.Count > 0)
            throw Problems.Fail(Problems.Unprocessable("unknown-link", "The discrepancy links something that does not exist.",
                "Every claim must exist and every source must be attached to one of the linked claims.", errors));
        return await pipeline.Decide<Discrepancy>(context, Discrepancy.StreamType, command.DiscrepancyId, creates: true,
            state => OpenDiscrepancyDecision.Decide(state, command),
            version => new CommandAnswer(201, new StreamVersion(command.DiscrepancyId, version), version, $"/api/discrepancies/{command.DiscrepancyId}"),
            "discrepancy");
    }
}
