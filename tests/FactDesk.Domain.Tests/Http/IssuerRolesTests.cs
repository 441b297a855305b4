using System.Security.Claims;
using FactDesk.Api.Http;
using FactDesk.Api.Identity;
using Shouldly;

namespace FactDesk.Domain.Tests.Http;

public class IssuerRolesTests
{
    private static readonly IssuerOptions Mapped = new()
    {
        RoleClaim = "groups", NameClaim = "preferred_username",
        Roles = new() { ["desk"] = Roles.Editor, ["chiefs"] = Roles.SeniorEditor, ["audit"] = Roles.Auditor, ["bots"] = Roles.Tool, ["typo"] = "senior" },
    };

    private static ClaimsPrincipal Person(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "issuer"));

    [Theory]
    [InlineData(new[] { "desk" }, Roles.Editor)]
    [InlineData(new[] { "audit", "chiefs" }, Roles.SeniorEditor)]
    [InlineData(new[] { "bots", "audit" }, Roles.Auditor)]
    [InlineData(new[] { "interns", "senior-editor" }, null)]
    [InlineData(new[] { "typo" }, null)]
    [InlineData(new string[0], null)]
    public void The_issuers_groups_map_to_one_FactDesk_role_the_most_capable_winning(string[] groups, string? expected)
    {
        Mapped.FactDeskRole(groups).ShouldBe(expected);
    }

    [Fact]
    public void Without_a_mapping_the_issuers_values_must_be_FactDesk_role_names()
    {
        new IssuerOptions().FactDeskRole(["editor", "staff"]).ShouldBe(Roles.Editor);
        new IssuerOptions().FactDeskRole(["staff"]).ShouldBeNull();
    }

    [Fact]
    public void The_name_comes_from_the_configured_claim_then_the_usual_ones_and_a_person_without_a_role_has_no_principal()
    {
        var principal = Mapped.ToFactDeskPrincipal(Person(("sub", "u1"), ("name", "Rosa E."), ("preferred_username", "rosa.ek"), ("groups", "desk")), "test")!;
        principal.Actor().ShouldBe(new Actor("rosa.ek", Roles.Editor));
        Mapped.ToFactDeskPrincipal(Person(("sub", "u2"), ("groups", "desk")), "test")!.Actor().Name.ShouldBe("u2");
        Mapped.ToFactDeskPrincipal(Person(("sub", "u3"), ("name", "No Role")), "test").ShouldBeNull();
    }
}
