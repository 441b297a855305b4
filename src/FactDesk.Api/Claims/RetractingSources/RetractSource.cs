using FactDesk.Api.Http;

namespace FactDesk.Api.Claims.RetractingSources;

/// <summary>The body of <c>POST /api/claims/{id}/sources/{sourceId}/retraction</c>.</summary>
public sealed record RetractSourceRequest(string? Reason) : IValidatable
{
    public void Validate(Validation check) => check.Text("reason", Reason, 2000);
}

/// <summary>Withdraw a source that turned out unreliable; it stays on record, marked retracted.</summary>
public sealed record RetractSource(Guid ClaimId, Guid SourceId, string Reason, Actor By, DateTimeOffset At);

public static class RetractSourceDecision
{
    public const string UnknownSource = "unknown-source";

    public static Decision Decide(Claim claim, RetractSource command)
    {
        var source = claim.Sources.FirstOrDefault(s => s.SourceId == command.SourceId);
        if (source is null) return new RuleViolation(UnknownSource, $"The claim has no source {command.SourceId}.");
        if (claim.IsClosed) return ClaimRules.Closed(claim);
        if (source.IsRetracted) return new RuleViolation("source-already-retracted", $"Source {command.SourceId} was already retracted: {source.RetractionReason}");
        // A standing verdict must rest on evidence: reject it before pulling its last source.
        if (claim.Verdict is not null && claim.ActiveSources.All(s => s.SourceId == command.SourceId))
            return new RuleViolation("verdict-needs-a-source",
                "This is the last unretracted source of the proposed verdict; reject the verdict or attach another source first.");
        return new object[] { new SourceRetracted(claim.Id, command.SourceId, command.Reason.Trim(), command.By, command.At) };
    }
}

public sealed class RetractSourceEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/claims/{id}/sources/{sourceId}/retraction", (string id, string sourceId, HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<RetractSourceRequest>(http, (body, context) =>
                Handle(EndpointDiscovery.ParseId(id), EndpointDiscovery.ParseId(sourceId, "sourceId"), body, context, pipeline)))
            .RequireAuthorization(Roles.May.Edit)
            .WithName("RetractSource").WithTags("Claims")
            .Accepts<RetractSourceRequest>("application/json")
            .ChangesStream<StreamVersion>().ProducesCommandProblems();

    /// <summary>The command, shared by the JSON route and the claim page's retract form.</summary>
    public static Task<CommandAnswer> Handle(Guid claimId, Guid sourceId, RetractSourceRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var command = new RetractSource(claimId, sourceId, body.Reason!, context.Actor, context.Now);
        return pipeline.Decide<Claim>(context, Claim.StreamType, claimId, creates: false,
            claim =>
            {
                var decision = RetractSourceDecision.Decide(claim!, command);
                // An unknown source is a missing resource in the route, so 404 rather than a rule.
                return decision.Violation?.Rule == RetractSourceDecision.UnknownSource
                    ? throw Problems.Fail(Problems.NotFound("source", command.SourceId.ToString()))
                    : decision;
            },
            version => new CommandAnswer(200, new StreamVersion(claimId, version), version), "claim");
    }
}
