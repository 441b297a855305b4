using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using FactDesk.TransparencyLog;

namespace FactDesk.Verify;

/// <summary>What to check: the service, the auditor's token, the pinned key and checkpoints, and which events.</summary>
public sealed record AuditRequest(Uri Service, string Token, string VerifierKey, string PinsFile, Guid? Claim, bool All);

/// <summary>The outcome: null Problem means everything held and the latest checkpoint is now pinned.</summary>
public sealed record AuditOutcome(string? Problem, long? TreeSize, int PinsChecked, int EntriesChecked, IReadOnlyList<string> Log)
{
    public bool Ok => Problem is null;
}

/// <summary>Raised at the first inconsistency found; its message names it.</summary>
public sealed class InconsistencyException(string message) : Exception(message);

/// <summary>
/// An auditor's routine against FactDesk's transparency log: fetch the latest checkpoint and check its signature with
/// the pinned key; prove it consistent with every pinned checkpoint (so nothing signed before was rewritten, removed
/// or reordered); check the inclusion of every event asked for, hashing each entry itself; then pin the new checkpoint.
/// Trusts nothing the service says that a proof does not back.
/// </summary>
public sealed class LogAuditor(HttpClient http)
{
    public async Task<AuditOutcome> RunAsync(AuditRequest request, CancellationToken ct = default)
    {
        var log = new List<string>();
        var pinsChecked = 0;
        var entriesChecked = 0;
        long? size = null;
        try
        {
            http.BaseAddress = request.Service;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", request.Token);
            var verifier = NoteVerifier.Parse(request.VerifierKey);
            var pins = PinnedCheckpoints.Load(request.PinsFile);
            var pinned = pins.Select(note => Open(verifier, note, "a pinned checkpoint")).OrderBy(c => c.TreeSize).ToList();

            using var latestAnswer = await http.GetAsync("/api/audit/checkpoint", ct);
            if (latestAnswer.StatusCode == HttpStatusCode.NotFound && pinned.Count == 0)
            {
                log.Add("The log has no checkpoint yet: nothing to check.");
                return new AuditOutcome(null, null, 0, 0, log);
            }
            if (latestAnswer.StatusCode == HttpStatusCode.NotFound)
                throw new InconsistencyException($"The log shows no checkpoint, but one of size {pinned[^1].TreeSize} is pinned: its checkpoints were removed.");
            await EnsureAsync(latestAnswer, "the latest checkpoint");
            var latestNote = await latestAnswer.Content.ReadAsStringAsync(ct);
            var latest = Open(verifier, latestNote, "the latest checkpoint");
            size = latest.TreeSize;
            log.Add($"Latest checkpoint: {latest.Origin}, {latest.TreeSize} entries, root {Convert.ToBase64String(latest.RootHash)}; signature valid.");

            foreach (var pin in pinned)
            {
                if (pin.Origin != latest.Origin)
                    throw new InconsistencyException($"The pinned checkpoint of size {pin.TreeSize} is of log '{pin.Origin}', the latest of '{latest.Origin}'.");
                if (pin.TreeSize > latest.TreeSize)
                    throw new InconsistencyException(
                        $"The latest checkpoint has {latest.TreeSize} entries but one of {pin.TreeSize} is pinned: the log was cut back.");
                if (pin.TreeSize == latest.TreeSize)
                {
                    if (!pin.RootHash.AsSpan().SequenceEqual(latest.RootHash))
                        throw new InconsistencyException($"Two signed checkpoints of size {pin.TreeSize} have different roots: the log was rewritten.");
                }
                else
                {
                    var proof = await GetJsonAsync($"/api/audit/proofs/consistency?from={pin.TreeSize}&to={latest.TreeSize}",
                        $"the consistency proof from the pinned checkpoint of size {pin.TreeSize}", ct);
                    var why = MerkleProofCheck.Consistency(pin.TreeSize, latest.TreeSize, pin.RootHash, latest.RootHash, Hashes(proof));
                    if (why is not null)
                        throw new InconsistencyException(
                            $"The log is not consistent with the pinned checkpoint of size {pin.TreeSize}: {why}. Entries it signed were changed, removed or reordered.");
                }
                pinsChecked++;
            }
            if (pinned.Count > 0) log.Add($"Consistent with {pinsChecked} pinned checkpoint(s).");

            var leaves = new List<(long LeafIndex, long? Version)>();
            if (request.Claim is { } claim)
            {
                var listed = await GetJsonAsync($"/api/audit/entries?stream={claim}", $"the entries of {claim}", ct);
                foreach (var item in listed.GetProperty("items").EnumerateArray())
                    leaves.Add((item.GetProperty("leafIndex").GetInt64(), item.GetProperty("version").GetInt64()));
                if (leaves.Count == 0) throw new InconsistencyException($"The log has no entry for {claim}.");
                for (var i = 0; i < leaves.Count; i++)
                    if (leaves[i].Version != i + 1)
                        throw new InconsistencyException($"The entries of {claim} skip from version {i} to {leaves[i].Version}: an event is missing.");
            }
            else if (request.All)
                for (long i = 0; i < latest.TreeSize; i++) leaves.Add((i, null));

            var notYetSigned = 0;
            foreach (var (leafIndex, version) in leaves)
            {
                if (leafIndex >= latest.TreeSize) { notYetSigned++; continue; }
                var entryAnswer = await GetJsonAsync($"/api/audit/entries/{leafIndex}", $"entry {leafIndex}", ct);
                var entry = Convert.FromBase64String(entryAnswer.GetProperty("entry").GetString()!);
                DecodedEntry decoded;
                try { decoded = LogEntry.Decode(entry); }
                catch (FormatException e) { throw new InconsistencyException($"Entry {leafIndex} cannot be read: {e.Message}"); }
                if (request.Claim is { } wanted && (decoded.StreamId != wanted || decoded.Version != version))
                    throw new InconsistencyException($"Entry {leafIndex} is not version {version} of {wanted}: it is version {decoded.Version} of {decoded.StreamId}.");
                var proof = await GetJsonAsync($"/api/audit/proofs/inclusion?leafIndex={leafIndex}&treeSize={latest.TreeSize}",
                    $"the inclusion proof of entry {leafIndex}", ct);
                var why = MerkleProofCheck.Inclusion(leafIndex, latest.TreeSize, MerkleHashes.Leaf(entry), Hashes(proof), latest.RootHash);
                if (why is not null)
                    throw new InconsistencyException(
                        $"Entry {leafIndex} ({decoded.Type}, version {decoded.Version} of {decoded.StreamId}) is not the one the checkpoint of size {latest.TreeSize} signed: {why}. The event was changed after it was logged.");
                entriesChecked++;
            }
            if (leaves.Count > 0)
                log.Add($"{entriesChecked} entries proven included" + (notYetSigned > 0 ? $"; {notYetSigned} newer than the latest checkpoint, not yet checkable." : "."));

            if (!pins.Contains(latestNote))
            {
                PinnedCheckpoints.Save(request.PinsFile, [.. pins, latestNote]);
                log.Add($"Pinned the checkpoint of size {latest.TreeSize} in {request.PinsFile}.");
            }
            return new AuditOutcome(null, size, pinsChecked, entriesChecked, log);
        }
        catch (InconsistencyException e)
        {
            return new AuditOutcome(e.Message, size, pinsChecked, entriesChecked, log);
        }
    }

    private static Checkpoint Open(NoteVerifier verifier, string note, string what)
    {
        try { return Checkpoint.Parse(verifier.Open(note)); }
        catch (FormatException e) { throw new InconsistencyException($"{char.ToUpperInvariant(what[0])}{what[1..]} does not verify: {e.Message}"); }
    }

    private async Task<JsonElement> GetJsonAsync(string path, string what, CancellationToken ct)
    {
        using var answer = await http.GetAsync(path, ct);
        await EnsureAsync(answer, what);
        return JsonDocument.Parse(await answer.Content.ReadAsStringAsync(ct)).RootElement.Clone();
    }

    /// <summary>A refusal by the service to give a proof is itself a finding: a log that signed a size must prove it.</summary>
    private static async Task EnsureAsync(HttpResponseMessage answer, string what)
    {
        if (answer.IsSuccessStatusCode) return;
        var body = await answer.Content.ReadAsStringAsync();
        string? detail = null;
        try
        {
            var json = JsonDocument.Parse(body).RootElement;
            detail = json.TryGetProperty("errors", out var errors) ? errors.ToString()
                : json.TryGetProperty("detail", out var d) ? d.GetString() : null;
        }
        catch (JsonException) { }
        if (answer.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw new HttpRequestException($"The service refused the token ({(int)answer.StatusCode}) when asked for {what}.");
        if ((int)answer.StatusCode >= 500)
            throw new HttpRequestException($"The service failed ({(int)answer.StatusCode}) when asked for {what}: {detail}");
        throw new InconsistencyException($"The service could not give {what} ({(int)answer.StatusCode}): {detail ?? body}");
    }

    private static List<byte[]> Hashes(JsonElement proof) =>
        proof.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList();
}

/// <summary>The auditor's pins: a JSON array of signed checkpoint notes, exactly as served. Written whole, then moved in place.</summary>
public static class PinnedCheckpoints
{
    public static List<string> Load(string file) =>
        File.Exists(file) ? JsonSerializer.Deserialize<List<string>>(File.ReadAllText(file)) ?? [] : [];

    public static void Save(string file, IReadOnlyList<string> notes)
    {
        var full = Path.GetFullPath(file);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + "." + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)) + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(notes, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, full, overwrite: true);
    }
}
