using FactDesk.Api.Http;

namespace FactDesk.Api.Claims.RejectingVerdicts;

/// <summary>The body of <c>POST /api/claims/{id}/verdict/rejection</c>.</summary>
public sealed record RejectVerdictRequest(string? Reason) : IValidatable
{
    public void Validate(Validation check) => check.Text("reason", Reason, 2000);
}

/// <summary>Send a verdict back: the claim returns to review without one.</summary>
public sealed record RejectVerdict(Guid ClaimId, string Reason, Actor By, DateTimeOffset At);

public static class RejectVerdictDecision
{
    /// <summary>A proposed or approved (not yet published) verdict can be rejected; an approval is withdrawn with it.</summary>
    public static Decision Decide(Claim claim, RejectVerdict command)
    {
        if (claim.IsClosed) return ClaimRules.Closed(claim);
        if (claim.Verdict is null) return new RuleViolation("no-verdict-to-reject", "The claim has no proposed verdict to reject.");
        return new object[] { new VerdictRejected(claim.Id, command.Reason.Trim(), command.By, command.At) };
    }
}

public sealed class RejectVerdictEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/claims/{id}/verdict/rejection", (string id, HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<RejectVerdictRequest>(http, (body, context) => Handle(EndpointDiscovery.ParseId(id), body, context, pipeline)))
            .RequireAuthorization(Roles.May.SignOff)
            .WithName("RejectVerdict").WithTags("Claims")
            .Accepts<RejectVerdictRequest>("application/json")
            .ChangesStream<StreamVersion>().ProducesCommandProblems();

    /// <summary>The command for a claim, shared by the JSON route and the claim page's form.</summary>
    public static Task<CommandAnswer> Handle(Guid claimId, RejectVerdictRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var command = new RejectVerdict(claimId, body.Reason!, context.Actor, context.Now);
        return pipeline.Decide<Claim>(context, Claim.StreamType, claimId, creates: false,
            claim => RejectVerdictDecision.Decide(claim!, command),
            version => new CommandAnswer(200, new StreamVersion(claimId, version), version), "claim");
    }
}
