using System.Diagnostics;
using System.Net;
using FactDesk.Api.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace FactDesk.Api.Tests.RateLimits;

/// <summary>
/// The service with tight command limits for tools, editors and senior editors: three commands at once, then one a
/// second. Each test spends the bucket of a principal no other test uses.
/// </summary>
public class ApiWithTightCommandLimits : FactDeskApi
{
    public const int Burst = 3;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        foreach (var role in new[] { Roles.Tool, Roles.Editor, Roles.SeniorEditor })
        {
            builder.UseSetting($"CommandRateLimits:{role}:PermitsPerMinute", "60");
            builder.UseSetting($"CommandRateLimits:{role}:Burst", Burst.ToString());
        }
    }
}

public class CommandRateLimitTests(ApiWithTightCommandLimits api) : IClassFixture<ApiWithTightCommandLimits>
{
    private static Task<HttpResponseMessage> FlagAsync(HttpClient client) =>
        client.PostJsonAsync("/api/claims", new { quote = $"Rents rose {Guid.NewGuid():N}% last year", reason = "a rate" });

    /// <summary>Sends commands until one is refused; the bucket refills one a second, so a slow machine needs a few more.</summary>
    private static async Task<HttpResponseMessage> SpendBucketAsync(HttpClient client)
    {
        for (var sent = 0; sent < ApiWithTightCommandLimits.Burst + 20; sent++)
        {
            var response = await FlagAsync(client);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) return response;
            response.StatusCode.ShouldBe(HttpStatusCode.Created);
        }
        throw new ShouldAssertException("No command was refused.");
    }

    [Fact]
    public async Task A_tool_over_its_limit_gets_429_problem_json_with_Retry_After_and_nothing_is_stored()
    {
        var tool = api.Tool;
        await SpendBucketAsync(tool);

        var before = await api.CountEventsAsync();
        var refused = await FlagAsync(tool);
        var after = await api.CountEventsAsync();

        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await refused.ReadJsonAsync();
        problem.GetProperty("type").GetString().ShouldBe(Problems.TypeBase + "too-many-commands");
        problem.GetProperty("status").GetInt32().ShouldBe(429);
        problem.GetProperty("detail").GetString()!.ShouldContain("cms-plugin");
        refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ShouldBeInRange(1, 60);
        after.ShouldBe(before);
    }

    [Fact]
    public async Task One_principal_over_its_limit_does_not_hold_back_another_of_the_same_role()
    {
        (await SpendBucketAsync(api.Editor)).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);

        (await FlagAsync(api.SecondEditor)).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Reads_are_not_limited_when_the_principal_has_no_commands_left()
    {
        var reader = api.SecondSenior;
        (await SpendBucketAsync(reader)).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);

        for (var i = 0; i < ApiWithTightCommandLimits.Burst * 5; i++)
            (await reader.GetAsync("/api/queue")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_command_retried_after_its_Retry_After_succeeds()
    {
        var senior = api.Senior;
        var refused = await SpendBucketAsync(senior);

        // Wait as a client would, for the time the service named; the bucket refills in steps, so one more wait may be due.
        var clock = Stopwatch.StartNew();
        var retryAfter = refused.Headers.RetryAfter!.Delta!.Value;
        var deadline = retryAfter * 5;
        HttpResponseMessage retried;
        do
        {
            await Task.Delay(retryAfter);
            retried = await FlagAsync(senior);
            if (retried.StatusCode == HttpStatusCode.TooManyRequests) retryAfter = retried.Headers.RetryAfter!.Delta!.Value;
        } while (retried.StatusCode == HttpStatusCode.TooManyRequests && clock.Elapsed < deadline);

        retried.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public void Every_command_route_under_api_and_no_read_is_rate_limited()
    {
        var routes = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .Select(e => (
                Route: $"{string.Join(",", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])} {e.RoutePattern.RawText}",
                IsCommand: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Any(m => m is "POST" or "PUT" or "PATCH" or "DELETE") == true,
                Limited: e.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == CommandRateLimits.Policy))
            .ToList();

        routes.Count(r => r.IsCommand).ShouldBeGreaterThan(15);
        routes.Where(r => r.IsCommand != r.Limited).Select(r => r.Route).ShouldBeEmpty();
    }
}
