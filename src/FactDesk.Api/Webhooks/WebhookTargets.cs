using System.Net;
using System.Net.Sockets;

namespace FactDesk.Api.Webhooks;

/// <summary>Looks up a host's addresses. Replaceable so tests can show what happens when a name changes its answer.</summary>
public interface IHostLookup
{
    Task<IPAddress[]> LookupAsync(string host, CancellationToken ct);
}

public sealed class DnsHostLookup : IHostLookup
{
    public Task<IPAddress[]> LookupAsync(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);
}

/// <summary>Where a webhook may be sent: the addresses to connect to, or why the target is refused.</summary>
public sealed record TargetCheck(IReadOnlyList<IPAddress> Addresses, string? Refusal)
{
    public bool IsAllowed => Refusal is null;
}

/// <summary>
/// Keeps webhooks off the service's own network: a target must not be, or resolve to, a loopback, private,
/// link-local, unique-local, multicast or otherwise non-public address. Checked when subscribing, and again at
/// every connection (a name may resolve elsewhere by then), unless <c>Webhooks:AllowPrivateTargets</c> is set.
/// </summary>
public sealed class WebhookTargets(IHostLookup lookup, WebhookOptions options)
{
    public bool AllowPrivate => options.AllowPrivateTargets;

    public async Task<TargetCheck> CheckAsync(string host, CancellationToken ct)
    {
        var name = host.TrimEnd('.').Trim('[', ']');
        if (IPAddress.TryParse(name, out var literal))
            return !AllowPrivate && IsNonPublic(literal) ? new([], $"{literal} is not a public address.") : new([literal], null);
        if (!AllowPrivate && (name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)))
            return new([], $"{name} is the service's own machine.");

        IPAddress[] addresses;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromSeconds(5));
            addresses = await lookup.LookupAsync(name, limit.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ArgumentException)
        {
            if (ct.IsCancellationRequested) throw;
            return new([], $"{name} could not be resolved.");
        }
        if (addresses.Length == 0) return new([], $"{name} could not be resolved.");
        // Every address must be public: a name with one private answer could be steered to it.
        if (!AllowPrivate && addresses.FirstOrDefault(IsNonPublic) is { } inside)
            return new([], $"{name} resolves to {inside}, which is not a public address.");
        return new(addresses, null);
    }

    /// <summary>True for addresses a webhook must not reach: loopback, private, shared, link-local, unique-local, multicast, reserved.</summary>
    public static bool IsNonPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return IsNonPublic(address.MapToIPv4());
        if (address.AddressFamily == AddressFamily.InterNetwork) return IsNonPublicV4(address.GetAddressBytes());
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return true;

        var b = address.GetAddressBytes();
        if (IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6None.Equals(address)) return true;
        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast) return true;
        if ((b[0] & 0xFE) == 0xFC) return true;                                         // fc00::/7 unique local
        // IPv4 carried inside IPv6: judge the IPv4 address it leads to.
        if (b.Take(12).All(x => x == 0)) return true;                                    // ::/96 (IPv4-compatible, unspecified)
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b.Skip(4).Take(8).All(x => x == 0))
            return IsNonPublicV4(b[12..16]);                                             // 64:ff9b::/96 NAT64
        if (b[0] == 0x20 && b[1] == 0x02) return IsNonPublicV4(b[2..6]);               // 2002::/16 6to4
        if (b[0] == 0x01 && b[1] == 0x00 && b.Skip(2).Take(6).All(x => x == 0)) return true; // 100::/64 discard
        return false;
    }

    private static bool IsNonPublicV4(byte[] b) => b[0] switch
    {
        0 or 10 or 127 => true,                               // this network, private, loopback
        100 => b[1] >= 64 && b[1] <= 127,                     // 100.64.0.0/10 shared (carrier NAT)
        169 => b[1] == 254,                                   // link-local, cloud metadata
        172 => b[1] >= 16 && b[1] <= 31,                      // private
        192 => b[1] == 168 || (b[1] == 0 && b[2] == 0),       // private; IETF protocol assignments
        198 => b[1] == 18 || b[1] == 19,                      // benchmarking
        >= 224 => true,                                       // multicast, reserved, broadcast
        _ => false,
    };
}
