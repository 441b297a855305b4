// The README's walk through the claim desk, driven through the client Kiota generated from the running service's
// OpenAPI document: every request and answer is a generated type, no JSON is written by hand. Exits 0 when every step
// answered as the README says; otherwise prints the step that did not and exits 1.
using FactDesk.Client;
using FactDesk.Client.Api.Audit;
using FactDesk.Client.Models;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using Shouldly;
using System.Diagnostics;

var baseUrl = Environment.GetEnvironmentVariable("FACTDESK_URL") ?? throw new InvalidOperationException("FACTDESK_URL is not set.");
FactDeskClient As(string who) => new(new HttpClientRequestAdapter(new BearerToken(
    Environment.GetEnvironmentVariable($"FACTDESK_TOKEN_{who}") ?? throw new InvalidOperationException($"FACTDESK_TOKEN_{who} is not set.")))
{ BaseUrl = baseUrl });

var tool = As("TOOL");           // cms-plugin
var mara = As("EDITOR");         // Mara Lind, editor
var tomas = As("SENIOR");        // Tomás Ruiz, senior editor
var ines = As("SENIOR2");        // Ines Vale, senior editor
var auditor = As("AUDITOR");
var run = Guid.NewGuid().ToString("N")[..8];

try
{
    Step("The desk's people are listed for tools");
    var people = await auditor.Api.People.GetAsync();
    people!.Items!.Select(p => p.Name).ShouldContain("Mara Lind");

    Step("A claim detector flags a claim; a retry with the same Idempotency-Key replays the answer");
    var flag = new FlagClaimRequest
    {
        Quote = $"China is home to 36% of all large language models in existence ({run})",
        Reason = "share of a world total", Priority = Priority.High,
        Assertion = new Assertion { Subject = "China", Metric = "share of the world's large language models", Value = "36", Unit = "%" },
    };
    var firstHeaders = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
    var flagged = await tool.Api.Claims.PostAsync(flag, c => { c.Headers.Add("Idempotency-Key", $"walk-{run}"); c.Options.Add(firstHeaders); });
    flagged!.Version.ShouldBe(1);
    firstHeaders.ResponseHeaders["ETag"].Single().ShouldBe("\"1\"");
    firstHeaders.ResponseHeaders["Location"].Single().ShouldBe($"/api/claims/{flagged.Id}");
    var retryHeaders = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
    var replayed = await tool.Api.Claims.PostAsync(flag, c => { c.Headers.Add("Idempotency-Key", $"walk-{run}"); c.Options.Add(retryHeaders); });
    replayed!.Id.ShouldBe(flagged.Id);
    retryHeaders.ResponseHeaders["Idempotent-Replayed"].Single().ShouldBe("true");
    var claimId = flagged.Id!.Value;
    var claim = tomas.Api.Claims[claimId];

    Step("A second article's figure is flagged too");
    var other = await tool.Api.Claims.PostAsync(new FlagClaimRequest
    {
        Quote = $"China is now home to 40% of the world's large language models ({run})", Reason = "share of a world total; another article gives 36%",
        Priority = Priority.Normal,
    });

    Step("A senior editor assigns it; the editor attaches the white paper");
    (await claim.Assignment.PostAsync(new AssignClaimRequest { Assignee = "Mara Lind" }))!.Version.ShouldBe(2);
    var attached = await mara.Api.Claims[claimId].Sources.PostAsync(new AttachSourceRequest
    {
        Citation = "CAICT white paper on large language models", Stance = Stance.Contradicts, Kind = SourceKind.Primary,
    });
    attached!.Version.ShouldBe(3);
    attached.SourceId.ShouldNotBeNull();

    Step("The two figures are a discrepancy; the editor resolves it with the white paper as evidence");
    var opened = await tool.Api.Discrepancies.PostAsync(new OpenDiscrepancyRequest
    {
        ClaimIds = [claimId, other!.Id!.Value], Kind = DiscrepancyKind.Numeric, Description = "36% here, 40% there",
        Values = [new DiscrepancyValueRequest { Side = "first article", Says = "36%" }, new DiscrepancyValueRequest { Side = "second article", Says = "40%" }],
    });
    var resolved = await mara.Api.Discrepancies[opened!.Id!.Value].Resolution.PostAsync(new ResolveDiscrepancyRequest
    {
        Outcome = DiscrepancyOutcome.SourcesDisagree, Rationale = "They count different things at different times.",
        SourceIds = [attached.SourceId!.Value],
    });
    resolved!.Version.ShouldBe(2);
    var discrepancy = await auditor.Api.Discrepancies[opened.Id.Value].GetAsync();
    discrepancy!.Status.ShouldBe(DiscrepancyStatus.Resolved);
    discrepancy.Resolution!.Outcome.ShouldBe(DiscrepancyOutcome.SourcesDisagree);
    discrepancy.Resolution.By!.Name.ShouldBe("Mara Lind");

    Step("The editor proposes a verdict, sending the version she read as If-Match");
    var read = await mara.Api.Claims[claimId].GetAsync();
    read!.Status.ShouldBe(ClaimStatus.InReview);
    (await mara.Api.Claims[claimId].Verdict.PostAsync(
        new ProposeVerdictRequest { Rating = Rating.Misleading, Summary = "The white paper counts models differently." },
        c => c.Headers.Add("If-Match", $"\"{read.Version}\"")))!.Version.ShouldBe(4);

    Step("A stale If-Match is 412; the proposer may not approve (an editor: 403)");
    (await Should.ThrowAsync<ProblemDetails>(() => mara.Api.Claims[claimId].Dismissal.PostAsync(
        new DismissClaimRequest { Reason = "x" }, c => c.Headers.Add("If-Match", "\"1\"")))).ResponseStatusCode.ShouldBe(412);
    (await Should.ThrowAsync<ProblemDetails>(() => mara.Api.Claims[claimId].Verdict.Approval.PostAsync(new ApproveVerdictRequest())))
        .ResponseStatusCode.ShouldBe(403);

    Step("A second person, a senior editor, approves; another senior editor publishes");
    (await claim.Verdict.Approval.PostAsync(new ApproveVerdictRequest { Note = "agreed" }))!.Version.ShouldBe(5);
    (await ines.Api.Claims[claimId].Publication.PostAsync(new PublishFactCheckRequest { Url = $"https://factdesk.example/checks/36-percent-{run}" }))!
        .Version.ShouldBe(6);
    var published = await auditor.Api.Claims[claimId].GetAsync();
    published!.Status.ShouldBe(ClaimStatus.Published);
    published.Verdict!.Rating.ShouldBe(Rating.Misleading);
    published.Verdict.ProposedBy!.Name.ShouldBe("Mara Lind");
    published.Verdict.ApprovedBy!.Name.ShouldBe("Tomás Ruiz");
    published.Publication!.By!.Name.ShouldBe("Ines Vale");
    published.Sources!.Single().Stance.ShouldBe(Stance.Contradicts);

    Step("The auditor replays it: the history, and the claim as it was");
    var history = await auditor.Api.Claims[claimId].History.GetAsync();
    history!.Version.ShouldBe(6);
    history.Events!.Select(e => e.Type).ShouldBe(
        ["claim-flagged.v1", "claim-assigned.v1", "source-attached.v1", "verdict-proposed.v1", "verdict-approved.v1", "fact-check-published.v1"]);
    history.Events!.Select(e => e.Actor).ShouldBe(["cms-plugin", "Tomás Ruiz", "Mara Lind", "Mara Lind", "Tomás Ruiz", "Ines Vale"]);
    var atVersion2 = await auditor.Api.Claims[claimId].GetAsync(c => c.QueryParameters.Version = 2);
    atVersion2!.Status.ShouldBe(ClaimStatus.InReview);
    atVersion2.Assignee.ShouldBe("Mara Lind");
    atVersion2.Sources.ShouldBeEmpty();
    var asFlagged = await auditor.Api.Claims[claimId].GetAsync(c => c.QueryParameters.AsOf = history.Events![0].RecordedAt);
    asFlagged!.Version.ShouldBe(1);
    asFlagged.Status.ShouldBe(ClaimStatus.Flagged);
    (await Should.ThrowAsync<ProblemDetails>(() => auditor.Api.Claims[claimId].GetAsync(c => c.QueryParameters.Version = 7)))
        .ResponseStatusCode.ShouldBe(404);

    Step("The queue is paged by its cursor, most urgent first");
    await tool.Api.Claims.PostAsync(new FlagClaimRequest { Quote = $"The Hang Seng Tech Index has climbed 28% this year ({run})", Reason = "market figure" });
    var firstPage = await auditor.Api.Queue.GetAsync(c => c.QueryParameters.Limit = 1);
    firstPage!.Items!.Count.ShouldBe(1);
    firstPage.NextCursor.ShouldNotBeNull();
    var secondPage = await auditor.Api.Queue.GetAsync(c => { c.QueryParameters.Limit = 1; c.QueryParameters.Cursor = firstPage.NextCursor; });
    secondPage!.Items!.Single().Id.ShouldNotBe(firstPage.Items[0].Id);
    var inReview = await auditor.Api.Queue.GetAsync(c => c.QueryParameters.Status = FactDesk.Client.Api.Queue.GetStatusQueryParameterType.Flagged);
    inReview!.Items!.ShouldAllBe(item => item.Status == ClaimStatus.Flagged);

    Step("The audit feed is paged oldest first by after, and newest first by before");
    // The audit feed is an async projection: it follows the commands within moments, so give it a few seconds.
    var maras = await auditor.Api.Audit.GetAsync(c => { c.QueryParameters.Actor = "Mara Lind"; c.QueryParameters.Limit = 2; });
    for (var wait = Stopwatch.StartNew(); maras!.Items!.Count < 2 && wait.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(100))
        maras = await auditor.Api.Audit.GetAsync(c => { c.QueryParameters.Actor = "Mara Lind"; c.QueryParameters.Limit = 2; });
    maras!.Items!.Count.ShouldBe(2);
    maras.Items.ShouldAllBe(entry => entry.Actor!.Name == "Mara Lind");
    var marasNext = await auditor.Api.Audit.GetAsync(c => { c.QueryParameters.Actor = "Mara Lind"; c.QueryParameters.After = maras.NextAfter; });
    marasNext!.Items!.ShouldNotBeEmpty();
    marasNext.Items![0].Position!.Value.ShouldBeGreaterThan(maras.Items[1].Position!.Value);
    var newest = await auditor.Api.Audit.GetAsync(c => { c.QueryParameters.Order = GetOrderQueryParameterType.Desc; c.QueryParameters.Limit = 2; });
    newest!.Items![0].Position!.Value.ShouldBeGreaterThan(newest.Items[1].Position!.Value);
    var older = await auditor.Api.Audit.GetAsync(c => { c.QueryParameters.Order = GetOrderQueryParameterType.Desc; c.QueryParameters.Before = newest.NextBefore; c.QueryParameters.Limit = 2; });
    older!.Items![0].Position!.Value.ShouldBeLessThan(newest.Items[1].Position!.Value);

    Step("The hash chain verifies");
    (await auditor.Api.Audit.Verification.GetAsync())!.Ok.ShouldBe(true);

    Console.WriteLine("WALKTHROUGH PASSED");
    return 0;
}
catch (Exception e)
{
    Console.WriteLine($"WALKTHROUGH FAILED at \"{_step}\": {e}");
    return 1;
}

void Step(string name)
{
    _step = name;
    Console.WriteLine("- " + name);
}

partial class Program
{
    private static string _step = "";
}

/// <summary>Sends a FactDesk token as a bearer header on plain http too (the test's service listens on loopback).</summary>
sealed class BearerToken(string token) : IAuthenticationProvider
{
    public Task AuthenticateRequestAsync(RequestInformation request, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default)
    {
        request.Headers.Add("Authorization", $"Bearer {token}");
        return Task.CompletedTask;
    }
}
