using System.Net;
using FactDesk.Api.Discrepancies;
using FactDesk.Api.Documents.Detection;
using FactDesk.TamperEvidence;
using Shouldly;

namespace FactDesk.Api.Tests.Queue;

/// <summary>A discrepancy the conflict finder proposes counts on the queue only once an editor confirms it.</summary>
public class ProposedDiscrepancyQueueTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    private const string QueueRows = "select to_jsonb(q)::text from factdesk.review_queue q order by claim_id";
    private const string LinkRows = "select to_jsonb(l)::text from factdesk.queue_discrepancy_links l order by discrepancy_id, claim_id";

    private async Task<Guid> ProposeAsync(params Guid[] claimIds)
    {
        var id = Guid.NewGuid();
        var value = new NormalizedValue(36, null, "%", null, null, "36%", null);
        await api.Store.AppendAsync(id, Discrepancy.StreamType, ExpectedVersion.NoStream,
            new DiscrepancyProposed(id, claimIds, DiscrepancyKind.Numeric, "share of large language models", "36% here, 26% there",
                [new DiscrepancyValue("first", "36%"), new DiscrepancyValue("second", "26%")],
                [new ProposedStatement(null, claimIds.FirstOrDefault(), null, "36% of all models", "36%", "percent", value)],
                new Http.Actor("conflict-finder", Http.Roles.Tool), DateTimeOffset.UtcNow),
            new EventMetadata("conflict-finder", Http.Roles.Tool, Guid.NewGuid().ToString(), Guid.NewGuid().ToString()));
        return id;
    }

    private async Task<int> OpenDiscrepanciesAsync(Guid desk)
    {
        var response = await api.Editor.GetAsync($"/api/queue?documentId={desk}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).GetProperty("items").EnumerateArray().Single().GetProperty("openDiscrepancies").GetInt32();
    }

    private async Task PostOkAsync(string url, object body)
    {
        var response = await api.Editor.PostJsonAsync(url, body);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_proposal_counts_once_confirmed_and_stops_counting_when_resolved_or_declined_and_a_rebuild_agrees()
    {
        var desk = Guid.NewGuid();
        var claim = await api.FlagAsync(documentId: desk);

        var proposal = await ProposeAsync(claim);
        (await OpenDiscrepanciesAsync(desk)).ShouldBe(0);

        await PostOkAsync($"/api/discrepancies/{proposal}/confirmation", new { note = "the two releases really differ" });
        (await OpenDiscrepanciesAsync(desk)).ShouldBe(1);
        // Confirming again is a retry: nothing is recorded, nothing counted twice.
        await PostOkAsync($"/api/discrepancies/{proposal}/confirmation", new { note = "again" });
        (await OpenDiscrepanciesAsync(desk)).ShouldBe(1);

        await PostOkAsync($"/api/discrepancies/{proposal}/resolution", new { outcome = "claim-stands", rationale = "the claim used the newer release" });
        (await OpenDiscrepanciesAsync(desk)).ShouldBe(0);

        // Declining a proposal that never counted takes nothing off.
        var open = await ProposeAsync(claim);
        await PostOkAsync($"/api/discrepancies/{open}/confirmation", new { note = "real" });
        var declined = await ProposeAsync(claim);
        await PostOkAsync($"/api/discrepancies/{declined}/decline", new { reason = "the two figures measure different things" });
        (await OpenDiscrepanciesAsync(desk)).ShouldBe(1);

        // A proposal with no claims yet (both sides only detected) links nothing and counts nothing.
        var unlinked = await ProposeAsync();
        await PostOkAsync($"/api/discrepancies/{unlinked}/confirmation", new { note = "real" });
        (await OpenDiscrepanciesAsync(desk)).ShouldBe(1);

        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(30));
        var queue = await api.RowsAsJsonAsync(QueueRows);
        var links = await api.RowsAsJsonAsync(LinkRows);
        await api.Projections.RebuildAsync("review-queue");
        (await api.RowsAsJsonAsync(QueueRows)).ShouldBe(queue);
        (await api.RowsAsJsonAsync(LinkRows)).ShouldBe(links);
        (await OpenDiscrepanciesAsync(desk)).ShouldBe(1);
    }
}
