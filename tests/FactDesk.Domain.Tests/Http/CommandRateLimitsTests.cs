using FactDesk.Api.Http;
using Microsoft.Extensions.Configuration;
using Shouldly;

namespace FactDesk.Domain.Tests.Http;

public class CommandRateLimitsTests
{
    private static IReadOnlyDictionary<string, CommandRateLimit> Read(params (string Key, string Value)[] settings) =>
        CommandRateLimits.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void Without_configuration_every_role_has_its_default()
    {
        var limits = Read();
        foreach (var role in Roles.All) limits[role].ShouldBe(CommandRateLimits.Defaults[role]);
    }

    [Fact]
    public void A_role_given_only_a_rate_may_send_a_minute_of_it_at_once()
    {
        Read(("CommandRateLimits:editor:PermitsPerMinute", "120"))[Roles.Editor].ShouldBe(new CommandRateLimit(120, 120));
    }

    [Fact]
    public void A_configured_role_leaves_the_others_at_their_defaults()
    {
        var limits = Read(("CommandRateLimits:tool:PermitsPerMinute", "60"), ("CommandRateLimits:tool:Burst", "3"));
        limits[Roles.Tool].ShouldBe(new CommandRateLimit(60, 3));
        limits[Roles.SeniorEditor].ShouldBe(CommandRateLimits.Defaults[Roles.SeniorEditor]);
    }

    [Theory]
    [InlineData("PermitsPerMinute", "0")]
    [InlineData("Burst", "-1")]
    public void A_limit_below_one_stops_the_start_naming_the_setting(string setting, string value)
    {
        Should.Throw<InvalidOperationException>(() => Read(($"CommandRateLimits:auditor:{setting}", value)))
            .Message.ShouldContain("CommandRateLimits:auditor");
    }
}
