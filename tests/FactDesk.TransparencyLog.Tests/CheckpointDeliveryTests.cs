using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using FactDesk.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Shouldly;

namespace FactDesk.TransparencyLog.Tests;

/// <summary>Signed checkpoints go to webhook subscribers as CloudEvents, without ever growing the log they sign.</summary>
public class CheckpointDeliveryTests(TransparentDesk desk) : IClassFixture<TransparentDesk>
{
    [Fact]
    public async Task A_subscriber_receives_each_new_checkpoint_signed_and_the_log_does_not_grow_from_it()
    {
        var received = new ConcurrentQueue<JsonElement>();
        await using var receiver = LoopbackApp.Create();
        receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            received.Enqueue(JsonDocument.Parse(await new StreamReader(request.Body).ReadToEndAsync()).RootElement.Clone());
            return Results.Ok();
        });
        await receiver.StartAsync();

        using (var editor = desk.Client("editor-token"))
        {
            var subscribed = await editor.PostAsJsonAsync("/api/subscriptions",
                new { url = receiver.Urls.Single() + "/hook", eventTypes = new[] { "transparency-checkpoint" } });
            subscribed.EnsureSuccessStatusCode();
        }
        await desk.FlagClaimAsync("Half of all voters stayed home");
        var size = await desk.CheckpointAsync();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement? delivered = null;
        while (delivered is null && DateTime.UtcNow < deadline)
        {
            delivered = received.Cast<JsonElement?>().FirstOrDefault(e => e!.Value.GetProperty("data").GetProperty("treeSize").GetInt64() == size);
            if (delivered is null) await Task.Delay(50);
        }
        delivered.ShouldNotBeNull($"no checkpoint of size {size} was delivered");
        var cloudEvent = delivered.Value;
        cloudEvent.GetProperty("specversion").GetString().ShouldBe("1.0");
        cloudEvent.GetProperty("type").GetString().ShouldBe("factdesk.transparency-checkpoint.v1");
        var text = NoteVerifier.Parse(desk.VerifierKey).Open(cloudEvent.GetProperty("data").GetProperty("checkpoint").GetString()!);
        Checkpoint.Parse(text).TreeSize.ShouldBe(size);
        // Only checkpoints were asked for: no event of the log was sent.
        received.ShouldAllBe(e => e.GetProperty("type").GetString() == "factdesk.transparency-checkpoint.v1");

        // Nothing the checkpoint caused went into the log: its events are exactly what was signed.
        await desk.Runner.CatchUpAsync(TimeSpan.FromSeconds(30));
        await using var cmd = desk.Db.CreateCommand("select count(*) from factdesk.mt_events");
        ((long)(await cmd.ExecuteScalarAsync())!).ShouldBe(size);
    }
}

/// <summary>Production without a signing key does not start, and says why.</summary>
public class SigningKeyRequiredTests
{
    private sealed class ProductionWithoutKey : WebApplicationFactory<Program>
    {
        public string ConnectionString { get; init; } = "";
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("ConnectionStrings:FactDesk", ConnectionString);
            builder.UseSetting("Metrics:Url", "off");
            builder.UseSetting("Auth:Principals:0:Name", "cms-plugin");
            builder.UseSetting("Auth:Principals:0:Role", "tool");
            builder.UseSetting("Auth:Principals:0:TokenSha256", Api.Http.BearerTokenHandler.HashToken("tool-token"));
            builder.UseEnvironment("Production");
        }
    }

    [Fact]
    public async Task Production_refuses_to_start_without_a_checkpoint_signing_key()
    {
        await using var factory = new ProductionWithoutKey { ConnectionString = await Testing.PostgresServer.CreateDatabaseForAsync("nokey") };
        var error = Should.Throw<Exception>(() => factory.CreateClient());
        var messages = string.Join(" | ", Enumerable.Repeat(error, 1).Concat(error is AggregateException a ? a.InnerExceptions : []).Select(e => e.Message + " " + e.InnerException?.Message));
        messages.ShouldContain("will not start in Production without a transparency log signing key");
    }
}
