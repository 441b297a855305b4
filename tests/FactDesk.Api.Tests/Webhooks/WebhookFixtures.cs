using System.Net;
using System.Text.Json;
using FactDesk.Api.Claims;
using FactDesk.Api.Http;
using FactDesk.Api.Webhooks;
using FactDesk.TamperEvidence;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace FactDesk.Api.Tests.Webhooks;

/// <summary>The service with a retry schedule in milliseconds: four attempts, 20-100 ms apart, so dead letters come quickly.</summary>
public class ApiSendingWebhooksFast : FactDeskApi
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Webhooks:MaxAttempts", "4");
        builder.UseSetting("Webhooks:RetryBase", "00:00:00.020");
        builder.UseSetting("Webhooks:RetryCap", "00:00:00.100");
        builder.UseSetting("Webhooks:Timeout", "00:00:03");
        builder.UseSetting("Webhooks:PollInterval", "00:00:00.100");
    }
}

/// <summary>
/// The production setting: targets inside are refused. Host names are answered by <see cref="ScriptedHostLookup"/>,
/// so a name can be made to change its answer between subscribing and sending.
/// </summary>
public class ApiRefusingPrivateTargets : ApiSendingWebhooksFast
{
    public ScriptedHostLookup Lookup { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Webhooks:AllowPrivateTargets", "false");
        builder.ConfigureTestServices(services => services.AddSingleton<IHostLookup>(Lookup));
    }
}

/// <summary>DNS as the test scripts it: each lookup of a name takes the next answer (the last one repeats); unknown names do not resolve.</summary>
public sealed class ScriptedHostLookup : IHostLookup
{
    private readonly Dictionary<string, Queue<IPAddress[]>> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    public void Answer(string host, params string[][] answers)
    {
        lock (_gate) _answers[host] = new Queue<IPAddress[]>(answers.Select(a => a.Select(IPAddress.Parse).ToArray()));
    }

    public Task<IPAddress[]> LookupAsync(string host, CancellationToken ct)
    {
        lock (_gate)
        {
            if (!_answers.TryGetValue(host, out var queue) || queue.Count == 0)
                throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound);
            return Task.FromResult(queue.Count > 1 ? queue.Dequeue() : queue.Peek());
        }
    }
}

/// <summary>The service on a database that outlives it, with a slow enough retry schedule that deliveries stay pending across a restart.</summary>
public sealed class ApiOnLastingDatabase(string connectionString) : FactDeskApi
{
    public override async Task InitializeAsync()
    {
        _ = Server;
        await Services.GetRequiredService<Hosting.SchemaState>().Migrated.WaitAsync(TimeSpan.FromSeconds(30));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("ConnectionStrings:FactDesk", connectionString);
        builder.UseSetting("Webhooks:MaxAttempts", "100");
        builder.UseSetting("Webhooks:RetryBase", "00:00:00.100");
        builder.UseSetting("Webhooks:RetryCap", "00:00:00.300");
        builder.UseSetting("Webhooks:Timeout", "00:00:03");
        builder.UseSetting("Webhooks:PollInterval", "00:00:00.100");
    }
}

/// <summary>Steps the webhook tests share.</summary>
public static class WebhookSteps
{
    public const string Secret = "a-shared-secret-of-the-newsroom-tool";

    public static async Task<Guid> SubscribeAsync(this FactDeskApi api, string url, params string[] eventTypes)
    {
        var response = await api.Editor.PostJsonAsync("/api/subscriptions", new { url, secret = Secret, eventTypes });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).GetProperty("id").GetGuid();
    }

    public static async Task UnsubscribeAsync(this FactDeskApi api, Guid subscriptionId) =>
        (await api.Editor.DeleteAsync($"/api/subscriptions/{subscriptionId}")).StatusCode.ShouldBe(HttpStatusCode.OK);

    /// <summary>Appends a further event to a claim's stream straight through the store (the workflow slices live elsewhere).</summary>
    public static async Task<Guid> AssignAsync(this FactDeskApi api, Guid claimId, string assignee, Guid? eventId = null)
    {
        var id = eventId ?? Guid.NewGuid();
        await api.Store.AppendAsync(claimId, Claim.StreamType, ExpectedVersion.Any,
            [new EventToAppend(id, new ClaimAssigned(claimId, assignee, new Actor("Mara Lind", Roles.Editor), DateTimeOffset.UtcNow))],
            new EventMetadata("Mara Lind", Roles.Editor, Guid.NewGuid().ToString(), Guid.NewGuid().ToString()));
        return id;
    }

    public static async Task<JsonElement[]> DeliveriesAsync(this FactDeskApi api, Guid subscriptionId, string? status = null)
    {
        var response = await api.Auditor.GetAsync($"/api/subscriptions/{subscriptionId}/deliveries" + (status is null ? "" : "?status=" + status));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (await response.ReadJsonAsync()).GetProperty("items").EnumerateArray().ToArray();
    }

    /// <summary>Polls the deliveries of a subscription until the condition holds.</summary>
    public static async Task<JsonElement[]> WaitForDeliveriesAsync(this FactDeskApi api, Guid subscriptionId, Func<JsonElement[], bool> done, TimeSpan? timeout = null)
    {
        var limit = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var rows = await api.DeliveriesAsync(subscriptionId);
            if (done(rows)) return rows;
            if (DateTime.UtcNow > limit) throw new TimeoutException("Deliveries did not reach the expected state: " + string.Join(", ", rows.Select(r => r.ToString())));
            await Task.Delay(50);
        }
    }
}
