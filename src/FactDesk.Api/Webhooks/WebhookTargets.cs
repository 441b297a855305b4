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
/// Keeps webhooks off the service's own network: a target must not be, or resolve to, an address of any block in the
/// IANA special-purpose registries (loopback, private, link-local, documentation, translation, multicast, ...). Checked when subscribing, and again at
/// every connection (a name may resolve elsewhere by then), unless <c>Webhooks:AllowPrivateTargets</c> is set.
/// </summary>
public sealed class WebhookTargets(IHostLookup lookup, WebhookOptions options)
{
    public bool AllowPrivate => options.AllowPrivateTargets;

    public async Task<TargetCheck> CheckAsync(string host, CancellationToken ct)
    {
        var name = host.TrimEnd('.').Trim('[', ']');
        if (IPAddress.TryParse(name, out var literal))
            return !AllowPrivate && SpecialPurposeOf(literal) is { } purpose ? new([], $"{literal} is not a public address ({purpose}).") : new([literal], null);
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
            return new([], $"{name} resolves to {inside}, which is not a public address ({SpecialPurposeOf(inside)}).");
        return new(addresses, null);
    }

    /// <summary>
    /// Every block of the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its updates), whether the
    /// registry calls it globally reachable or not (anycast relays and translators are no newsroom's webhook receiver),
    /// plus IPv4 multicast and reserved space. Translation prefixes (NAT64, 6to4, Teredo) are refused outright: the
    /// IPv4 address inside them says nothing about where the translator delivers.
    /// </summary>
    public static readonly IReadOnlyList<(IPAddress Network, int Length, string Purpose)> SpecialPurpose =
    [
        (IPAddress.Parse("0.0.0.0"), 8, "this network"),
        (IPAddress.Parse("10.0.0.0"), 8, "private use"),
        (IPAddress.Parse("100.64.0.0"), 10, "shared address space"),
        (IPAddress.Parse("127.0.0.0"), 8, "loopback"),
        (IPAddress.Parse("169.254.0.0"), 16, "link local"),
        (IPAddress.Parse("172.16.0.0"), 12, "private use"),
        (IPAddress.Parse("192.0.0.0"), 24, "IETF protocol assignments"),
        (IPAddress.Parse("192.0.2.0"), 24, "documentation (TEST-NET-1)"),
        (IPAddress.Parse("192.31.196.0"), 24, "AS112-v4"),
        (IPAddress.Parse("192.52.193.0"), 24, "AMT"),
        (IPAddress.Parse("192.88.99.0"), 24, "6to4 relay anycast"),
        (IPAddress.Parse("192.168.0.0"), 16, "private use"),
        (IPAddress.Parse("192.175.48.0"), 24, "direct delegation AS112 service"),
        (IPAddress.Parse("198.18.0.0"), 15, "benchmarking"),
        (IPAddress.Parse("198.51.100.0"), 24, "documentation (TEST-NET-2)"),
        (IPAddress.Parse("203.0.113.0"), 24, "documentation (TEST-NET-3)"),
        (IPAddress.Parse("224.0.0.0"), 4, "multicast"),
        (IPAddress.Parse("240.0.0.0"), 4, "reserved, limited broadcast"),
        (IPAddress.Parse("::"), 96, "unspecified, loopback, IPv4-compatible"),
        (IPAddress.Parse("::ffff:0:0:0"), 96, "IPv4-translated"),
        (IPAddress.Parse("64:ff9b::"), 96, "IPv4-IPv6 translation (NAT64)"),
        (IPAddress.Parse("64:ff9b:1::"), 48, "local-use IPv4-IPv6 translation"),
        (IPAddress.Parse("100::"), 64, "discard-only"),
        (IPAddress.Parse("100:0:0:1::"), 64, "dummy IPv6 prefix"),
        (IPAddress.Parse("2001::"), 23, "IETF protocol assignments (Teredo, benchmarking, ORCHID, AMT, AS112, drone ids)"),
        (IPAddress.Parse("2001:db8::"), 32, "documentation"),
        (IPAddress.Parse("2002::"), 16, "6to4"),
        (IPAddress.Parse("2620:4f:8000::"), 48, "direct delegation AS112 service"),
        (IPAddress.Parse("3fff::"), 20, "documentation"),
        (IPAddress.Parse("5f00::"), 16, "segment routing (SRv6) SIDs"),
        (IPAddress.Parse("fc00::"), 7, "unique local"),
        (IPAddress.Parse("fe80::"), 10, "link-local unicast"),
        (IPAddress.Parse("fec0::"), 10, "site-local (deprecated)"),
        (IPAddress.Parse("ff00::"), 8, "multicast"),
    ];

    /// <summary>True for addresses a webhook must not reach: any special-purpose block, and IPv6 outside global unicast (2000::/3).</summary>
    public static bool IsNonPublic(IPAddress address) => SpecialPurposeOf(address) is not null;

    /// <summary>What the address is set aside for; null for an ordinary public address.</summary>
    public static string? SpecialPurposeOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return SpecialPurposeOf(address.MapToIPv4());
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return "not an IP address";
        var bytes = address.GetAddressBytes();
        foreach (var (network, length, purpose) in SpecialPurpose)
            if (network.AddressFamily == address.AddressFamily && InPrefix(bytes, network.GetAddressBytes(), length)) return purpose;
        // Only 2000::/3 is allocated for global unicast; the rest of the IPv6 space is reserved.
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && (bytes[0] & 0xE0) != 0x20) return "reserved by the IETF";
        return null;
    }

    private static bool InPrefix(byte[] address, byte[] network, int length)
    {
        var whole = length / 8;
        for (var i = 0; i < whole; i++)
            if (address[i] != network[i]) return false;
        var rest = length % 8;
        if (rest == 0) return true;
        var mask = (byte)(0xFF << (8 - rest));
        return (address[whole] & mask) == (network[whole] & mask);
    }
}
