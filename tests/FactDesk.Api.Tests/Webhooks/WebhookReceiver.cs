using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using FactDesk.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FactDesk.Api.Tests.Webhooks;

/// <summary>A subscriber's endpoint: a real Kestrel server on 127.0.0.1 that records every POST and answers as told.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly ConcurrentDictionary<string, int> _attemptsByEvent = new();

    /// <summary>One request as it arrived, with the status it was answered.</summary>
    public sealed record Received(string Path, byte[] Body, JsonElement Json, string? Signature, string? ContentType, string? Delivery, int Answered,
        IHeaderDictionary Headers)
    {
        public string EventId => Json.GetProperty("id").GetString()!;
        public string Subject => Json.GetProperty("subject").GetString()!;
        public long Version => Json.GetProperty("factdeskversion").GetInt64();
        public bool Accepted => Answered is >= 200 and <= 299;
    }

    /// <summary>The status to answer, given the event id and which attempt (1, 2, ...) at that event this is.</summary>
    public Func<string, int, int> Answer { get; set; } = (_, _) => 200;

    private WebhookReceiver(WebApplication app) => _app = app;

    public string BaseUrl => _app.Urls.Single();
    public string Url => BaseUrl + "/hook";
    public int Port => new Uri(BaseUrl).Port;
    public IReadOnlyList<Received> All => _received.ToArray();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var app = LoopbackApp.Create();
        var receiver = new WebhookReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        JsonElement json;
        try { json = JsonDocument.Parse(body).RootElement.Clone(); }
        catch (JsonException) { json = JsonDocument.Parse("{}").RootElement.Clone(); }
        var eventId = json.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "";
        var attempt = _attemptsByEvent.AddOrUpdate(eventId, 1, (_, n) => n + 1);
        var status = Answer(eventId, attempt);
        _received.Enqueue(new Received(http.Request.Path, body, json, http.Request.Headers["X-FactDesk-Signature"], http.Request.ContentType,
            http.Request.Headers["X-FactDesk-Delivery"], status, new HeaderDictionary(http.Request.Headers.ToDictionary(h => h.Key, h => h.Value))));
        http.Response.StatusCode = status;
        if (status is >= 300 and <= 399) http.Response.Headers.Location = BaseUrl + "/moved";
        await http.Response.WriteAsync(Encoding.UTF8.GetString("ok"u8));
    }

    /// <summary>Waits until what was received satisfies the condition; fails the test on timeout.</summary>
    public async Task<IReadOnlyList<Received>> WaitUntilAsync(Func<IReadOnlyList<Received>, bool> done, TimeSpan? timeout = null)
    {
        var limit = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var all = All;
            if (done(all)) return all;
            if (DateTime.UtcNow > limit)
                throw new TimeoutException($"The receiver did not get what was expected; it got {all.Count} requests: " +
                    string.Join(", ", all.Select(r => $"{r.Json.GetProperty("type")}/{r.Version}->{r.Answered}")));
            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
