using System.Net;
using System.Text.Json;
using FactDesk.Api.Claims;
using FactDesk.Api.Http;
using FactDesk.TamperEvidence;
using Shouldly;

namespace FactDesk.Api.Tests.Claims;

/// <summary>Commands decide on the claim's Marten inline snapshot, kept in each append's transaction.</summary>
public class ClaimSnapshotTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    private async Task<HttpResponseMessage> AttachAsync(Guid claimId, string url) =>
        await api.As(Roles.Editor).PostJsonAsync($"/api/claims/{claimId}/sources", new { url, stance = "supports" });

    [Fact]
    public async Task After_every_command_the_snapshot_is_what_replaying_the_claims_events_gives()
    {
        var claimId = await api.FlagClaimAsync("Qwen overtook Llama as the most-downloaded open model in 2024");
        (await AttachAsync(claimId, "https://reports.example/downloads")).StatusCode.ShouldBe(HttpStatusCode.OK);
        // An append without a version check (as the conflict finder's proposals use) keeps the snapshot too.
        await api.AttachSourceDirectlyAsync(claimId, "second download ranking");
        (await api.As(Roles.Editor).PostJsonAsync($"/api/claims/{claimId}/assignment", new { assignee = "Mara Lind" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var (snapshot, version) = await api.Store.LoadSnapshotAsync<Claim>(claimId);
        var (replayed, replayedVersion) = await api.Store.AggregateStreamAsync(claimId, StateFolder<Claim>.Instance);
        version.ShouldBe(replayedVersion);
        version.ShouldBe(4);
        snapshot.ShouldNotBeNull();
        JsonSerializer.Serialize(snapshot, JsonDefaults.Options).ShouldBe(JsonSerializer.Serialize(replayed, JsonDefaults.Options));
        snapshot.Sources.Count.ShouldBe(2);
        snapshot.Assignee.ShouldBe("Mara Lind");
    }

    [Fact]
    public async Task A_command_decides_on_the_snapshot_document_not_on_a_replay_of_the_events()
    {
        var claimId = await api.FlagClaimAsync("China is home to 36% of all large language models");
        // Only the snapshot says the claim is dismissed; its events do not.
        await api.ExecuteAsync($"update factdesk.mt_doc_claim set data = jsonb_set(data, '{{status}}', '\"dismissed\"') where id = '{claimId}'");
        var events = await api.CountEventsAsync();

        var refused = await AttachAsync(claimId, "https://caict.example/white-paper");

        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await refused.ReadJsonAsync()).GetProperty("type").GetString()!.ShouldEndWith("claim-is-closed");
        (await api.CountEventsAsync()).ShouldBe(events);
    }

    [Fact]
    public async Task A_claim_without_a_snapshot_is_folded_from_its_events_and_gets_one_with_its_next_append()
    {
        var claimId = await api.FlagClaimAsync("Unemployment fell to 3.1% in March");
        // As a claim written before snapshots were kept.
        await api.ExecuteAsync($"delete from factdesk.mt_doc_claim where id = '{claimId}'");

        (await AttachAsync(claimId, "https://stats.example/march")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var (snapshot, version) = await api.Store.LoadSnapshotAsync<Claim>(claimId);
        version.ShouldBe(2);
        snapshot.ShouldNotBeNull();
        snapshot.Quote.ShouldBe("Unemployment fell to 3.1% in March");
        snapshot.Sources.ShouldHaveSingleItem().Url.ShouldBe("https://stats.example/march");
    }

    [Fact]
    public async Task Start_up_gives_claims_written_before_snapshots_were_kept_their_first_snapshot()
    {
        var claims = new[] { await api.FlagClaimAsync("Rents rose 4% last year"), await api.FlagClaimAsync("Rents rose 6% last year") };
        await api.AttachSourceDirectlyAsync(claims[1], "the rent index");
        await api.ExecuteAsync($"delete from factdesk.mt_doc_claim where id in ('{claims[0]}', '{claims[1]}')");

        (await api.Store.AddMissingSnapshotsAsync<Claim>(Claim.StreamType)).ShouldBe(2);

        (await api.Store.LoadSnapshotAsync<Claim>(claims[0])).State!.Quote.ShouldBe("Rents rose 4% last year");
        var (second, version) = await api.Store.LoadSnapshotAsync<Claim>(claims[1]);
        version.ShouldBe(2);
        second!.Sources.ShouldHaveSingleItem().Citation.ShouldBe("the rent index");
        (await api.Store.AddMissingSnapshotsAsync<Claim>(Claim.StreamType)).ShouldBe(0);
    }
}
