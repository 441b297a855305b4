using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Shouldly;

namespace FactDesk.Resilience.Tests;

/// <summary>
/// The built service as an operator runs it, with JSON console logs: a log line names the trace of the request it was
/// written in, and the scrape endpoint answers on its own management port, never on the public one.
/// </summary>
public class TelemetryProcessTests
{
    [Fact]
    public async Task Json_logs_carry_the_trace_id_and_metrics_answer_only_on_the_management_port()
    {
        var connectionString = await PostgresServer.CreateDatabaseForAsync("telemetry_process");
        await using var service = new ServiceProcess(connectionString, settings: new Dictionary<string, string>
        {
            ["Logging__Console__FormatterName"] = "json",
            // ASP.NET Core's own "Request starting" line, written inside the request's span.
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        });
        await service.StartAsync();
        using var tool = Newsroom.Client(service.BaseAddress, Roles.Tool);

        var traceId = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/claims")
        {
            Content = new StringContent("""{"quote":"Wages rose 4% in May","reason":"a rate"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        (await tool.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement? line = null;
        while (line is null)
        {
            foreach (var text in service.Output.Where(l => l.Contains(traceId.ToString(), StringComparison.Ordinal)))
            {
                using var json = JsonDocument.Parse(text); // every line is one JSON object
                if (json.RootElement.GetProperty("Scopes").EnumerateArray()
                    .Any(s => s.TryGetProperty("TraceId", out var id) && id.GetString() == traceId.ToString()))
                    line = json.RootElement.Clone();
            }
            if (line is null && DateTime.UtcNow > limit) throw new TimeoutException("No JSON log line names the trace:\n" + string.Join('\n', service.Output.TakeLast(20)));
            if (line is null) await Task.Delay(50);
        }
        line.Value.GetProperty("Category").GetString().ShouldNotBeNullOrEmpty();

        using var scraper = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var scrape = await scraper.GetStringAsync($"http://127.0.0.1:{service.MetricsPort}/metrics");
        scrape.ShouldContain("factdesk_commands_total{");
        scrape.ShouldContain("command=\"FlagClaim\"");
        // The public address has no such route, with or without a token.
        (await tool.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await scraper.GetAsync(new Uri(service.BaseAddress, "/metrics"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_second_instance_on_a_taken_metrics_port_serves_without_metrics_and_says_so()
    {
        var connectionString = await PostgresServer.CreateDatabaseForAsync("telemetry_port_taken");
        await using var first = new ServiceProcess(connectionString);
        await first.StartAsync();
        await using var second = new ServiceProcess(connectionString, settings: new Dictionary<string, string>
        {
            ["Metrics__Url"] = $"http://127.0.0.1:{first.MetricsPort}",
        });
        await second.StartAsync();
        using var client = Newsroom.Client(second.BaseAddress, Roles.Tool);
        (await client.GetAsync("/api/queue")).StatusCode.ShouldBe(HttpStatusCode.OK);
        second.Output.ShouldContain(l => l.Contains("is in use by another process", StringComparison.Ordinal));
    }
}
