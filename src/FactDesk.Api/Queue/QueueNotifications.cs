using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using FactDesk.Api.Http;
using Npgsql;

namespace FactDesk.Api.Queue;

/// <summary>What a queue watcher is told: a claim changed, or "reload" after the listener lost notices while reconnecting.</summary>
public abstract record QueueNotice
{
    public sealed record Changed(QueueChange Change) : QueueNotice;
    public sealed record Resync : QueueNotice;
}

/// <summary>
/// Listens on the queue channel over one dedicated connection and hands every committed change to the subscribed
/// queue watchers. The connection is re-opened when the database goes away; watchers are then told to reload,
/// because notices sent while nobody listened are gone.
/// </summary>
public sealed class QueueNotifications(NpgsqlDataSource dataSource, ILogger<QueueNotifications> log) : BackgroundService
{
    private static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<Guid, Channel<QueueNotice>> _watchers = new();
    private volatile TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once LISTEN is active (again, after a reconnect).</summary>
    public Task Listening => _listening.Task;

    public int WatcherCount => _watchers.Count;

    /// <summary>Adds a watcher. A slow reader loses its oldest notices rather than holding memory without bound.</summary>
    public QueueSubscription Subscribe()
    {
        var channel = Channel.CreateBounded<QueueNotice>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var id = Guid.NewGuid();
        _watchers[id] = channel;
        return new QueueSubscription(channel.Reader, () => _watchers.TryRemove(id, out _));
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        var lostConnection = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, e) => Publish(e.Payload);
                await using (var listen = new NpgsqlCommand($"listen {ReviewQueueProjection.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(ct);
                _listening.TrySetResult();
                delay = TimeSpan.FromMilliseconds(250);
                if (lostConnection)
                {
                    log.LogInformation("Queue notifications are listening again.");
                    Broadcast(new QueueNotice.Resync());
                    lostConnection = false;
                }
                while (!ct.IsCancellationRequested)
                {
                    // A quiet channel is checked now and then, so a server that went away is noticed and re-joined.
                    if (!await connection.WaitAsync(IdleCheck, ct))
                    {
                        await using var ping = new NpgsqlCommand("select 1", connection);
                        await ping.ExecuteNonQueryAsync(ct);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (_listening.Task.IsCompleted) _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
                lostConnection = true;
                log.LogWarning("Queue notifications lost the database ({Message}); retrying in {Delay} ms.", e.Message, delay.TotalMilliseconds);
                try { await Task.Delay(delay, ct); } catch (OperationCanceledException) { return; }
                delay = TimeSpan.FromMilliseconds(Math.Min(5000, delay.TotalMilliseconds * 2));
            }
        }
    }

    private void Publish(string payload)
    {
        QueueChange? change;
        try { change = JsonSerializer.Deserialize<QueueChange>(payload, JsonDefaults.Options); }
        catch (JsonException)
        {
            log.LogWarning("Ignored a malformed queue notice: {Payload}", payload);
            return;
        }
        if (change is not null) Broadcast(new QueueNotice.Changed(change));
    }

    private void Broadcast(QueueNotice notice)
    {
        foreach (var watcher in _watchers.Values) watcher.Writer.TryWrite(notice);
    }
}

/// <summary>One watcher's notices; disposing it unsubscribes.</summary>
public sealed class QueueSubscription(ChannelReader<QueueNotice> notices, Action unsubscribe) : IDisposable
{
    public ChannelReader<QueueNotice> Notices { get; } = notices;
    public void Dispose() => unsubscribe();
}
