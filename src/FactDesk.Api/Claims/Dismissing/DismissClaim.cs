using FactDesk.Api.Http;

namespace FactDesk.Api.Claims.Dismissing;

/// <summary>The body of <c>POST /api/claims/{id}/dismissal</c>.</summary>
public sealed record DismissClaimRequest(string? Reason) : IValidatable
{
    public void Validate(Validation check) => check.Text("reason", Reason, 2000);
}

/// <summary>Close a claim without a fact check: not check-worthy, a duplicate, an opinion.</summary>
public sealed record DismissClaim(Guid ClaimId, string Reason, Actor By, DateTimeOffset At);

public static class DismissClaimDecision
{
    /// <summary>Any open claim can be dismissed, whatever stage its verdict is at; a closed one must be reopened first.</summary>
    public static Decision Decide(Claim claim, DismissClaim command)
    {
        if (claim.IsClosed) return ClaimRules.Closed(claim);
        return new object[] { new ClaimDismissed(claim.Id, command.Reason.Trim(), command.By, command.At) };
    }
}

public sealed class DismissClaimEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/claims/{id}/dismissal", (string id, HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<DismissClaimRequest>(http, (body, context) => Handle(EndpointDiscovery.ParseId(id), body, context, pipeline)))
            .RequireAuthorization(Roles.May.Edit)
            .WithName("DismissClaim").WithTags("Claims")
            .Accepts<DismissClaimRequest>("application/json")
            .ChangesStream<StreamVersion>().ProducesCommandProblems();

    /// <summary>The command for a claim, shared by the JSON route and the claim page's form.</summary>
    public static Task<CommandAnswer> Handle(Guid claimId, DismissClaimRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var command = new DismissClaim(claimId, body.Reason!, context.Actor, context.Now);
        return pipeline.Decide<Claim>(context, Claim.StreamType, claimId, creates: false,
            claim => DismissClaimDecision.Decide(claim!, command),
            version => new CommandAnswer(200, new StreamVersion(claimId, version), version), "claim");
    }
}
