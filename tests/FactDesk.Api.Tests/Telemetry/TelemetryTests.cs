using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using FactDesk.Api.Http;
using FactDesk.Api.Tests.Webhooks;
using FactDesk.TamperEvidence;
using FactDesk.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using OpenTelemetry.Trace;
using Shouldly;

namespace FactDesk.Api.Tests.Telemetry;

/// <summary>The service with its Prometheus endpoint on a free management port and every finished span kept in memory.</summary>
public class ApiWithTelemetry : ApiSendingWebhooksFast
{
    public int MetricsPort { get; } = PostgresServer.FreePort();
    public SpanLog Spans { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Metrics:Url", $"http://127.0.0.1:{MetricsPort}");
        builder.ConfigureTestServices(services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Spans)));
    }

    /// <summary>Reads the management address until the scrape satisfies the condition; fails the test on timeout.</summary>
    public async Task<string> ScrapeUntilAsync(Func<string, bool> done)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var response = await client.GetAsync($"http://127.0.0.1:{MetricsPort}/metrics");
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var text = await response.Content.ReadAsStringAsync();
            if (done(text)) return text;
            if (DateTime.UtcNow > limit) throw new TimeoutException("The scrape never showed what was expected:\n" + text);
            await Task.Delay(100);
        }
    }
}

/// <summary>Finished spans, as the in-memory exporter hands them over (from any thread).</summary>
public sealed class SpanLog : ICollection<Activity>
{
    private readonly List<Activity> _spans = [];
    private readonly Lock _gate = new();
    public Activity[] Snapshot() { lock (_gate) return [.. _spans]; }
    public void Add(Activity item) { lock (_gate) _spans.Add(item); }
    public void Clear() { lock (_gate) _spans.Clear(); }
    public bool Contains(Activity item) { lock (_gate) return _spans.Contains(item); }
    public void CopyTo(Activity[] array, int arrayIndex) { lock (_gate) _spans.CopyTo(array, arrayIndex); }
    public bool Remove(Activity item) { lock (_gate) return _spans.Remove(item); }
    public int Count { get { lock (_gate) return _spans.Count; } }
    public bool IsReadOnly => false;
    public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)Snapshot()).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Runs with no other test host alive: every host in the process makes a meter named FactDesk and the ASP.NET Core
/// meters, and OpenTelemetry's listener for this host's scrape would otherwise also meet theirs.
/// </summary>
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryAlone;

[Collection(nameof(TelemetryTests))]
public class TelemetryTests(ApiWithTelemetry api, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ApiWithTelemetry>
{
    /// <summary>The value of the first sample of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>, or null.</summary>
    private static double? Sample(string scrape, string metric, params string[] labels)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (!line.StartsWith(metric + "{", StringComparison.Ordinal)) continue;
            var close = line.LastIndexOf('}');
            var labelText = line[(metric.Length + 1)..close];
            if (labels.All(l => labelText.Contains(l, StringComparison.Ordinal)))
                return double.Parse(line[(close + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return null;
    }

    [Fact]
    public async Task Commands_appends_and_projection_lag_are_scraped_on_the_management_address_with_their_tags()
    {
        await api.FlagClaimAsync("Rents rose 7% last year");
        await api.FlagClaimAsync("Rents rose 9% last year");
        (await api.Tool.PostJsonAsync("/api/claims", new { quote = "Rents rose 3% last year" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await api.Auditor.PostJsonAsync("/api/claims", new { quote = "Rents rose 4% last year", reason = "a rate" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var asyncProjections = api.Store.Options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Async).Select(p => p.Name).ToArray();
        asyncProjections.ShouldContain("ledger");
        var scrape = await api.ScrapeUntilAsync(text =>
            Sample(text, "factdesk_commands_total", "command=\"FlagClaim\"", "outcome=\"ok\"") >= 2
            && Sample(text, "factdesk_commands_total", "command=\"FlagClaim\"", "outcome=\"invalid\"") >= 1
            && Sample(text, "factdesk_commands_total", "command=\"FlagClaim\"", "outcome=\"forbidden\"") >= 1
            && asyncProjections.All(p => Sample(text, "factdesk_projection_lag_events", $"projection=\"{p}\"") is not null));

        // Latency: a histogram per command type and outcome, every answered command in its count.
        Sample(scrape, "factdesk_command_duration_seconds_count", "command=\"FlagClaim\"", "outcome=\"ok\"").ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(2);
        Sample(scrape, "factdesk_command_duration_seconds_bucket", "command=\"FlagClaim\"", "outcome=\"ok\"", "le=\"+Inf\"").ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(2);
        Sample(scrape, "factdesk_events_appended_total", "stream_type=\"claim\"").ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(2);
        // Group commit: at least the two claims' appends (the size histogram's sum) in at least one transaction (its
        // count), no more transactions than appends, each timed, and none larger than a batch may be.
        var commits = Sample(scrape, "factdesk_group_commit_size_count").ShouldNotBeNull();
        var appends = Sample(scrape, "factdesk_group_commit_size_sum").ShouldNotBeNull();
        commits.ShouldBeGreaterThanOrEqualTo(1);
        appends.ShouldBeGreaterThanOrEqualTo(2);
        appends.ShouldBeGreaterThanOrEqualTo(commits);
        Sample(scrape, "factdesk_group_commit_size_bucket", "le=\"64\"").ShouldBe(commits);
        Sample(scrape, "factdesk_group_commit_duration_seconds_count").ShouldBe(commits);
        Sample(scrape, "factdesk_group_commit_duration_seconds_sum").ShouldNotBeNull().ShouldBeGreaterThan(0);
        foreach (var projection in asyncProjections)
        {
            Sample(scrape, "factdesk_projection_lag_events", $"projection=\"{projection}\"").ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(0);
            Sample(scrape, "factdesk_projection_lag_seconds", $"projection=\"{projection}\"").ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(0);
        }
        // The libraries' own instruments come along: ASP.NET Core's request duration.
        scrape.ShouldContain("http_server_request_duration_seconds_bucket");
    }

    [Fact]
    public async Task Sign_in_failures_are_counted_without_the_credential()
    {
        var intruder = api.CreateClient();
        intruder.DefaultRequestHeaders.Authorization = new("Bearer", "not-a-desk-token-5521");
        (await intruder.GetAsync("/api/queue")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var scrape = await api.ScrapeUntilAsync(text => Sample(text, "factdesk_signin_failures_total", "scheme=\"token\"", "reason=\"unknown\"") >= 1);
        scrape.ShouldNotContain("not-a-desk-token-5521");
    }

    [Fact]
    public async Task Metrics_are_not_served_on_the_public_address()
    {
        (await api.Anonymous.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Auditor.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // ... while the management address answers it.
        (await api.ScrapeUntilAsync(text => text.Contains("# TYPE", StringComparison.Ordinal))).ShouldContain("# TYPE");
    }

    [Fact]
    public async Task One_trace_follows_a_command_from_the_request_through_the_append_to_the_webhook_delivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        (await api.Editor.PostJsonAsync("/api/subscriptions", new { url = receiver.Url, eventTypes = new[] { "claim-flagged" } }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);

        var traceId = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/claims")
        {
            Content = JsonContent.Create(new { quote = "Exports fell 12% in March", reason = "a rate" }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var flagged = await api.Tool.SendAsync(request);
        flagged.StatusCode.ShouldBe(HttpStatusCode.Created);
        var claimId = (await flagged.ReadJsonAsync()).GetProperty("id").GetString();

        var delivered = (await receiver.WaitUntilAsync(all => all.Any(r => r.Subject == claimId && r.Accepted))).First(r => r.Subject == claimId);
        // The subscriber's request carries the same trace: its traceparent names the command's trace id.
        delivered.Headers["traceparent"].ToString().ShouldStartWith($"00-{traceId}-");

        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        Activity[] trace;
        while (true)
        {
            trace = api.Spans.Snapshot().Where(s => s.TraceId == traceId).ToArray();
            if (trace.Any(s => s.DisplayName == "webhook deliver") && trace.Any(s => s.Source.Name == "System.Net.Http")) break;
            if (DateTime.UtcNow > limit) throw new TimeoutException("The trace never reached the delivery: " + string.Join(", ", trace.Select(s => $"{s.Source.Name}/{s.DisplayName}")));
            await Task.Delay(50);
        }

        foreach (var span in trace.OrderBy(s => s.StartTimeUtc))
            output.WriteLine($"{span.StartTimeUtc:HH:mm:ss.ffffff} {span.Source.Name,-22} {span.Kind,-8} {span.DisplayName} span={span.SpanId} parent={span.ParentSpanId}");
        var server = trace.Single(s => s.Kind == ActivityKind.Server && s.DisplayName == "POST /api/claims");
        server.ParentSpanId.ShouldNotBe(default, "the request's own traceparent is its parent");
        var append = trace.Single(s => s.DisplayName == "factdesk append");
        append.GetTagItem("factdesk.stream.type").ShouldBe("claim");
        trace.ShouldContain(s => s.Source.Name == "Npgsql", "the database reads and writes of the command are in the trace");
        trace.ShouldContain(s => s.Source.Name == "Wolverine", "the command bus's span is in the trace");
        var delivery = trace.Single(s => s.DisplayName == "webhook deliver");
        delivery.ParentSpanId.ShouldBe(append.SpanId, "the delivery continues the append that owed it");
        var post = trace.Single(s => s.Source.Name == "System.Net.Http" && s.Kind == ActivityKind.Client);
        post.ParentSpanId.ShouldBe(delivery.SpanId);
        delivered.Headers["traceparent"].ToString().ShouldBe($"00-{traceId}-{post.SpanId}-01");
        // The subscriber (here in the same process) continues it on its side.
        trace.ShouldContain(s => s.Kind == ActivityKind.Server && s.ParentSpanId == post.SpanId);
    }
}
