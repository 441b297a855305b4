using FactDesk.Api.Claims;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;

namespace FactDesk.Api.Discrepancies.Resolving;

/// <summary>The body of <c>POST /api/discrepancies/{id}/resolution</c>.</summary>
public sealed record ResolveDiscrepancyRequest(string? Outcome, string? Rationale, string? ResolvedValue, Guid[]? SourceIds) : IValidatable
{
    public void Validate(Validation check)
    {
        check.OneOf("outcome", Outcome, EnumNames<DiscrepancyOutcome>.All, required: true);
        check.Text("rationale", Rationale, 4000);
        check.Text("resolvedValue", ResolvedValue, 2000, required: Outcome == "claim-corrected");
        check.Items("sourceIds", SourceIds, Opening.OpenDiscrepancyRequest.MaxSources);
    }
}

/// <summary>Settle a discrepancy: which side stands, why, and on which sources.</summary>
public sealed record ResolveDiscrepancy(
    Guid DiscrepancyId, DiscrepancyOutcome Outcome, string Rationale, string? ResolvedValue, IReadOnlyList<Guid> EvidenceSourceIds,
    Actor By, DateTimeOffset At);

public static class ResolveDiscrepancyDecision
{
    /// <summary>Evidence must be sources attached to the linked claims and not retracted; field errors otherwise.</summary>
    public static Dictionary<string, string[]> CheckEvidence(ResolveDiscrepancy command, IEnumerable<Claim?> linkedClaims)
    {
        var claims = linkedClaims.OfType<Claim>().ToArray();
        var errors = DiscrepancyLinks.UnknownSources("sourceIds", command.EvidenceSourceIds,
            claims.SelectMany(c => c.Sources).Select(s => s.SourceId).ToHashSet());
        var retracted = claims.SelectMany(c => c.Sources).Where(s => s.IsRetracted).Select(s => s.SourceId).ToHashSet();
        for (var i = 0; i < command.EvidenceSourceIds.Count; i++)
            if (retracted.Contains(command.EvidenceSourceIds[i]))
                errors[$"sourceIds[{i}]"] = [$"Source {command.EvidenceSourceIds[i]} was retracted and cannot be evidence."];
        return errors;
    }

    public static Decision Decide(Discrepancy discrepancy, ResolveDiscrepancy command)
    {
        // A proposal is the machine's guess: an editor confirms it is a conflict before anyone settles it.
        if (discrepancy.Status == DiscrepancyStatus.Proposed)
            return new RuleViolation("discrepancy-not-confirmed", "The discrepancy was proposed by the conflict finder; confirm it before resolving it.");
        if (discrepancy.Status == DiscrepancyStatus.Declined)
            return new RuleViolation("discrepancy-declined", $"The proposed discrepancy was declined by {discrepancy.Decline?.By.Name}: there is nothing to resolve.");
        if (discrepancy.Resolution is { } earlier)
            // Only an exact repeat (same person, same words, same evidence) is a retry; anything else would drop what was typed.
            return IsRepeatOf(earlier, command)
                ? Decision.Nothing
                : new RuleViolation("discrepancy-already-resolved",
                    $"The discrepancy was resolved as {EnumNames<DiscrepancyOutcome>.Name(earlier.Outcome)} by {earlier.By.Name}; reopen the claims or open a new discrepancy to record another view.");
        return new object[]
        {
            new DiscrepancyResolved(command.DiscrepancyId, command.Outcome, command.Rationale.Trim(), command.ResolvedValue?.Trim(),
                command.EvidenceSourceIds, command.By, command.At),
        };
    }

    private static bool IsRepeatOf(DiscrepancyResolution earlier, ResolveDiscrepancy command) =>
        earlier.Outcome == command.Outcome
        && earlier.Rationale == command.Rationale.Trim()
        && earlier.ResolvedValue == command.ResolvedValue?.Trim()
        && earlier.EvidenceSourceIds.Order().SequenceEqual(command.EvidenceSourceIds.Order())
        && earlier.By.Name == command.By.Name;
}

public sealed class ResolveDiscrepancyEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/discrepancies/{id}/resolution", (string id, HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<ResolveDiscrepancyRequest>(http, (body, context) => Handle(EndpointDiscovery.ParseId(id), body, context, pipeline)))
            .RequireAuthorization(Roles.May.Edit)
            .WithName("ResolveDiscrepancy").WithTags("Discrepancies")
            .Accepts<ResolveDiscrepancyRequest>("application/json")
            .ChangesStream<StreamVersion>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409)
            .ProducesProblem(412).ProducesProblem(413).ProducesProblem(422);

    /// <summary>The command, shared by the JSON route and the discrepancy page's form.</summary>
    public static async Task<CommandAnswer> Handle(Guid discrepancyId, ResolveDiscrepancyRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var ct = context.Http.RequestAborted;
        var command = new ResolveDiscrepancy(discrepancyId, EnumNames<DiscrepancyOutcome>.Parse(body.Outcome!), body.Rationale!,
            body.ResolvedValue, body.SourceIds ?? [], context.Actor, context.Now);
        // The linked claims never change after opening, so they can be read before the load-decide-append loop.
        var discrepancy = StateFolder<Discrepancy>.Instance.Fold(await pipeline.Store.ReadStreamAsync(discrepancyId, ct: ct))
            ?? throw Problems.Fail(Problems.NotFound("discrepancy", discrepancyId.ToString()));
        if (command.EvidenceSourceIds.Count > 0)
        {
            var linked = await LinkedClaims.LoadAsync(pipeline.Store, discrepancy.ClaimIds, ct);
            var errors = ResolveDiscrepancyDecision.CheckEvidence(command, linked.Values);
            if (errors.Count > 0)
                throw Problems.Fail(Problems.Unprocessable("unknown-evidence", "The evidence is not a source of the linked claims.",
                    "Evidence must be sources attached to the discrepancy's claims and not retracted.", errors));
        }
        return await pipeline.Decide<Discrepancy>(context, Discrepancy.StreamType, discrepancyId, creates: false,
            state => ResolveDiscrepancyDecision.Decide(state!, command),
            version => new CommandAnswer(200, new StreamVersion(discrepancyId, version), version),
            "discrepancy");
    }
}
