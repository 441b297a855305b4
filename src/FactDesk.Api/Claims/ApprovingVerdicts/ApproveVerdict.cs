using FactDesk.Api.Http;

namespace FactDesk.Api.Claims.ApprovingVerdicts;

/// <summary>The body of <c>POST /api/claims/{id}/verdict/approval</c> (send <c>{}</c> for no note).</summary>
public sealed record ApproveVerdictRequest(string? Note) : IValidatable
{
    public void Validate(Validation check) => check.Text("note", Note, 2000, required: false);
}

/// <summary>Sign off a proposed verdict: the second pair of eyes.</summary>
public sealed record ApproveVerdict(Guid ClaimId, string? Note, Actor By, DateTimeOffset At);

public static class ApproveVerdictDecision
{
    /// <summary>
    /// Only a proposed verdict can be approved, and never by the person who proposed it. Approving again what you
    /// already approved changes nothing; a second approval by someone else is refused so the record names one approver.
    /// </summary>
    public static Decision Decide(Claim claim, ApproveVerdict command)
    {
        if (claim.IsClosed) return ClaimRules.Closed(claim);
        if (claim.Verdict is not { } verdict) return new RuleViolation("no-verdict-to-approve", "The claim has no proposed verdict to approve.");
        if (verdict.ProposedBy.Name == command.By.Name)
            return new RuleViolation("approver-is-proposer", "A verdict must be approved by someone other than the editor who proposed it.");
        if (verdict.ApprovedBy is { } approver)
            return approver.Name == command.By.Name
                ? Decision.Nothing
                : new RuleViolation("verdict-already-approved", $"The verdict was already approved by {approver.Name}.");
        var note = string.IsNullOrWhiteSpace(command.Note) ? null : command.Note.Trim();
        return new object[] { new VerdictApproved(claim.Id, note, command.By, command.At) };
    }
}

public sealed class ApproveVerdictEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/claims/{id}/verdict/approval", (string id, HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<ApproveVerdictRequest>(http, (body, context) => Handle(EndpointDiscovery.ParseId(id), body, context, pipeline)))
            .RequireAuthorization(Roles.May.SignOff)
            .WithName("ApproveVerdict").WithTags("Claims")
            .Accepts<ApproveVerdictRequest>("application/json")
            .ChangesStream<StreamVersion>().ProducesCommandProblems();

    /// <summary>The command for a claim, shared by the JSON route and the claim page's form.</summary>
    public static Task<CommandAnswer> Handle(Guid claimId, ApproveVerdictRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var command = new ApproveVerdict(claimId, body.Note, context.Actor, context.Now);
        return pipeline.Decide<Claim>(context, Claim.StreamType, claimId, creates: false,
            claim => ApproveVerdictDecision.Decide(claim!, command),
            version => new CommandAnswer(200, new StreamVersion(claimId, version), version), "claim");
    }
}
