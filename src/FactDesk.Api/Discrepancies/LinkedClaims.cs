using FactDesk.Api.Claims;
using FactDesk.TamperEvidence;

namespace FactDesk.Api.Discrepancies;

/// <summary>Loads the claims a discrepancy links, each from its own stream (null when there is no such claim).</summary>
public static class LinkedClaims
{
    public static async Task<IReadOnlyDictionary<Guid, Claim?>> LoadAsync(TamperEvidentLog store, IEnumerable<Guid> claimIds, CancellationToken ct)
    {
        var claims = new Dictionary<Guid, Claim?>();
        foreach (var id in claimIds.Distinct())
            claims[id] = StateFolder<Claim>.Instance.Fold(await store.ReadStreamAsync(id, ct: ct));
        return claims;
    }
}
