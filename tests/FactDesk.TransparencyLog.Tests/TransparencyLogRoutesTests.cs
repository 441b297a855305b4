using System.Net;
using System.Text.Json;
using Npgsql;
using Shouldly;

namespace FactDesk.TransparencyLog.Tests;

/// <summary>A desk with a few claims, assigned, and a signed checkpoint of all of it.</summary>
public sealed class DeskWithCheckpoint : TransparentDesk
{
    public List<Guid> Claims { get; } = [];
    public long SignedSize { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        for (var i = 0; i < 5; i++) Claims.Add(await FlagClaimAsync($"Unemployment fell to {i}.1% last year"));
        await AssignAsync(Claims[0]);
        await AssignAsync(Claims[3]);
        SignedSize = await CheckpointAsync();
    }
}

/// <summary>The transparency log's routes over real HTTP; every proof judged by the tests' own RFC 9162 (<see cref="Rfc9162"/>).</summary>
public class TransparencyLogRoutesTests(DeskWithCheckpoint desk) : IClassFixture<DeskWithCheckpoint>
{
    private readonly HttpClient _auditor = desk.Client();

    private async Task<JsonElement> JsonAsync(string path)
    {
        var response = await _auditor.GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{path}: {await response.Content.ReadAsStringAsync()}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task<(long Size, byte[] Root)> LatestCheckpointAsync()
    {
        var response = await _auditor.GetAsync("/api/audit/checkpoint");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        return (long.Parse(lines[1]), Convert.FromBase64String(lines[2]));
    }

    private async Task<List<byte[]>> EntriesAsync(long count)
    {
        var entries = new List<byte[]>();
        for (var i = 0; i < count; i++) entries.Add(Convert.FromBase64String((await JsonAsync($"/api/audit/entries/{i}")).GetProperty("entry").GetString()!));
        return entries;
    }

    private static List<byte[]> Hashes(JsonElement proof) => proof.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList();

    [Fact]
    public async Task The_checkpoint_root_is_the_RFC_9162_hash_of_every_entry_in_global_order()
    {
        var (size, root) = await LatestCheckpointAsync();
        size.ShouldBe(desk.SignedSize);
        long events;
        await using (var cmd = desk.Db.CreateCommand("select count(*) from factdesk.mt_events")) events = (long)(await cmd.ExecuteScalarAsync())!;
        size.ShouldBe(events);
        var leaves = (await EntriesAsync(size)).Select(Rfc9162.LeafHash).ToList();
        Rfc9162.TreeHash(leaves).ShouldBe(root);
    }

    [Fact]
    public async Task An_entry_answers_its_bytes_and_the_event_they_encode_which_is_the_stored_row()
    {
        var entry = await JsonAsync("/api/audit/entries/0");
        entry.GetProperty("leafIndex").GetInt64().ShouldBe(0);
        var position = entry.GetProperty("position").GetInt64();
        await using var cmd = desk.Db.CreateCommand("select stream_id, version, type, data::text, id from factdesk.mt_events where seq_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        await using var row = await cmd.ExecuteReaderAsync();
        (await row.ReadAsync()).ShouldBeTrue();
        var e = entry.GetProperty("event");
        e.GetProperty("streamId").GetGuid().ShouldBe(row.GetGuid(0));
        e.GetProperty("version").GetInt64().ShouldBe(row.GetInt64(1));
        e.GetProperty("type").GetString().ShouldBe(row.GetString(2));
        e.GetProperty("eventId").GetGuid().ShouldBe(row.GetGuid(4));
        var stored = JsonDocument.Parse(row.GetString(3)).RootElement;
        e.GetProperty("data").GetProperty("quote").GetString().ShouldBe(stored.GetProperty("quote").GetString());
        e.GetProperty("metadata").GetProperty("headers").GetProperty("actorName").GetString().ShouldBe("cms-plugin");
        var bytes = Convert.FromBase64String(entry.GetProperty("entry").GetString()!);
        System.Text.Encoding.UTF8.GetString(bytes).ShouldContain(row.GetGuid(0).ToString());
    }

    [Fact]
    public async Task Every_inclusion_proof_at_every_size_verifies_independently()
    {
        var size = desk.SignedSize;
        var leaves = (await EntriesAsync(size)).Select(Rfc9162.LeafHash).ToList();
        for (var treeSize = 1; treeSize <= size; treeSize++)
        {
            var root = Rfc9162.TreeHash(leaves.Take(treeSize).ToList());
            for (var index = 0; index < treeSize; index++)
            {
                var proof = await JsonAsync($"/api/audit/proofs/inclusion?leafIndex={index}&treeSize={treeSize}");
                proof.GetProperty("leafIndex").GetInt64().ShouldBe(index);
                proof.GetProperty("treeSize").GetInt64().ShouldBe(treeSize);
                Rfc9162.VerifyInclusion(index, treeSize, leaves[index], Hashes(proof), root).ShouldBeTrue($"leaf {index} of {treeSize}");
            }
        }
    }

    [Fact]
    public async Task Every_consistency_proof_between_sizes_verifies_independently()
    {
        var size = desk.SignedSize;
        var leaves = (await EntriesAsync(size)).Select(Rfc9162.LeafHash).ToList();
        for (var to = 1; to <= size; to++)
            for (var from = 1; from <= to; from++)
            {
                var proof = await JsonAsync($"/api/audit/proofs/consistency?from={from}&to={to}");
                Rfc9162.VerifyConsistency(from, to, Rfc9162.TreeHash(leaves.Take(from).ToList()), Rfc9162.TreeHash(leaves.Take(to).ToList()), Hashes(proof))
                    .ShouldBeTrue($"{from} to {to}");
            }
    }

    [Theory]
    [InlineData("/api/audit/proofs/inclusion?leafIndex=0&treeSize=100000", "treeSize")]
    [InlineData("/api/audit/proofs/inclusion?leafIndex=3&treeSize=3", "leafIndex")]
    [InlineData("/api/audit/proofs/inclusion?leafIndex=0&treeSize=0", "treeSize")]
    [InlineData("/api/audit/proofs/inclusion?leafIndex=-1&treeSize=2", "leafIndex")]
    [InlineData("/api/audit/proofs/inclusion?treeSize=2", "leafIndex")]
    [InlineData("/api/audit/proofs/inclusion?leafIndex=x&treeSize=2", "leafIndex")]
    [InlineData("/api/audit/proofs/consistency?from=3&to=2", "from")]
    [InlineData("/api/audit/proofs/consistency?from=0&to=2", "from")]
    [InlineData("/api/audit/proofs/consistency?from=1&to=100000", "to")]
    [InlineData("/api/audit/proofs/consistency?from=1", "to")]
    [InlineData("/api/audit/entries/abc", "leafIndex")]
    [InlineData("/api/audit/entries?stream=nope", "stream")]
    [InlineData("/api/audit/checkpoints?limit=0", "limit")]
    [InlineData("/api/audit/checkpoints?from=-4", "from")]
    public async Task A_size_the_log_never_had_or_a_malformed_number_is_a_400_naming_the_field(string path, string field)
    {
        var response = await _auditor.GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task An_entry_past_the_end_of_the_tree_is_a_404()
    {
        var response = await _auditor.GetAsync("/api/audit/entries/100000");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task The_checkpoint_is_signed_by_the_key_the_public_key_route_names()
    {
        var key = await _auditor.GetStringAsync("/api/audit/public-key");
        key.Trim().ShouldBe(desk.VerifierKey);
        var note = await _auditor.GetStringAsync("/api/audit/checkpoint");
        var text = NoteVerifier.Parse(key).Open(note);
        var checkpoint = Checkpoint.Parse(text);
        checkpoint.Origin.ShouldBe(TransparentDesk.Origin);
        checkpoint.TreeSize.ShouldBe(desk.SignedSize);
    }

    [Fact]
    public async Task Checkpoints_are_listed_smallest_first_from_a_size_and_paged()
    {
        var all = await JsonAsync("/api/audit/checkpoints");
        var sizes = all.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("treeSize").GetInt64()).ToList();
        sizes.ShouldNotBeEmpty();
        sizes.ShouldBe(sizes.Order().ToList());
        sizes[^1].ShouldBe(desk.SignedSize);
        all.GetProperty("nextFrom").ValueKind.ShouldBe(JsonValueKind.Null);

        var first = await JsonAsync("/api/audit/checkpoints?limit=1");
        first.GetProperty("items").GetArrayLength().ShouldBe(1);
        if (sizes.Count > 1)
        {
            var next = first.GetProperty("nextFrom").GetInt64();
            var second = await JsonAsync($"/api/audit/checkpoints?from={next}&limit=1");
            second.GetProperty("items")[0].GetProperty("treeSize").GetInt64().ShouldBe(sizes[1]);
        }
        var fromLast = await JsonAsync($"/api/audit/checkpoints?from={desk.SignedSize}");
        var only = fromLast.GetProperty("items").EnumerateArray().Single();
        NoteVerifier.Parse(desk.VerifierKey).Open(only.GetProperty("checkpoint").GetString()!).ShouldContain($"\n{desk.SignedSize}\n");
        only.GetProperty("rootHash").GetString().ShouldBe(Convert.ToBase64String((await LatestCheckpointAsync()).Root));
    }

    [Fact]
    public async Task A_claims_entries_are_listed_with_their_versions()
    {
        var listed = await JsonAsync($"/api/audit/entries?stream={desk.Claims[0]}");
        listed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("version").GetInt64()).ShouldBe([1L, 2L]);
    }

    [Theory]
    [InlineData("/api/audit/checkpoint")]
    [InlineData("/api/audit/public-key")]
    [InlineData("/api/audit/entries/0")]
    [InlineData("/api/audit/proofs/inclusion?leafIndex=0&treeSize=1")]
    public async Task Without_a_token_the_routes_answer_401(string path)
    {
        using var anonymous = desk.Client(token: null);
        (await anonymous.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Tools_may_read_proofs_and_checkpoints_but_not_the_unredacted_entries()
    {
        using var tool = desk.Client("tool-token");
        (await tool.GetAsync("/api/audit/entries/0")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await tool.GetAsync("/api/audit/checkpoint")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await tool.GetAsync("/api/audit/proofs/consistency?from=1&to=2")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_verifier_checks_a_claims_events_and_pins_the_checkpoint()
    {
        var pins = desk.NewPinsFile();
        var outcome = await desk.VerifyAsync(pins, claim: desk.Claims[3]);
        outcome.Problem.ShouldBeNull();
        outcome.EntriesChecked.ShouldBe(2);
        outcome.TreeSize.ShouldBe(desk.SignedSize);
        FactDesk.Verify.PinnedCheckpoints.Load(pins).Count.ShouldBe(1);

        var again = await desk.VerifyAsync(pins);
        again.Problem.ShouldBeNull();
        again.PinsChecked.ShouldBe(1);
        again.EntriesChecked.ShouldBe((int)desk.SignedSize);
    }
}
