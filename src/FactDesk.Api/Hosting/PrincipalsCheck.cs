using FactDesk.Api.Http;
using Microsoft.Extensions.Options;

namespace FactDesk.Api.Hosting;

/// <summary>
/// Refuses to start a service that could authenticate nobody: no <c>Auth:Principals</c>, or a principal without a
/// name, a known role or the SHA-256 of its token. Such a service would answer 401 to everything and look broken; the
/// start-up error says what to configure instead.
/// </summary>
public static class PrincipalsCheck
{
    public static IServiceCollection AddPrincipalsCheck(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, Validation>();
        return services;
    }

    private const string HowTo =
        "Configure at least one principal: Auth__Principals__0__Name, Auth__Principals__0__Role (tool, editor, senior-editor " +
        "or auditor) and Auth__Principals__0__TokenSha256 (printf '%s' \"$TOKEN\" | sha256sum). ops/run and docker-compose.yml " +
        "configure dev principals and print or document their tokens.";

    public static List<string> Problems(AuthOptions options)
    {
        if (options.Principals.Count == 0)
            return [$"FactDesk will not start without principals: Auth:Principals is empty, so every request would be refused. {HowTo}"];
        var problems = new List<string>();
        for (var i = 0; i < options.Principals.Count; i++)
        {
            var p = options.Principals[i];
            if (string.IsNullOrWhiteSpace(p.Name)) problems.Add($"Auth:Principals:{i} has no Name.");
            if (!Roles.All.Contains(p.Role)) problems.Add($"Auth:Principals:{i} ({p.Name}) has role '{p.Role}'; expected one of {string.Join(", ", Roles.All)}.");
            if (p.TokenSha256.Length != 64 || !p.TokenSha256.All(Uri.IsHexDigit))
                problems.Add($"Auth:Principals:{i} ({p.Name}) has no valid TokenSha256 (64 hex digits, the SHA-256 of the token): nobody could sign in as it.");
        }
        if (problems.Count > 0) problems.Add(HowTo);
        return problems;
    }

    private sealed class Validation : IValidateOptions<AuthOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthOptions options)
        {
            var problems = Problems(options);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
