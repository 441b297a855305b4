using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using FactDesk.Api.Hosting;
using FactDesk.Api.Subscriptions;
using FactDesk.Api.Telemetry;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Webhooks;

/// <summary>
/// Sends the webhook outbox after commit. Each round claims due deliveries with <c>for update skip locked</c> and a
/// lease (so two instances never send the same one at once, and a crashed instance's claims come back), posts them,
/// and records the outcome. Only the oldest undelivered event of each (subscription, stream) is ever due, so a
/// subscriber receives a claim's events in the order they happened, even across retries. The exception is a row
/// added late by <see cref="WebhookOutboxCatchUp"/>: only a pending row with a lower position holds a line back, so a
/// late row whose stream's later events were already sent (or are in flight) is still due at once and sent, after (or
/// beside) them: at-least-once wins over order there. Failures are retried with full-jitter exponential back-off;
/// after the last attempt a delivery is dead until an editor asks for it again.
/// Woken by appends in this process, and polls for the rest. All state is in the table, so a restart loses nothing.
/// </summary>
public sealed class WebhookDelivery : BackgroundService
{
    private const string S = StoreSetup.Schema;
    private const int MaxErrorLength = 500;

    private readonly NpgsqlDataSource _db;
    private readonly SchemaState _schema;
    private readonly WebhookOptions _options;
    private readonly ILogger<WebhookDelivery> _log;
    private readonly HttpClient _http;
    private readonly TimeProvider _clock;
    private readonly FactDeskMetrics _metrics;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    private readonly SubscriptionSecrets _secrets;

    public WebhookDelivery(NpgsqlDataSource db, TamperEvidentLog store, SchemaState schema, WebhookOptions options, WebhookTargets targets, ILogger<WebhookDelivery> log,
        TimeProvider clock, SubscriptionSecrets secrets, FactDeskMetrics metrics)
    {
        (_db, _schema, _options, _log, _clock, _secrets, _metrics) = (db, schema, options, log, clock, secrets, metrics);
        store.Appended += _ => Wake();
        _http = new HttpClient(new SocketsHttpHandler
        {
            // A redirect could lead anywhere, including inside: a 3xx is a failed delivery.
            AllowAutoRedirect = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            // Resolve and check the target at every connection, then connect to the very addresses checked, so a
            // name that resolved to a public address when subscribing cannot be re-pointed inside later.
            ConnectCallback = async (context, ct) =>
            {
                var check = await targets.CheckAsync(context.DnsEndPoint.Host, ct);
                if (!check.IsAllowed) throw new TargetRefusedException(check.Refusal!);
                return await ConnectAsync(check.Addresses, context.DnsEndPoint.Port, ct);
            },
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    public void Wake()
    {
        if (_wake.CurrentCount == 0) _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        try { await _schema.Migrated.WaitAsync(stopping); }
        catch (OperationCanceledException) { return; }
        while (!stopping.IsCancellationRequested)
        {
            var sent = 0;
            try { sent = await SendDueAsync(stopping); }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            catch (Exception e) { _log.LogWarning("Webhook sender: {Message}", e.Message); }
            if (sent > 0) continue;
            try { await _wake.WaitAsync(_options.PollInterval, stopping); }
            catch (OperationCanceledException) { return; }
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    /// <summary>One round: claims what is due and sends it; returns how many were attempted.</summary>
    public async Task<int> SendDueAsync(CancellationToken stopping)
    {
        var due = await ClaimAsync(stopping);
        await Task.WhenAll(due.Select(d => SendAsync(d, stopping)));
        return due.Count;
    }

    /// <summary>A delivery to send; <c>PreviousSecret</c> while a rotated-out secret is in its grace period.</summary>
    private sealed record Due(Guid Id, Guid SubscriptionId, int Attempt, string Url, string? Secret, string? PreviousSecret, byte[] Body, string? TraceParent);

    private async Task<List<Due>> ClaimAsync(CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand($"""
            with due as (
                select o.id from {S}.webhook_outbox o
                where o.status = 'pending' and o.next_attempt_at <= clock_timestamp()
                  and not exists (
                      select 1 from {S}.webhook_outbox earlier
                      where earlier.subscription_id = o.subscription_id and earlier.stream_id = o.stream_id
                        and earlier.status = 'pending' and earlier.position < o.position)
                order by o.position
                limit $1
                for update of o skip locked
            ), claimed as (
                update {S}.webhook_outbox o
                set attempts = o.attempts + 1, last_attempt_at = clock_timestamp(), next_attempt_at = clock_timestamp() + $2
                from due where o.id = due.id
                returning o.id, o.subscription_id, o.event_id, o.attempts, o.checkpoint_size, o.traceparent
            )
            select c.id, c.subscription_id, c.attempts, s.url, k.secret, k.is_protected, p.secret, p.is_protected,
                   e.id, e.type, e.timestamp, e.stream_id, e.seq_id, e.version, e.data::text,
                   c.event_id, t.tree_size, t.note, t.signed_at, c.traceparent
            from claimed c
            join {S}.subscriptions s on s.id = c.subscription_id
            left join {S}.subscription_secrets k on k.subscription_id = s.id and k.secret_hash = s.secret_hash
            left join {S}.subscription_secrets p on p.subscription_id = s.id and p.secret_hash = s.previous_secret_hash
                and s.previous_secret_valid_until > $3
            left join {S}.mt_events e on e.id = c.event_id
            -- A signed checkpoint of the transparency log is delivered like an event, but is none (Audit/SigningCheckpoints).
            left join {S}.transparency_checkpoints t on t.tree_size = c.checkpoint_size
            where e.id is not null or t.tree_size is not null
            """);
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _options.BatchSize });
        cmd.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _options.Lease });
        // The grace period is judged by the service's clock, the one the rotation's end was set by.
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = _clock.GetUtcNow() });
        var due = new List<Due>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            due.Add(new Due(reader.GetGuid(0), reader.GetGuid(1), reader.GetInt32(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : _secrets.Reveal(reader.GetString(4), reader.GetBoolean(5)),
                reader.IsDBNull(6) ? null : _secrets.Reveal(reader.GetString(6), reader.GetBoolean(7)),
                reader.IsDBNull(8)
                    ? WebhookMessage.CheckpointBody(_options.Source, reader.GetGuid(15), reader.GetInt64(16), reader.GetString(17), reader.GetFieldValue<DateTimeOffset>(18))
                    : WebhookMessage.Body(_options.Source, reader.GetGuid(8), reader.GetString(9), reader.GetFieldValue<DateTimeOffset>(10),
                        reader.GetGuid(11), reader.GetInt64(12), reader.GetInt64(13), reader.GetString(14)),
                reader.IsDBNull(19) ? null : reader.GetString(19)));
        return due;
    }

    private async Task SendAsync(Due due, CancellationToken stopping)
    {
        // A child of the command whose events are delivered: the trace runs from the request to the subscriber. The
        // HttpClient span under it sends the traceparent on to the subscriber.
        using var span = FactDeskTracing.StartDelivery(due.TraceParent, due.Id, due.SubscriptionId, due.Attempt);
        int? status = null;
        string? error = null;
        if (due.Secret is null) error = "No secret is stored for this subscription.";
        else
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            attempt.CancelAfter(_options.Timeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, due.Url) { Content = new ByteArrayContent(due.Body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(WebhookMessage.ContentType) { CharSet = "utf-8" };
                request.Headers.Add(WebhookMessage.SignatureHeader, WebhookMessage.Sign(due.Secret, due.Body));
                request.Headers.Add(WebhookMessage.DeliveryHeader, due.Id.ToString());
                // Signed at each attempt, so the timestamp is the time this copy was sent.
                var sentAt = _clock.GetUtcNow().ToUnixTimeSeconds();
                request.Headers.Add(WebhookMessage.StandardIdHeader, due.Id.ToString());
                request.Headers.Add(WebhookMessage.StandardTimestampHeader, sentAt.ToString(System.Globalization.CultureInfo.InvariantCulture));
                // During a rotation's grace period both secrets sign: space-separated entries, as the specification allows.
                // The previous secret's entry comes first: the StandardWebhooks 1.1.2 verifier for .NET never checks the
                // last entry of several, and a receiver not yet switched to the new secret must keep working.
                var signature = WebhookMessage.SignStandard(WebhookMessage.StandardKey(due.Secret), due.Id.ToString(), sentAt, due.Body);
                if (due.PreviousSecret is not null)
                    signature = WebhookMessage.SignStandard(WebhookMessage.StandardKey(due.PreviousSecret), due.Id.ToString(), sentAt, due.Body) + " " + signature;
                request.Headers.TryAddWithoutValidation(WebhookMessage.StandardSignatureHeader, signature);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
                status = (int)response.StatusCode;
                if (status is < 200 or > 299)
                    error = status is >= 300 and <= 399 ? $"HTTP {status}: redirects are not followed." : $"HTTP {status}.";
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                await ReleaseAsync(due.Id);
                return;
            }
            catch (OperationCanceledException)
            {
                error = $"No answer within {_options.Timeout.TotalSeconds:0.###} s.";
            }
            catch (HttpRequestException e)
            {
                error = FindRefusal(e) is { } refused ? "Target refused: " + refused.Message : "Could not connect: " + (e.InnerException?.Message ?? e.Message);
            }
        }
        span?.SetTag("http.response.status_code", status);
        if (error is not null) span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error);
        await RecordAsync(due, status, error);
    }

    private async Task RecordAsync(Due due, int? statusCode, string? error)
    {
        var delivered = error is null;
        var dead = !delivered && due.Attempt >= _options.MaxAttempts;
        var retryIn = _options.RetryDelay(due.Attempt, Random.Shared);
        await using var cmd = _db.CreateCommand(delivered
            ? $"update {S}.webhook_outbox set status = 'delivered', delivered_at = clock_timestamp(), last_status_code = $2, last_error = null where id = $1"
            : $"""
              update {S}.webhook_outbox
              set status = case when $4 then 'dead' else 'pending' end, last_status_code = $2, last_error = $3,
                  next_attempt_at = clock_timestamp() + $5
              where id = $1 and status = 'pending'
              """);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = due.Id });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)statusCode ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        if (!delivered)
        {
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = error!.Length > MaxErrorLength ? error[..MaxErrorLength] : error });
            cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = dead });
            cmd.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = retryIn });
        }
        // Recorded even while stopping: the attempt happened.
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        _metrics.WebhookAttempted(delivered ? "delivered" : dead ? "dead" : "failed");
        if (dead)
            _log.LogWarning("Webhook delivery {Delivery} for subscription {Subscription} is dead after {Attempts} attempts: {Error}",
                due.Id, due.SubscriptionId, due.Attempt, error);
        else if (!delivered)
            _log.LogInformation("Webhook delivery {Delivery} attempt {Attempt} failed: {Error}", due.Id, due.Attempt, error);
        if (!delivered && retryIn < _options.PollInterval) _ = WakeAfterAsync(retryIn);
    }

    /// <summary>A short back-off should not wait for the next poll.</summary>
    private async Task WakeAfterAsync(TimeSpan delay)
    {
        await Task.Delay(delay);
        Wake();
    }

    /// <summary>Hands an unsent claim back at shutdown, so the next instance need not wait out the lease.</summary>
    private async Task ReleaseAsync(Guid id)
    {
        try
        {
            await using var cmd = _db.CreateCommand($"update {S}.webhook_outbox set attempts = attempts - 1, next_attempt_at = clock_timestamp() where id = $1 and status = 'pending'");
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await cmd.ExecuteNonQueryAsync(limit.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or ObjectDisposedException)
        {
            // The lease runs out and another instance takes it over: nothing is lost.
        }
    }

    private static async ValueTask<Stream> ConnectAsync(IReadOnlyList<IPAddress> addresses, int port, CancellationToken ct)
    {
        for (var i = 0; ; i++)
        {
            var socket = new Socket(addresses[i].AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(addresses[i], port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException) when (i < addresses.Count - 1)
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    private static TargetRefusedException? FindRefusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is TargetRefusedException refused) return refused;
        return null;
    }

    private sealed class TargetRefusedException(string message) : Exception(message);
}
