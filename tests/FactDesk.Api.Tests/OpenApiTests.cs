using System.Net;
using Shouldly;

namespace FactDesk.Api.Tests;

public class OpenApiTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    /// <summary>Every route of docs/http-contract.md, as tools are written against it.</summary>
    public static readonly TheoryData<string, string> ContractRoutes = new()
    {
        { "POST", "/api/documents" }, { "GET", "/api/documents/{id}" },
        { "POST", "/api/claims" }, { "GET", "/api/claims/{id}" }, { "GET", "/api/claims/{id}/history" }, { "GET", "/api/claims/{id}/claimreview" },
        { "POST", "/api/claims/{id}/assignment" }, { "POST", "/api/claims/{id}/sources" }, { "POST", "/api/claims/{id}/sources/{sourceId}/retraction" },
        { "POST", "/api/claims/{id}/verdict" }, { "POST", "/api/claims/{id}/verdict/approval" }, { "POST", "/api/claims/{id}/verdict/rejection" },
        { "POST", "/api/claims/{id}/publication" }, { "POST", "/api/claims/{id}/reopening" }, { "POST", "/api/claims/{id}/dismissal" },
        { "POST", "/api/discrepancies" }, { "GET", "/api/discrepancies" }, { "GET", "/api/discrepancies/{id}" }, { "POST", "/api/discrepancies/{id}/resolution" },
        { "POST", "/api/subscriptions" }, { "GET", "/api/subscriptions" }, { "DELETE", "/api/subscriptions/{id}" },
        { "GET", "/api/queue" }, { "GET", "/api/audit" }, { "GET", "/api/audit/verification" },
        { "GET", "/health/live" }, { "GET", "/health/ready" },
    };

    [Theory]
    [MemberData(nameof(ContractRoutes))]
    public async Task The_openapi_document_describes_every_contract_route(string method, string path)
    {
        var response = await api.Anonymous.GetAsync("/openapi/v1.json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var paths = (await response.ReadJsonAsync()).GetProperty("paths");
        paths.TryGetProperty(path, out var operations).ShouldBeTrue($"{path} is missing");
        operations.TryGetProperty(method.ToLowerInvariant(), out _).ShouldBeTrue($"{method} {path} is missing");
    }

    [Fact]
    public async Task The_openapi_document_declares_bearer_authentication()
    {
        var document = await (await api.Anonymous.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString().ShouldBe("bearer");
    }
}
