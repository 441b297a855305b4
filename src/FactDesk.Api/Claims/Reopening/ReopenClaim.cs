using FactDesk.Api.Http;

namespace FactDesk.Api.Claims.Reopening;

/// <summary>The body of <c>POST /api/claims/{id}/reopening</c>.</summary>
public sealed record ReopenClaimRequest(string? Reason) : IValidatable
{
    public void Validate(Validation check) => check.Text("reason", Reason, 2000);
}

/// <summary>Take a published or dismissed claim back into review, e.g. when new evidence appears.</summary>
public sealed record ReopenClaim(Guid ClaimId, string Reason, Actor By, DateTimeOffset At);

public static class ReopenClaimDecision
{
    public static Decision Decide(Claim claim, ReopenClaim command)
    {
        if (!claim.IsClosed)
            return new RuleViolation("claim-not-closed", $"The claim is {EnumNames<ClaimStatus>.Name(claim.Status)}; only a published or dismissed claim can be reopened.");
        return new object[] { new ClaimReopened(claim.Id, command.Reason.Trim(), command.By, command.At) };
    }
}

public sealed class ReopenClaimEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/claims/{id}/reopening", (string id, HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<ReopenClaimRequest>(http, (body, context) => Handle(EndpointDiscovery.ParseId(id), body, context, pipeline)))
            .RequireAuthorization(Roles.May.Edit)
            .WithName("ReopenClaim").WithTags("Claims")
            .Accepts<ReopenClaimRequest>("application/json")
            .ChangesStream<StreamVersion>().ProducesCommandProblems();

    /// <summary>The command for a claim, shared by the JSON route and the claim page's form.</summary>
    public static Task<CommandAnswer> Handle(Guid claimId, ReopenClaimRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var command = new ReopenClaim(claimId, body.Reason!, context.Actor, context.Now);
        return pipeline.Decide<Claim>(context, Claim.StreamType, claimId, creates: false,
            claim => ReopenClaimDecision.Decide(claim!, command),
            version => new CommandAnswer(200, new StreamVersion(claimId, version), version), "claim");
    }
}
