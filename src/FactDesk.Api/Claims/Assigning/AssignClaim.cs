using FactDesk.Api.Http;
using FactDesk.Api.People;

namespace FactDesk.Api.Claims.Assigning;

/// <summary>The body of <c>POST /api/claims/{id}/assignment</c>.</summary>
public sealed record AssignClaimRequest(string? Assignee) : IValidatable
{
    public void Validate(Validation check) => check.Text("assignee", Assignee, 200);
}

/// <summary>Give a claim to the editor who will check it.</summary>
public sealed record AssignClaim(Guid ClaimId, string Assignee, Actor By, DateTimeOffset At);

public static class AssignClaimDecision
{
    /// <summary>Any open claim can be (re)assigned to someone on the desk; assigning it to whoever already has it changes nothing.</summary>
    public static Decision Decide(Claim claim, AssignClaim command)
    {
        if (claim.IsClosed) return ClaimRules.Closed(claim);
        var assignee = command.Assignee.Trim();
        if (claim.Assignee == assignee) return Decision.Nothing;
        return new object[] { new ClaimAssigned(claim.Id, assignee, command.By, command.At) };
    }
}

public sealed class AssignClaimEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/claims/{id}/assignment", (string id, HttpContext http, CommandPipeline pipeline, DeskPeople people) =>
            pipeline.Run<AssignClaimRequest>(http, (body, context) => Handle(EndpointDiscovery.ParseId(id), body, context, pipeline, people)))
            .RequireAuthorization(Roles.May.Edit)
            .WithName("AssignClaim").WithTags("Claims")
            .Accepts<AssignClaimRequest>("application/json")
            .ChangesStream<StreamVersion>().ProducesCommandProblems();

    /// <summary>The command for a claim, shared by the JSON route and the claim page's form.</summary>
    public static Task<CommandAnswer> Handle(Guid claimId, AssignClaimRequest body, CommandContext context, CommandPipeline pipeline, DeskPeople people)
    {
        people.RequireAssignable(body.Assignee!);
        var command = new AssignClaim(claimId, body.Assignee!, context.Actor, context.Now);
        return pipeline.Decide<Claim>(context, Claim.StreamType, claimId, creates: false,
            claim => AssignClaimDecision.Decide(claim!, command),
            version => new CommandAnswer(200, new StreamVersion(claimId, version), version), "claim");
    }
}
