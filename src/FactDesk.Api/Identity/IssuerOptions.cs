using System.Security.Claims;
using FactDesk.Api.Http;

namespace FactDesk.Api.Identity;

/// <summary>
/// The newsroom's OpenID Connect issuer (<c>Identity:*</c>). Unset, FactDesk knows only its configured static tokens.
/// <c>Identity:Roles</c> maps the issuer's role values to FactDesk's roles (<c>Identity:Roles:fact-desk-editors = editor</c>);
/// without a mapping the issuer's values must be FactDesk's role names themselves.
/// </summary>
public sealed class IssuerOptions
{
    public const string Section = "Identity";

    /// <summary>The issuer's address; its discovery document is <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }
    /// <summary>The audience bearer tokens must name (the API's identifier at the issuer).</summary>
    public string? Audience { get; set; }
    /// <summary>The claim carrying the person's roles or groups at the issuer.</summary>
    public string RoleClaim { get; set; } = "roles";
    /// <summary>The claim whose value names the person on every event (then <c>preferred_username</c>, <c>name</c>, <c>sub</c>).</summary>
    public string NameClaim { get; set; } = "name";
    public Dictionary<string, string> Roles { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Only a test issuer on 127.0.0.1 may be plain http.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
    /// <summary>The pages' client at the issuer; with it, pages sign in through the issuer (code flow with PKCE).</summary>
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    public bool AcceptsTokens => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(Audience);
    public bool SignsInPages => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);

    /// <summary>
    /// When a person holds several mapped roles, the one that may do most wins; an event records one role, and
    /// a senior editor who is also in the auditors' group acts as a senior editor.
    /// </summary>
    private static readonly string[] Precedence = [Http.Roles.SeniorEditor, Http.Roles.Editor, Http.Roles.Auditor, Http.Roles.Tool];

    public string? FactDeskRole(IEnumerable<string> issuerRoles)
    {
        var mapped = issuerRoles
            .Select(r => Roles.Count == 0 ? r : Roles.TryGetValue(r, out var role) ? role : null)
            .Where(r => r is not null && Http.Roles.All.Contains(r))
            .ToHashSet();
        return Precedence.FirstOrDefault(mapped.Contains);
    }

    public string? PersonName(ClaimsPrincipal user) =>
        new[] { NameClaim, "preferred_username", "name", "sub" }
            .Select(type => user.FindFirst(type)?.Value)
            .FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    /// <summary>
    /// FactDesk's own principal for an issuer's person: the name and one role, as a static token gives; null when the
    /// person has no FactDesk role, which FactDesk treats like an unknown token (the contract's 401: no principal).
    /// </summary>
    public ClaimsPrincipal? ToFactDeskPrincipal(ClaimsPrincipal issued, string authenticationType)
    {
        var role = FactDeskRole(issued.FindAll(RoleClaim).Select(c => c.Value));
        var name = PersonName(issued);
        if (role is null || name is null) return null;
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(ClaimTypes.Role, role) };
        if (issued.FindFirst("sub") is { } sub) claims.Add(new Claim(IssuerSubjectClaim, sub.Value));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType));
    }

    public const string IssuerSubjectClaim = "factdesk:issuer-sub";
}
