using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FactDesk.Api.Webhooks;
using Shouldly;

namespace FactDesk.Domain.Tests.Subscriptions;

public class WebhookTargetTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:192.168.1.1")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd00::1")]
    [InlineData("ff02::1")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("2002:c0a8:0101::1")]
    public void Inside_addresses_are_not_public(string address) => WebhookTargets.IsNonPublic(IPAddress.Parse(address)).ShouldBeTrue();

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("8.8.8.8")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("2606:4700:4700::1111")]
    public void Public_addresses_are_public(string address) => WebhookTargets.IsNonPublic(IPAddress.Parse(address)).ShouldBeFalse();

    [Theory]
    [InlineData("192.0.2.10", "documentation (TEST-NET-1)")]
    [InlineData("198.51.100.7", "documentation (TEST-NET-2)")]
    [InlineData("203.0.113.200", "documentation (TEST-NET-3)")]
    [InlineData("198.19.255.1", "benchmarking")]
    [InlineData("192.0.0.9", "IETF protocol assignments")]
    [InlineData("192.0.0.170", "IETF protocol assignments")]
    [InlineData("192.31.196.1", "AS112-v4")]
    [InlineData("192.52.193.1", "AMT")]
    [InlineData("192.88.99.1", "6to4 relay anycast")]
    [InlineData("192.175.48.6", "direct delegation AS112 service")]
    [InlineData("240.0.0.1", "reserved, limited broadcast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("::ffff:203.0.113.5", "documentation (TEST-NET-3)")]
    [InlineData("64:ff9b::808:808", "IPv4-IPv6 translation (NAT64)")]
    [InlineData("64:ff9b:1::a00:1", "local-use IPv4-IPv6 translation")]
    [InlineData("64:ff9b:1:ffff::1", "local-use IPv4-IPv6 translation")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "IETF protocol assignments (Teredo, benchmarking, ORCHID, AMT, AS112, drone ids)")]
    [InlineData("2001:2::1", "IETF protocol assignments (Teredo, benchmarking, ORCHID, AMT, AS112, drone ids)")]
    [InlineData("2001:20::1", "IETF protocol assignments (Teredo, benchmarking, ORCHID, AMT, AS112, drone ids)")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("3fff:abc::1", "documentation")]
    [InlineData("2002:0808:0808::1", "6to4")]
    [InlineData("2620:4f:8000::53", "direct delegation AS112 service")]
    [InlineData("5f00:1::1", "segment routing (SRv6) SIDs")]
    [InlineData("100::1", "discard-only")]
    [InlineData("100:0:0:1::1", "dummy IPv6 prefix")]
    [InlineData("::ffff:0:808:808", "IPv4-translated")]
    [InlineData("fec0::1", "site-local (deprecated)")]
    [InlineData("4000::1", "reserved by the IETF")]
    [InlineData("::808:808", "unspecified, loopback, IPv4-compatible")]
    public void Every_special_purpose_block_of_the_IANA_registries_is_refused_and_named(string address, string purpose) =>
        WebhookTargets.SpecialPurposeOf(IPAddress.Parse(address)).ShouldBe(purpose);

    [Theory]
    [InlineData("192.0.1.255")]
    [InlineData("192.0.3.0")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("198.51.99.255")]
    [InlineData("203.0.112.255")]
    [InlineData("2001:200::1")]
    [InlineData("2a00:1450:4001::200e")]
    public void Addresses_just_outside_the_special_blocks_stay_public(string address) =>
        WebhookTargets.SpecialPurposeOf(IPAddress.Parse(address)).ShouldBeNull();

    [Theory]
    [InlineData("203.0.113.9")]
    [InlineData("[64:ff9b:1::a00:1]")]
    [InlineData("[2001:0:4136:e378:8000:63bf:3fff:fdd2]")]
    public async Task A_special_purpose_literal_target_is_refused_when_checked(string host)
    {
        var check = await new WebhookTargets(new DnsHostLookup(), new WebhookOptions()).CheckAsync(host, CancellationToken.None);
        check.IsAllowed.ShouldBeFalse();
        check.Refusal!.ShouldContain("not a public address");
    }

    [Fact]
    public void The_signature_is_the_hex_HMAC_SHA256_of_the_exact_body()
    {
        var body = """{"specversion":"1.0"}"""u8.ToArray();
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("shared-secret-0123"), body));
        WebhookMessage.Sign("shared-secret-0123", body).ShouldBe("sha256=" + expected);
        WebhookMessage.Sign("shared-secret-0124", body).ShouldNotBe("sha256=" + expected);
    }

    [Fact]
    public void The_body_is_a_CloudEvent_carrying_the_stored_data_as_is()
    {
        var eventId = Guid.NewGuid();
        var streamId = Guid.NewGuid();
        var at = new DateTimeOffset(2025, 3, 14, 9, 30, 0, 123, TimeSpan.FromHours(2));
        var json = JsonDocument.Parse(WebhookMessage.Body("/factdesk", eventId, "claim-flagged.v1", at, streamId, 42, 3, """{"quote":"36%"}""")).RootElement;
        json.GetProperty("specversion").GetString().ShouldBe("1.0");
        json.GetProperty("id").GetString().ShouldBe(eventId.ToString());
        json.GetProperty("type").GetString().ShouldBe("factdesk.claim-flagged.v1");
        json.GetProperty("subject").GetString().ShouldBe(streamId.ToString());
        json.GetProperty("time").GetString().ShouldBe("2025-03-14T07:30:00.123000Z");
        json.GetProperty("factdeskposition").GetInt64().ShouldBe(42);
        json.GetProperty("factdeskversion").GetInt64().ShouldBe(3);
        json.GetProperty("data").GetProperty("quote").GetString().ShouldBe("36%");
    }

    [Fact]
    public void Retry_waits_stay_between_zero_and_the_capped_exponential_ceiling()
    {
        var options = new WebhookOptions { RetryBase = TimeSpan.FromSeconds(1), RetryCap = TimeSpan.FromSeconds(30) };
        var random = new Random(7);
        for (var attempt = 1; attempt <= 12; attempt++)
        {
            var ceiling = Math.Min(30, Math.Pow(2, attempt - 1));
            var waits = Enumerable.Range(0, 200).Select(_ => options.RetryDelay(attempt, random).TotalSeconds).ToArray();
            waits.ShouldAllBe(w => w >= 0 && w <= ceiling);
            waits.Max().ShouldBeGreaterThan(ceiling * 0.8, "full jitter spreads over the whole range");
        }
    }

    [Fact]
    public async Task A_name_is_refused_when_any_of_its_addresses_is_inside()
    {
        var targets = new WebhookTargets(new FixedLookup(IPAddress.Parse("93.184.215.9"), IPAddress.Parse("10.0.0.1")), new WebhookOptions());
        (await targets.CheckAsync("mixed.example", default)).IsAllowed.ShouldBeFalse();
        var allowing = new WebhookTargets(new FixedLookup(IPAddress.Parse("10.0.0.1")), new WebhookOptions { AllowPrivateTargets = true });
        (await allowing.CheckAsync("mixed.example", default)).IsAllowed.ShouldBeTrue();
    }

    private sealed class FixedLookup(params IPAddress[] addresses) : IHostLookup
    {
        public Task<IPAddress[]> LookupAsync(string host, CancellationToken ct) => Task.FromResult(addresses);
    }
}
