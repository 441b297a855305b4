using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Resilience.Tests;

/// <summary>
/// Connections opened past every limit (half-sent requests without a token, live feeds with one) against the built
/// service with its limits set low, so the flood stays small and quick: the service keeps answering, serves the
/// newsroom, never nears its open-file limit and recovers by itself when the flood ends. All traffic is to 127.0.0.1.
/// </summary>
public class ConnectionFloodTests(ITestOutputHelper output)
{
    private const int MaxOpen = 120;
    private const int MaxIdleUnauthenticated = 40;
    private const int FeedsPerPrincipal = 3;
    private const int FeedsInAll = 5;
    private static readonly byte[] HalfRequest = "GET / HTTP/1.1\r\nHost: x\r\n"u8.ToArray();

    [Fact]
    public async Task Half_sent_requests_and_live_feeds_past_every_limit_leave_the_service_answering_and_it_recovers_when_they_stop()
    {
        var floodSize = ScenarioReport.Setting("FLOOD_CONNECTIONS", 600);
        var connectionString = await PostgresServer.CreateDatabaseForAsync(nameof(ConnectionFloodTests));
        await using var service = new ServiceProcess(connectionString, settings: new Dictionary<string, string>
        {
            ["Connections__MaxOpen"] = MaxOpen.ToString(),
            ["Connections__MaxIdleUnauthenticated"] = MaxIdleUnauthenticated.ToString(),
            ["Connections__RequestHeadersTimeout"] = "00:00:30", // longer than the test: eviction, not the timeout, must keep room
            ["LiveFeeds__MaxPerPrincipal"] = FeedsPerPrincipal.ToString(),
            ["LiveFeeds__MaxTotal"] = FeedsInAll.ToString(),
            ["LiveFeeds__RetryAfter"] = "00:00:07",
        });
        await service.StartAsync();
        using var editor = Newsroom.Client(service.BaseAddress, Roles.Editor, TimeSpan.FromSeconds(10));
        (await editor.GetAsync("/api/queue?limit=1")).EnsureSuccessStatusCode();
        // The baseline is taken once the service is at work: a claim flagged and every async projection past it, so
        // Marten's daemon has started its agents and their connections are already counted.
        (await editor.PostAsJsonAsync("/api/claims", new { quote = "Rents rose 8% last year", reason = "before the flood" })).EnsureSuccessStatusCode();
        await EventLog.WaitForProjectionsAsync(connectionString, TimeSpan.FromSeconds(60));
        var descriptorsBefore = service.OpenDescriptors();

        // Live feeds past the principal's share and past the instance's.
        var feeds = new List<(HttpClient Client, HttpResponseMessage Response)>();
        async Task<HttpResponseMessage> OpenFeed(string role)
        {
            var client = Newsroom.Client(service.BaseAddress, role, TimeSpan.FromSeconds(10));
            var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/queue/events"), HttpCompletionOption.ResponseHeadersRead);
            feeds.Add((client, response));
            return response;
        }
        for (var i = 0; i < FeedsPerPrincipal; i++) (await OpenFeed(Roles.Tool)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var overShare = await OpenFeed(Roles.Tool);
        ((int)overShare.StatusCode).ShouldBe(429);
        overShare.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        overShare.Headers.RetryAfter?.Delta.ShouldBe(TimeSpan.FromSeconds(7));
        for (var i = 0; i < FeedsInAll - FeedsPerPrincipal; i++) (await OpenFeed(Roles.Auditor)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var overAll = await OpenFeed(Roles.SeniorEditor);
        ((int)overAll.StatusCode).ShouldBe(503);
        overAll.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        overAll.Headers.RetryAfter?.Delta.ShouldBe(TimeSpan.FromSeconds(7));

        // Half-sent requests without a token, five times the connection limit, with the newsroom checking in between.
        var flood = new List<Socket>();
        var refusedByServer = 0;
        var peakDescriptors = 0;
        var slowestAnswer = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < floodSize; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            flood.Add(socket);
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, service.Port);
                await socket.SendAsync(HalfRequest);
            }
            catch (SocketException)
            {
                refusedByServer++;
            }
            if (i % 100 == 99)
            {
                slowestAnswer = TimeSpan.FromTicks(Math.Max(slowestAnswer.Ticks, (await NewsroomIsServedAsync(service, editor)).Ticks));
                peakDescriptors = Math.Max(peakDescriptors, service.OpenDescriptors());
                service.HasExited.ShouldBeFalse();
            }
        }
        var floodSeconds = clock.Elapsed.TotalSeconds;
        var heldByService = flood.Count(IsOpen);
        heldByService.ShouldBeLessThanOrEqualTo(MaxIdleUnauthenticated + 5, "half-sent requests were not closed to make room");
        peakDescriptors.ShouldBeLessThan(descriptorsBefore + MaxOpen + 20, "the service held more connections than its limit");
        // Once more at the peak: a new editor request, a live check, and the feeds that were let in still open.
        await NewsroomIsServedAsync(service, editor);
        feeds.Count(f => f.Response.StatusCode == HttpStatusCode.OK).ShouldBe(FeedsInAll);

        // The flood ends: sockets and feeds close; the service gives back its descriptors and its feed places.
        foreach (var socket in flood) socket.Dispose();
        foreach (var (client, response) in feeds)
        {
            response.Dispose();
            client.Dispose();
        }
        var recovery = Stopwatch.StartNew();
        var recovered = false;
        while (recovery.Elapsed < TimeSpan.FromSeconds(20) && !recovered)
        {
            using var tool = Newsroom.Client(service.BaseAddress, Roles.Tool, TimeSpan.FromSeconds(5));
            using var feed = await tool.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/queue/events"), HttpCompletionOption.ResponseHeadersRead);
            recovered = feed.StatusCode == HttpStatusCode.OK && service.OpenDescriptors() <= descriptorsBefore + 10;
            if (!recovered) await Task.Delay(100);
        }
        recovered.ShouldBeTrue($"after 20 s: {service.OpenDescriptors()} descriptors against {descriptorsBefore} before the flood, or no feed place free");
        var recoverySeconds = recovery.Elapsed.TotalSeconds;
        await NewsroomIsServedAsync(service, editor);

        ScenarioReport.Write(output, "connection-flood",
            $"{floodSize} half-sent requests in {floodSeconds:0.0} s ({refusedByServer} refused at connect) and {feeds.Count} live feeds " +
            $"(limits: {MaxOpen} open, {MaxIdleUnauthenticated} idle without a token, feeds {FeedsPerPrincipal}/principal and {FeedsInAll} in all); " +
            $"held by the service at the end of the flood: {heldByService} half-sent, peak descriptors {peakDescriptors} (before {descriptorsBefore}); " +
            $"slowest newsroom answer during the flood {slowestAnswer.TotalMilliseconds:0} ms; recovered in {recoverySeconds:0.00} s");
    }

    /// <summary>/health/live on a new connection and an editor's request both answer; returns how long the slower took.</summary>
    private static async Task<TimeSpan> NewsroomIsServedAsync(ServiceProcess service, HttpClient editor)
    {
        var clock = Stopwatch.StartNew();
        using var anyone = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        using var live = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        live.Headers.ConnectionClose = true;
        (await anyone.SendAsync(live)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var flag = await editor.PostAsJsonAsync("/api/claims", new { quote = "Rents rose 9% last year", reason = "a rate during the flood" });
        flag.StatusCode.ShouldBe(HttpStatusCode.Created, await flag.Content.ReadAsStringAsync());
        (await editor.GetAsync("/api/queue?limit=5")).StatusCode.ShouldBe(HttpStatusCode.OK);
        return clock.Elapsed;
    }

    /// <summary>The server has not closed the connection: nothing to read and no end of stream.</summary>
    private static bool IsOpen(Socket socket)
    {
        try
        {
            return socket.Connected && !(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
