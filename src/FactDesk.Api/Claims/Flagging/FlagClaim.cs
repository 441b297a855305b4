using FactDesk.Api.Documents;
using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Http;

namespace FactDesk.Api.Claims.Flagging;

/// <summary>The body of <c>POST /api/claims</c>.</summary>
public sealed record FlagClaimRequest(
    string? Quote, Guid? DocumentId, string? Prefix, string? Suffix, string? Reason, string? Priority,
    DateTimeOffset? DueAt, Assertion? Assertion, bool? AllowDuplicate = null) : IValidatable
{
    public void Validate(Validation check)
    {
        check.Text("quote", Quote, 2000);
        check.Text("reason", Reason, 2000);
        check.Text("prefix", Prefix, 500, required: false);
        check.Text("suffix", Suffix, 500, required: false);
        check.OneOf("priority", Priority, EnumNames<Priority>.All);
        if (Assertion is not null)
        {
            check.Text("assertion.subject", Assertion.Subject, 200, required: false);
            check.Text("assertion.metric", Assertion.Metric, 200, required: false);
            check.Text("assertion.value", Assertion.Value, 200, required: false);
            check.Text("assertion.unit", Assertion.Unit, 50, required: false);
            check.Text("assertion.asOf", Assertion.AsOf, 50, required: false);
        }
    }
}

/// <summary>Flag a quote from an article as a claim to check.</summary>
public sealed record FlagClaim(
    Guid ClaimId, string Quote, Guid? DocumentId, string? Prefix, string? Suffix, string Reason, Priority Priority,
    DateTimeOffset? DueAt, Assertion? Assertion, Actor By, DateTimeOffset At);

public static class FlagClaimDecision
{
    /// <summary>
    /// A quote of an article has one claim (its id is made from the article and the quote): flagging it again points to
    /// the claim that exists, so two tools never create two claims for one sentence.
    /// </summary>
    public static Decision Decide(Claim? existing, FlagClaim command)
    {
        if (existing is not null)
            return new RuleViolation("claim-already-flagged",
                $"This quote is already flagged as claim {existing.Id} ({EnumNames<ClaimStatus>.Name(existing.Status)}). Work on that claim, or, as an editor, send allowDuplicate: true to flag it again.")
            {
                Extensions = new Dictionary<string, object?> { ["claimId"] = existing.Id },
            };
        return new object[]
        {
            new ClaimFlagged(command.ClaimId, command.Quote.Trim(), command.DocumentId, command.Prefix, command.Suffix, command.Reason.Trim(),
                command.Priority, command.DueAt, command.Assertion, command.By, command.At),
        };
    }
}

public sealed class FlagClaimEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/claims", (HttpContext http, CommandPipeline pipeline) =>
            pipeline.Run<FlagClaimRequest>(http, (body, context) => Handle(body, context, pipeline)))
            .RequireAuthorization(Roles.May.Flag)
            .WithName("FlagClaim").WithTags("Claims")
            .Accepts<FlagClaimRequest>("application/json")
            .CreatesStream<StreamVersion>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(403).ProducesProblem(413).ProducesProblem(422);

    /// <summary>How long before flagging a due date may lie: claims from this morning's stories are flagged late, not a year late.</summary>
    public static readonly TimeSpan DueAtGrace = TimeSpan.FromDays(1);
    public const int DueAtMaxYearsAhead = 10;

    /// <summary>The command, shared by the JSON route and the document page's flag form.</summary>
    public static async Task<CommandAnswer> Handle(FlagClaimRequest body, CommandContext context, CommandPipeline pipeline)
    {
        // A due date far outside the claim's life (0001-01-01, 9999-12-31) would sort first or last in the queue forever.
        if (body.DueAt is { } due && (due < context.Now - DueAtGrace || due > context.Now.AddYears(DueAtMaxYearsAhead)))
            throw Problems.Fail(Problems.Validation("dueAt",
                $"dueAt must lie between one day before now and {DueAtMaxYearsAhead} years ahead (ISO 8601, any offset)."));
        if (body.AllowDuplicate == true && context.Actor.Role == Roles.Tool)
            throw Problems.Fail(Problems.Make(403, "forbidden", "Your role may not do this.",
                "Only editors may flag a quote that is already flagged (allowDuplicate: true)."));
        Guid? article = body.DocumentId is { } documentId
            ? await QuoteInDocument.RequireAsync(pipeline.Store, documentId, body.Quote!, context.Http.RequestAborted)
            : null;
        var claimId = article is { } articleId && body.AllowDuplicate != true ? ClaimOfQuote(articleId, body.Quote!) : context.NewId("claim");
        var command = new FlagClaim(claimId, body.Quote!, body.DocumentId, body.Prefix, body.Suffix, body.Reason!,
            body.Priority is null ? Priority.Normal : EnumNames<Priority>.Parse(body.Priority), body.DueAt, body.Assertion,
            context.Actor, context.Now);
        return await pipeline.Decide<Claim>(context, Claim.StreamType, command.ClaimId, creates: true,
            state => FlagClaimDecision.Decide(state, command),
            version => new CommandAnswer(201, new StreamVersion(command.ClaimId, version), version, $"/api/claims/{command.ClaimId}"),
            "claim");
    }

    /// <summary>The one claim id a quote of an article gets, whoever flags it, however its spaces and quote marks are typed.</summary>
    public static Guid ClaimOfQuote(Guid article, string quote) =>
        NameBasedId.From($"claim-of-quote\n{article}\n{QuoteMatching.Normalize(quote).ToLowerInvariant()}");
}
