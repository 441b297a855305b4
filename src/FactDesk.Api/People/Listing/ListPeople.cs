using FactDesk.Api.Http;

namespace FactDesk.Api.People.Listing;

/// <summary>The answer of <c>GET /api/people</c>.</summary>
public sealed record PeopleList(IReadOnlyList<Person> Items);

/// <summary><c>GET /api/people</c>: who is on the desk, so tools and pages offer a choice of assignee instead of free text.</summary>
public sealed class ListPeopleEndpoint : IEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/people", (DeskPeople people) => Reads.Json(new PeopleList(people.All)))
            .RequireAuthorization(Roles.May.Read)
            .WithName("ListPeople").WithTags("People")
            .WithDescription("The desk's editors, senior editors and auditors (from the configured principals); canBeAssigned marks who may be given a claim.")
            .Produces<PeopleList>().ProducesProblem(401);
}
