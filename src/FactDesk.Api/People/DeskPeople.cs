using FactDesk.Api.Http;
using Microsoft.Extensions.Options;

namespace FactDesk.Api.People;

/// <summary>Someone on the desk: a configured principal who is a person, not a tool.</summary>
public sealed record Person(string Name, string Role, bool CanBeAssigned);

/// <summary>The desk's people, read from the configured principals, so an assignee is always someone who can sign in.</summary>
public sealed class DeskPeople(IOptionsMonitor<AuthOptions> auth)
{
    public IReadOnlyList<Person> All => auth.CurrentValue.Principals
        .Where(p => p.Role is Roles.Editor or Roles.SeniorEditor or Roles.Auditor)
        .GroupBy(p => p.Name, StringComparer.Ordinal).Select(g => g.First())
        .Select(p => new Person(p.Name, p.Role, CanBeAssigned: p.Role is Roles.Editor or Roles.SeniorEditor))
        .OrderBy(p => p.Name, StringComparer.Ordinal).ToList();

    /// <summary>The assignable person with exactly this name, or null.</summary>
    public Person? Assignable(string name) => All.FirstOrDefault(p => p.CanBeAssigned && p.Name == name.Trim());

    /// <summary>Refuses (422, naming who can be chosen) an assignee who is not an editor or senior editor of the desk.</summary>
    public void RequireAssignable(string name)
    {
        if (Assignable(name) is not null) return;
        var names = string.Join(", ", All.Where(p => p.CanBeAssigned).Select(p => p.Name));
        throw Problems.Fail(Problems.Unprocessable("unknown-person", "The assignee is not on the desk.",
            $"Claims are assigned to an editor or senior editor of the desk (GET /api/people): {names}.",
            new Dictionary<string, string[]> { ["assignee"] = [$"'{name.Trim()}' is not an editor or senior editor of the desk."] }));
    }
}
