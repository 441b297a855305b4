using FactDesk.Api.Http;

namespace FactDesk.Api.Claims.ProposingVerdicts;

/// <summary>The body of <c>POST /api/claims/{id}/verdict</c>.</summary>
public sealed record ProposeVerdictRequest(string? Rating, string? Summary, string? Correction) : IValidatable
{
    public void Validate(Validation check)
    {
        check.OneOf("rating", Rating, EnumNames<Rating>.All, required: true);
        check.Text("summary", Summary, 4000);
        check.Text("correction", Correction, 2000, required: false);
    }
}

/// <summary>Propose how true the claim is; a second, senior editor signs it off.</summary>
public sealed record ProposeVerdict(Guid ClaimId, Rating Rating, string Summary, string? Correction, Actor By, DateTimeOffset At);

public static class ProposeVerdictDecision
{
    /// <summary>A verdict is proposed on a claim in review that has none yet, and only on unretracted evidence.</summary>
    public static Decision Decide(Claim claim, ProposeVerdict command)
    {
        if (claim.IsClosed) return ClaimRules.Closed(claim);
        if (claim.Verdict is not null)
            return new RuleViolation("verdict-already-proposed",
                $"A verdict ({EnumNames<Rating>.Name(claim.Verdict.Rating)}) is already {(claim.Status == ClaimStatus.Approved ? "approved" : "proposed")}; a senior editor must reject it first.");
        if (claim.Status == ClaimStatus.Flagged)
            return new RuleViolation("claim-not-in-review", "A verdict is proposed on a claim in review: assign the claim first.");
        if (!claim.ActiveSources.Any())
            return new RuleViolation("verdict-needs-a-source", "A verdict needs at least one source that is not retracted; attach one first.");
        var correction = string.IsNullOrWhiteSpace(command.Correction) ? null : command.Correction.Trim();
        return new object[] { new VerdictProposed(claim.Id, command.Rating, command.Summary.Trim(), correction, command.By, command.At) };
    }
}

public sealed class ProposeVerdictEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/claims/{id}/verdict", (string id, HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<ProposeVerdictRequest>(http, (body, context) => Handle(EndpointDiscovery.ParseId(id), body, context, pipeline)))
            .RequireAuthorization(Roles.May.Edit)
            .WithName("ProposeVerdict").WithTags("Claims")
            .Accepts<ProposeVerdictRequest>("application/json")
            .ChangesStream<StreamVersion>().ProducesCommandProblems();

    /// <summary>The command for a claim, shared by the JSON route and the claim page's form.</summary>
    public static Task<CommandAnswer> Handle(Guid claimId, ProposeVerdictRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var command = new ProposeVerdict(claimId, EnumNames<Rating>.Parse(body.Rating!), body.Summary!, body.Correction, context.Actor, context.Now);
        return pipeline.Decide<Claim>(context, Claim.StreamType, claimId, creates: false,
            claim => ProposeVerdictDecision.Decide(claim!, command),
            version => new CommandAnswer(200, new StreamVersion(claimId, version), version), "claim");
    }
}
