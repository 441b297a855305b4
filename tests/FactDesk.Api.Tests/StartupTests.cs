using FactDesk.Api.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using Shouldly;

namespace FactDesk.Api.Tests;

/// <summary>A service nobody could sign in to refuses to start, and says what to configure.</summary>
public class StartupTests
{
    [Fact]
    public void A_service_with_no_principals_refuses_to_start_saying_why()
    {
        using var factory = Service([]);
        var error = Should.Throw<OptionsValidationException>(() => factory.CreateClient());
        error.Message.ShouldContain("Auth:Principals is empty");
        error.Message.ShouldContain("Auth__Principals__0__TokenSha256");
    }

    [Fact]
    public void A_principal_without_a_token_digest_or_with_an_unknown_role_refuses_to_start_naming_it()
    {
        using var factory = Service([("cms-plugin", Roles.Tool, ""), ("Mara Lind", "chief", BearerTokenHandler.HashToken("t"))]);
        var error = Should.Throw<OptionsValidationException>(() => factory.CreateClient());
        error.Message.ShouldContain("Auth:Principals:0 (cms-plugin) has no valid TokenSha256");
        error.Message.ShouldContain("Auth:Principals:1 (Mara Lind) has role 'chief'");
    }

    [Fact]
    public void Principals_with_names_known_roles_and_token_digests_pass_the_check()
    {
        PrincipalsCheck().ShouldBeEmpty();

        static List<string> PrincipalsCheck() => Hosting.PrincipalsCheck.Problems(new AuthOptions
        {
            Principals = [new PrincipalOptions { Name = "cms-plugin", Role = Roles.Tool, TokenSha256 = BearerTokenHandler.HashToken("tool-token") }],
        });
    }

    private static WebApplicationFactory<Program> Service((string Name, string Role, string TokenSha256)[] principals) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            // Never reached: the check fails before anything connects.
            builder.UseSetting("ConnectionStrings:FactDesk", "Host=127.0.0.1;Port=1;Username=nobody;Timeout=1");
            builder.UseSetting("Metrics:Url", "off");
            for (var i = 0; i < principals.Length; i++)
            {
                builder.UseSetting($"Auth:Principals:{i}:Name", principals[i].Name);
                builder.UseSetting($"Auth:Principals:{i}:Role", principals[i].Role);
                builder.UseSetting($"Auth:Principals:{i}:TokenSha256", principals[i].TokenSha256);
            }
            builder.UseEnvironment("Testing");
        });
}
