using System.Net;
using System.Text.Json;
using FactDesk.Api.Queue;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace FactDesk.Api.Tests.Queue;

public class FollowQueueTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    /// <summary>Reads server-sent event blocks (lines up to a blank line) until one matches or time runs out.</summary>
    private static async Task<List<string>> ReadUntilAsync(StreamReader reader, Func<List<string>, bool> wanted, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        var block = new List<string>();
        while (true)
        {
            var line = await reader.ReadLineAsync(limit.Token) ?? throw new EndOfStreamException("The event stream ended.");
            if (line.Length > 0) { block.Add(line); continue; }
            if (wanted(block)) return block;
            block = [];
        }
    }

    [Fact]
    public async Task A_watcher_is_told_of_a_flagged_claim_once_it_commits()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/queue/events");
        using var response = await api.Auditor.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var opening = await ReadUntilAsync(reader, _ => true, TimeSpan.FromSeconds(10));
        opening.ShouldHaveSingleItem().ShouldStartWith(":");

        var claim = await api.FlagClaimAsync("Crime fell by a third since 2019", priority: "high");

        var message = await ReadUntilAsync(reader, b => b.Contains("event: claim-changed") && b.Any(l => l.Contains(claim.ToString())), TimeSpan.FromSeconds(10));
        var data = JsonDocument.Parse(message.Single(l => l.StartsWith("data: "))["data: ".Length..]).RootElement;
        data.GetProperty("claimId").GetGuid().ShouldBe(claim);
        data.GetProperty("version").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task A_rolled_back_append_is_never_announced()
    {
        var notifications = api.Services.GetRequiredService<QueueNotifications>();
        await notifications.Listening.WaitAsync(TimeSpan.FromSeconds(10));
        using var subscription = notifications.Subscribe();
        var claim = Guid.NewGuid();
        await using (var connection = await api.Store.DataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using var notify = new Npgsql.NpgsqlCommand($"select pg_notify('{ReviewQueueProjection.Channel}', '{{\"claimId\":\"{claim}\",\"version\":1}}')", connection);
            await notify.ExecuteNonQueryAsync();
            await tx.RollbackAsync();
        }
        var committed = await api.FlagAsync();

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<Guid>();
        while (!seen.Contains(committed))
            if (await subscription.Notices.ReadAsync(limit.Token) is QueueNotice.Changed changed) seen.Add(changed.Change.ClaimId);
        seen.ShouldNotContain(claim);
    }

    [Fact]
    public async Task Following_the_queue_needs_a_token()
    {
        (await api.Anonymous.GetAsync("/api/queue/events")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
