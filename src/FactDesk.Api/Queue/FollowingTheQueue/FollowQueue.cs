using System.Text.Json;
using FactDesk.Api.Http;

namespace FactDesk.Api.Queue.FollowingTheQueue;

/// <summary>
/// <c>GET /api/queue/events</c>: server-sent events telling an open queue page which claims changed, so it can reload
/// just those rows. Only committed changes are sent (they come from NOTIFY). A comment line every 15 s keeps proxies
/// from closing a quiet stream; <c>event: resync</c> means notices may have been missed and the page should reload.
/// </summary>
public sealed class FollowQueueEndpoint : IEndpoint
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/queue/events", async (HttpContext http, QueueNotifications notifications, LiveFeedLimits limits) =>
            {
                var ct = http.RequestAborted;
                var principal = http.User.Actor().Name;
                if (limits.TryEnter(principal) is { } refused)
                {
                    http.Response.Headers.RetryAfter = ((int)Math.Ceiling(limits.Options.RetryAfter.TotalSeconds)).ToString();
                    await Problems.Write(http, refused);
                    return;
                }
                try
                {
                    await FollowAsync(http, notifications, ct);
                }
                finally
                {
                    limits.Leave(principal);
                }
            })
            .RequireAuthorization(Roles.May.Read)
            .WithName("FollowQueue").WithTags("Queue")
            .WithDescription("Server-sent events: 'claim-changed' with {claimId, version} after each committed change to a queued claim; " +
                             "'resync' when notices may have been missed; a comment heartbeat every 15 s. Open feeds are limited per " +
                             "principal (429) and per instance (503), both with Retry-After.")
            .Produces(200, contentType: "text/event-stream").ProducesProblem(401).ProducesProblem(429).ProducesProblem(503);

    private static async Task FollowAsync(HttpContext http, QueueNotifications notifications, CancellationToken ct)
    {
        try
        {
            await notifications.Listening.WaitAsync(TimeSpan.FromSeconds(5), ct);
        }
        catch (TimeoutException)
        {
            await Problems.Write(http, Problems.Unavailable());
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        using var subscription = notifications.Subscribe();
        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        // The opening comment tells the client it is subscribed: every change committed from now on will arrive.
        await Write(http, ": following the review queue\n\n");

        using var heartbeat = new PeriodicTimer(Heartbeat);
        var tick = heartbeat.WaitForNextTickAsync(ct).AsTask();
        try
        {
            Task<bool>? ready = null;
            while (!ct.IsCancellationRequested)
            {
                ready ??= subscription.Notices.WaitToReadAsync(ct).AsTask();
                if (await Task.WhenAny(ready, tick) == tick)
                {
                    await tick;
                    await Write(http, ": heartbeat\n\n");
                    tick = heartbeat.WaitForNextTickAsync(ct).AsTask();
                    continue;
                }
                if (!await ready) break;
                ready = null;
                while (subscription.Notices.TryRead(out var notice))
                    await Write(http, notice switch
                    {
                        QueueNotice.Changed c => $"event: claim-changed\ndata: {JsonSerializer.Serialize(c.Change, JsonDefaults.Options)}\n\n",
                        _ => "event: resync\ndata: {}\n\n",
                    });
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: the normal end of a stream.
        }
    }

    private static async Task Write(HttpContext http, string text)
    {
        await http.Response.WriteAsync(text, http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }
}
