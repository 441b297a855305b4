using FactDesk.Api.Http;

namespace FactDesk.Api.Claims.Publishing;

/// <summary>The body of <c>POST /api/claims/{id}/publication</c> (send <c>{}</c> when the url is not known yet).</summary>
public sealed record PublishFactCheckRequest(string? Url) : IValidatable
{
    public void Validate(Validation check) => check.Url("url", Url);
}

/// <summary>Publish the approved verdict as a fact check; this closes the claim.</summary>
public sealed record PublishFactCheck(Guid ClaimId, string? Url, Actor By, DateTimeOffset At);

public static class PublishFactCheckDecision
{
    public static Decision Decide(Claim claim, PublishFactCheck command)
    {
        if (claim.IsClosed) return ClaimRules.Closed(claim);
        if (claim.Status != ClaimStatus.Approved)
            return new RuleViolation("publish-needs-approval",
                $"Only an approved verdict can be published; the claim is {EnumNames<ClaimStatus>.Name(claim.Status)}.");
        return new object[] { new FactCheckPublished(claim.Id, command.Url, command.By, command.At) };
    }
}

public sealed class PublishFactCheckEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/claims/{id}/publication", (string id, HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<PublishFactCheckRequest>(http, (body, context) => Handle(EndpointDiscovery.ParseId(id), body, context, pipeline)))
            .RequireAuthorization(Roles.May.SignOff)
            .WithName("PublishFactCheck").WithTags("Claims")
            .Accepts<PublishFactCheckRequest>("application/json")
            .ChangesStream<StreamVersion>().ProducesCommandProblems();

    /// <summary>The command for a claim, shared by the JSON route and the claim page's form.</summary>
    public static Task<CommandAnswer> Handle(Guid claimId, PublishFactCheckRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var command = new PublishFactCheck(claimId, body.Url, context.Actor, context.Now);
        return pipeline.Decide<Claim>(context, Claim.StreamType, claimId, creates: false,
            claim => PublishFactCheckDecision.Decide(claim!, command),
            version => new CommandAnswer(200, new StreamVersion(claimId, version), version), "claim");
    }
}
