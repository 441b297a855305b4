using FactDesk.Api.Claims;
using FactDesk.Api.Claims.ApprovingVerdicts;
using FactDesk.Api.Claims.Assigning;
using FactDesk.Api.Claims.AttachingSources;
using FactDesk.Api.Claims.Dismissing;
using FactDesk.Api.Claims.Flagging;
using FactDesk.Api.Claims.ProposingVerdicts;
using FactDesk.Api.Claims.Publishing;
using FactDesk.Api.Claims.RejectingVerdicts;
using FactDesk.Api.Claims.Reopening;
using FactDesk.Api.Claims.RetractingSources;
using FactDesk.Api.Claims.GettingDetails;
using FactDesk.Api.Discrepancies;
using FactDesk.Api.Discrepancies.Confirming;
using FactDesk.Api.Discrepancies.Declining;
using FactDesk.Api.Discrepancies.Opening;
using FactDesk.Api.Discrepancies.Resolving;
using FactDesk.Api.Documents.Ingesting;
using FactDesk.Api.Queue.GettingTheQueue;
using FactDesk.Api.Subscriptions.Subscribing;

namespace FactDesk.Api.Http;

/// <summary>
/// One example body per command for the OpenAPI document, in the demo desk's words (seeds/dataset.json) where it has
/// them: tests check that each passes its own Validate and that the quotes, citations and verdicts are the dataset's.
/// </summary>
public static class DemoExamples
{
    private static readonly Guid ClaimOf36Percent = Guid.Parse("0193f2a4-5c1e-7a10-9b7e-36a1c4e2d001");
    private static readonly Guid ClaimOf40Percent = Guid.Parse("0193f2a4-5c1e-7a10-9b7e-40a1c4e2d002");
    private static readonly Guid WhitePaperSource = Guid.Parse("0193f2a4-5c1e-7a10-9b7e-caa1c4e2d003");

    private static readonly DateTimeOffset FlaggedAt = new(2025, 3, 24, 9, 12, 0, TimeSpan.Zero);
    private static readonly Actor Tool = new("cms-plugin", Roles.Tool);
    private static readonly Actor Mara = new("Mara Lind", Roles.Editor);

    /// <summary>Example answers by their type: the 36 % claim of the demo desk in review, with the white paper attached.</summary>
    public static readonly IReadOnlyDictionary<Type, object> Answers = new Dictionary<Type, object>
    {
        [typeof(StreamVersion)] = new StreamVersion(ClaimOf36Percent, 3),
        [typeof(AttachedSource)] = new AttachedSource(ClaimOf36Percent, 3, WhitePaperSource),
        [typeof(ClaimView)] = new ClaimView(ClaimOf36Percent, 3,
            "Currently, China is home to 36% of all large language models in existence, second only to the United States", null, null, null,
            "share of a world total, attributed to a white paper", Priority.High, FlaggedAt.AddDays(1),
            new Assertion("China", "share of the world's large language models", "36", "%", null), ClaimStatus.InReview, "Mara Lind",
            Tool, FlaggedAt,
            [new Source(WhitePaperSource, null,
                "China Academy of Information and Communications Technology, white paper on large language models (2024), as cited by the article",
                null, "China Academy of Information and Communications Technology", null, null, Stance.Supports, SourceKind.Primary, Mara, FlaggedAt.AddHours(2))],
            null, null, null, FlaggedAt.AddHours(2))
        {
            Discrepancies =
            [
                new ClaimDiscrepancy(Guid.Parse("0193f2a4-5c1e-7a10-9b7e-d15c4e2d0004"), DiscrepancyKind.Numeric,
                    "Two articles five weeks apart give different shares of the world's large language models for China: 36% (attributed to a CAICT white paper) and 40% (the Ledger's own count). Check whether they count the same thing at the same time.",
                    DiscrepancyStatus.Open, null, null,
                    [new DiscrepancyValue("china-36pct-llms", "36%"), new DiscrepancyValue("ledger-40pct-llms", "40%")]),
            ],
        },
        [typeof(QueuePage)] = new QueuePage(
            [
                new QueueItem(ClaimOf36Percent, "Currently, China is home to 36% of all large language models in existence, second only to the United States",
                    ClaimStatus.InReview, Priority.High, "Mara Lind", FlaggedAt.AddDays(1), FlaggedAt, 1, 1, 3, null),
                new QueueItem(ClaimOf40Percent, "China is now home to 40% of the world’s large language models, second only to the United States",
                    ClaimStatus.Flagged, Priority.High, null, FlaggedAt.AddDays(1), FlaggedAt.AddMinutes(5), 0, 1, 1, null),
            ],
            "AQADAAABlcZ3gAAAAZXGd4AAAZPypFweehCbfkChxOLQAg"),
    };

    public static readonly IReadOnlyDictionary<Type, IValidatable> Requests = new Dictionary<Type, IValidatable>
    {
        [typeof(IngestDocumentRequest)] = new IngestDocumentRequest(
            "The AI race: how the Chinese and US approaches radically differ",
            "Prominent venture capitalist Marc Andreessen described it as “AI’s Sputnik moment”",
            "Nature", "Jacob Dreyer", null, new DateOnly(2025, 2, 18), "en"),
        [typeof(FlagClaimRequest)] = new FlagClaimRequest(
            "Currently, China is home to 36% of all large language models in existence, second only to the United States",
            null, null, null, "share of a world total, attributed to a white paper", "high", null,
            new Assertion("China", "share of the world's large language models", "36", "%", null)),
        [typeof(AssignClaimRequest)] = new AssignClaimRequest("Mara Lind"),
        [typeof(AttachSourceRequest)] = new AttachSourceRequest(null,
            "China Academy of Information and Communications Technology, white paper on large language models (2024), as cited by the article",
            null, "China Academy of Information and Communications Technology", null, null, "supports", "primary"),
        [typeof(RetractSourceRequest)] = new RetractSourceRequest("The white paper is cited by the article but could not be found."),
        [typeof(ProposeVerdictRequest)] = new ProposeVerdictRequest("half-true",
            "The figure is DeepSeek’s own estimate for the final training run of V3 only; it leaves out earlier experiments, staff and the hardware itself, so it is not the cost of building the model.",
            null),
        [typeof(ApproveVerdictRequest)] = new ApproveVerdictRequest("Date matches the announcement."),
        [typeof(RejectVerdictRequest)] = new RejectVerdictRequest("The white paper counts models differently: check what it counts first."),
        [typeof(PublishFactCheckRequest)] = new PublishFactCheckRequest("https://factdesk.example/checks/deepseek-sell-off"),
        [typeof(DismissClaimRequest)] = new DismissClaimRequest("A prediction, not a statement of fact: nothing to check beyond the attribution."),
        [typeof(ReopenClaimRequest)] = new ReopenClaimRequest("The Harbour Ledger gives 40% five weeks later: check whether they count the same thing."),
        [typeof(OpenDiscrepancyRequest)] = new OpenDiscrepancyRequest([ClaimOf36Percent, ClaimOf40Percent], null, "numeric",
            "Two articles five weeks apart give different shares of the world's large language models for China: 36% (attributed to a CAICT white paper) and 40% (the Ledger's own count). Check whether they count the same thing at the same time.",
            [new DiscrepancyValueRequest("china-36pct-llms", "36%", null), new DiscrepancyValueRequest("ledger-40pct-llms", "40%", null)]),
        [typeof(ResolveDiscrepancyRequest)] = new ResolveDiscrepancyRequest("sources-disagree",
            "The white paper and the Ledger count different things at different times; both figures stand with their attribution.",
            null, [WhitePaperSource]),
        [typeof(ConfirmDiscrepancyRequest)] = new ConfirmDiscrepancyRequest("36% against 40%: a real conflict."),
        [typeof(DeclineDiscrepancyRequest)] = new DeclineDiscrepancyRequest("Not a conflict: the two figures are of different years."),
        [typeof(SubscribeRequest)] = new SubscribeRequest("https://hooks.factdesk.example/claims", "a-secret-of-at-least-16-characters", ["claim-flagged.v1"]),
        [typeof(FactDesk.Api.Subscriptions.RotatingSecrets.RotateSecretRequest)] = new FactDesk.Api.Subscriptions.RotatingSecrets.RotateSecretRequest("whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="),
    };
}
