using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FactDesk.Api.Http;
using FactDesk.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Resilience.Tests;

/// <summary>A webhook in flight when the service is SIGKILLed: Wolverine's durable inbox must send it again.</summary>
public class WebhookKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_service_killed_while_a_webhook_is_in_flight_sends_it_again_after_restart_and_the_delivery_ends_delivered()
    {
        var connectionString = await PostgresServer.CreateDatabaseForAsync("webhook_kill");
        await using var receiver = await HoldingReceiver.StartAsync();
        await using var service = new ServiceProcess(connectionString, settings: new Dictionary<string, string>
        {
            ["Webhooks__AllowPrivateTargets"] = "true",
            ["Webhooks__MaxAttempts"] = "100",
            ["Webhooks__RetryBase"] = "00:00:00.100",
            ["Webhooks__RetryCap"] = "00:00:00.300",
            ["Webhooks__Timeout"] = "00:00:30",
            ["Webhooks__PollInterval"] = "00:00:00.200",
        });
        await service.StartAsync();
        using var editor = Newsroom.Client(service.BaseAddress, Roles.Editor);
        using var tool = Newsroom.Client(service.BaseAddress, Roles.Tool);
        using var auditor = Newsroom.Client(service.BaseAddress, Roles.Auditor);

        var subscribed = await editor.PostAsJsonAsync("/api/subscriptions",
            new { url = receiver.Url, secret = "a-secret-of-the-wire-desk-0123", eventTypes = new[] { "claim-flagged.v1" } });
        subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
        var subscriptionId = (await subscribed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using (var flag = new HttpRequestMessage(HttpMethod.Post, "/api/claims")
               {
                   Content = JsonContent.Create(new { quote = "Rents rose 12% last year", reason = "a rate without its source", priority = "high" }),
               })
        {
            flag.Headers.Add("Idempotency-Key", $"webhook-kill-{Guid.NewGuid():N}");
            var flagged = await tool.SendAsync(flag);
            flagged.StatusCode.ShouldBe(HttpStatusCode.Created, await flagged.Content.ReadAsStringAsync());
        }

        // The first attempt reaches the subscriber, which holds it unanswered while the service is killed.
        await receiver.FirstArrived.WaitAsync(TimeSpan.FromSeconds(60));
        await service.KillAsync();
        receiver.ReleaseFirst();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await service.StartAsync();

        var deliveries = await WaitForDeliveriesAsync(auditor, subscriptionId,
            items => items.Length == 1 && items[0].GetProperty("status").GetString() == "delivered", TimeSpan.FromSeconds(180));
        var delivered = clock.Elapsed;
        var delivery = deliveries.Single();
        delivery.GetProperty("attempts").GetInt32().ShouldBeGreaterThanOrEqualTo(2, "the attempt cut by the kill counts, and so does the one after");

        // At least once, never lost: the same delivery came again after the restart and was taken; nothing else was sent.
        var received = receiver.All;
        received.Count.ShouldBeGreaterThanOrEqualTo(2);
        received.Select(r => r.Delivery).Distinct().ShouldBe([delivery.GetProperty("id").GetGuid().ToString()]);
        received.Select(r => r.EventId).Distinct().Count().ShouldBe(1);
        received.Skip(1).ShouldContain(r => r.Answered == 200);

        ScenarioReport.Write(output, "webhook in flight at SIGKILL",
            $"{received.Count} requests for one delivery; delivered {delivered.TotalSeconds:N1} s after the restart began, after {delivery.GetProperty("attempts").GetInt32()} attempts");
    }

    private static async Task<JsonElement[]> WaitForDeliveriesAsync(HttpClient auditor, Guid subscriptionId, Func<JsonElement[], bool> done, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var page = await auditor.GetFromJsonAsync<JsonElement>($"/api/subscriptions/{subscriptionId}/deliveries");
            var items = page.GetProperty("items").EnumerateArray().ToArray();
            if (done(items)) return items;
            if (clock.Elapsed > timeout) throw new TimeoutException($"The deliveries did not settle within {timeout.TotalSeconds} s: {page}");
            await Task.Delay(200);
        }
    }

    /// <summary>A subscriber on 127.0.0.1 that holds the first request unanswered until told, and takes every later one.</summary>
    private sealed class HoldingReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<Received> _received = new();
        private readonly TaskCompletionSource _firstArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _releaseFirst = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _requests;

        public sealed record Received(string? Delivery, string EventId, int Answered);

        private HoldingReceiver(WebApplication app) => _app = app;

        public string Url => _app.Urls.Single() + "/hook";
        public Task FirstArrived => _firstArrived.Task;
        public IReadOnlyList<Received> All => _received.ToArray();
        public void ReleaseFirst() => _releaseFirst.TrySetResult();

        public static async Task<HoldingReceiver> StartAsync()
        {
            var app = LoopbackApp.Create();
            var receiver = new HoldingReceiver(app);
            app.Run(receiver.HandleAsync);
            await app.StartAsync();
            return receiver;
        }

        private async Task HandleAsync(HttpContext http)
        {
            var json = await JsonSerializer.DeserializeAsync<JsonElement>(http.Request.Body);
            var eventId = json.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "";
            var delivery = http.Request.Headers["X-FactDesk-Delivery"].ToString();
            if (Interlocked.Increment(ref _requests) == 1)
            {
                _received.Enqueue(new Received(delivery, eventId, 0));
                _firstArrived.TrySetResult();
                // Unanswered until the service that sent it is dead; the answer then goes nowhere.
                await _releaseFirst.Task.WaitAsync(TimeSpan.FromSeconds(90));
                return;
            }
            _received.Enqueue(new Received(delivery, eventId, 200));
            http.Response.StatusCode = 200;
        }

        public async ValueTask DisposeAsync()
        {
            _releaseFirst.TrySetResult();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
