using FactDesk.Api.Http;

namespace FactDesk.Api.Discrepancies.Confirming;

/// <summary>The body of <c>POST /api/discrepancies/{id}/confirmation</c>.</summary>
public sealed record ConfirmDiscrepancyRequest(string? Note) : IValidatable
{
    public void Validate(Validation check) => check.Text("note", Note, 2000, required: false);
}

/// <summary>An editor agrees that a proposed discrepancy is a real conflict.</summary>
public sealed record ConfirmDiscrepancy(Guid DiscrepancyId, string? Note, Actor By, DateTimeOffset At);

public static class ConfirmDiscrepancyDecision
{
    public static Decision Decide(Discrepancy discrepancy, ConfirmDiscrepancy command) => discrepancy.Status switch
    {
        DiscrepancyStatus.Proposed => new object[]
        {
            new DiscrepancyConfirmed(command.DiscrepancyId, string.IsNullOrWhiteSpace(command.Note) ? null : command.Note.Trim(), command.By, command.At),
        },
        DiscrepancyStatus.Declined => new RuleViolation("discrepancy-declined",
            $"The proposal was declined by {discrepancy.Decline?.By.Name}; open a new discrepancy if it is a conflict after all."),
        // Already open (confirmed, or opened by a person) or settled: confirming again changes nothing, as a retry should.
        _ => Decision.Nothing,
    };
}

public sealed class ConfirmDiscrepancyEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/discrepancies/{id}/confirmation", (string id, HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<ConfirmDiscrepancyRequest>(http, (body, context) => Handle(EndpointDiscovery.ParseId(id), body, context, pipeline)))
            .RequireAuthorization(Roles.May.Edit)
            .WithName("ConfirmDiscrepancy").WithTags("Discrepancies")
            .Accepts<ConfirmDiscrepancyRequest>("application/json")
            .ChangesStream<StreamVersion>().ProducesCommandProblems();

    /// <summary>The command, shared by the JSON route and the discrepancy page's form.</summary>
    public static Task<CommandAnswer> Handle(Guid discrepancyId, ConfirmDiscrepancyRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var command = new ConfirmDiscrepancy(discrepancyId, body.Note, context.Actor, context.Now);
        return pipeline.Decide<Discrepancy>(context, Discrepancy.StreamType, discrepancyId, creates: false,
            state => ConfirmDiscrepancyDecision.Decide(state!, command),
            version => new CommandAnswer(200, new StreamVersion(discrepancyId, version), version), "discrepancy");
    }
}
