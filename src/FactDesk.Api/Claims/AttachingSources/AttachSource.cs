using FactDesk.Api.Http;

namespace FactDesk.Api.Claims.AttachingSources;

/// <summary>The body of <c>POST /api/claims/{id}/sources</c>: a url or a citation (for print and interviews), and its stance.</summary>
public sealed record AttachSourceRequest(
    string? Url, string? Citation, string? Title, string? Publisher, DateOnly? PublishedOn, string? Quote, string? Stance, string? Kind)
    : IValidatable
{
    public void Validate(Validation check)
    {
        if (string.IsNullOrWhiteSpace(Url) && string.IsNullOrWhiteSpace(Citation))
        {
            check.Add("url", "url or citation is required.");
            check.Add("citation", "url or citation is required.");
        }
        if (!string.IsNullOrWhiteSpace(Url)) check.Url("url", Url);
        check.Text("citation", Citation, 2000, required: false);
        check.Text("title", Title, 500, required: false);
        check.Text("publisher", Publisher, 200, required: false);
        check.Text("quote", Quote, 4000, required: false);
        check.OneOf("stance", Stance, EnumNames<Stance>.All, required: true);
        check.OneOf("kind", Kind, EnumNames<SourceKind>.All);
    }
}

/// <summary>The answer to AttachSource: the claim, its version, and the new source's id (to retract it later).</summary>
public sealed record AttachedSource(Guid Id, long Version, Guid SourceId);

/// <summary>Attach a piece of evidence to a claim.</summary>
public sealed record AttachSource(
    Guid ClaimId, Guid SourceId, string? Url, string? Citation, string? Title, string? Publisher, DateOnly? PublishedOn,
    string? Quote, Stance Stance, SourceKind Kind, Actor By, DateTimeOffset At);

public static class AttachSourceDecision
{
    /// <summary>
    /// Evidence may arrive at any point while the claim is open, even after a verdict was proposed or approved: the
    /// reviewers see it in the claim and can reject the verdict. A closed claim must be reopened first.
    /// </summary>
    public static Decision Decide(Claim claim, AttachSource command)
    {
        if (claim.IsClosed) return ClaimRules.Closed(claim);
        // The same source id again is a retry of this very command (ids derive from the idempotency key).
        if (claim.Sources.Any(s => s.SourceId == command.SourceId)) return Decision.Nothing;
        return new object[]
        {
            new SourceAttached(claim.Id, command.SourceId, Blank(command.Url), Blank(command.Citation), Blank(command.Title),
                Blank(command.Publisher), command.PublishedOn, Blank(command.Quote), command.Stance, command.Kind, command.By, command.At),
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

public sealed class AttachSourceEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/claims/{id}/sources", (string id, HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<AttachSourceRequest>(http, (body, context) => Handle(EndpointDiscovery.ParseId(id), body, context, pipeline)))
            .RequireAuthorization(Roles.May.Flag)
            .WithName("AttachSource").WithTags("Claims")
            .Accepts<AttachSourceRequest>("application/json")
            .ChangesStream<AttachedSource>().ProducesCommandProblems();

    /// <summary>The command for a claim, shared by the JSON route and the claim page's form.</summary>
    public static Task<CommandAnswer> Handle(Guid claimId, AttachSourceRequest body, CommandContext context, CommandPipeline pipeline)
    {
        var command = new AttachSource(claimId, context.NewId("source"), body.Url, body.Citation, body.Title, body.Publisher,
            body.PublishedOn, body.Quote, EnumNames<Stance>.Parse(body.Stance!),
            body.Kind is null ? SourceKind.Primary : EnumNames<SourceKind>.Parse(body.Kind), context.Actor, context.Now);
        return pipeline.Decide<Claim>(context, Claim.StreamType, claimId, creates: false,
            claim => AttachSourceDecision.Decide(claim!, command),
            version => new CommandAnswer(200, new AttachedSource(claimId, version, command.SourceId), version), "claim");
    }
}
