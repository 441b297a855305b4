using FactDesk.Api.Http;

namespace FactDesk.Api.Discrepancies.Declining;

/// <summary>The body of <c>POST /api/discrepancies/{id}/decline</c>.</summary>
public sealed record DeclineDiscrepancyRequest(string? Reason) : IValidatable
{
    public void Validate(Validation check) => check.Text("reason", Reason, 2000);
}

/// <summary>An editor judges a proposed discrepancy a false alarm, and says why.</summary>
public sealed record DeclineDiscrepancy(Guid DiscrepancyId, string Reason, Actor By, DateTimeOffset At);

public static class DeclineDiscrepancyDecision
{
    public static Decision Decide(Discrepancy discrepancy, DeclineDiscrepancy command) => discrepancy.Status switch
    {
        DiscrepancyStatus.Proposed => new object[] { new DiscrepancyDeclined(command.DiscrepancyId, command.Reason.Trim(), command.By, command.At) },
        // Declining what is declined is a retry in effect: success, nothing new to record.
        DiscrepancyStatus.Declined => Decision.Nothing,
        // Once a person has stood behind a conflict it is settled by resolving it (not-a-conflict), on the record.
        _ => new RuleViolation("discrepancy-not-proposed",
            "Only a proposed discrepancy can be declined; resolve an open one with the outcome not-a-conflict."),
    };
}

public sealed class DeclineDiscrepancyEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/discrepancies/{id}/decline", (string id, HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<DeclineDiscrepancyRequest>(http, (body, context) => Handle(EndpointDiscovery.ParseId(id), body, context, pipeline)))
            .RequireAuthorization(Roles.May.Edit)
            .WithName("DeclineDiscrepancy").WithTags("Discrepancies")
            .Accepts<DeclineDiscrepancyRequest>("application/json")
            .ChangesStream<StreamVersion>().ProducesCommandProblems();

    /// <summary>The command, shared by the JSON route and the discrepancy page's form.</summary>
    public static Task<CommandAnswer> Handle(Guid discrepancyId, DeclineDiscrepancyRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var command = new DeclineDiscrepancy(discrepancyId, body.Reason!, context.Actor, context.Now);
        return pipeline.Decide<Discrepancy>(context, Discrepancy.StreamType, discrepancyId, creates: false,
            state => DeclineDiscrepancyDecision.Decide(state!, command),
            version => new CommandAnswer(200, new StreamVersion(discrepancyId, version), version), "discrepancy");
    }
}
