using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using FactDesk.Api.Hosting;
using FactDesk.Api.Subscriptions;
using FactDesk.Api.Telemetry;
using Npgsql;

namespace FactDesk.Api.Webhooks;

/// <summary>
/// Sends one delivery of the webhook outbox: the work of <see cref="DeliverWebhookHandler"/>, run by Wolverine for each
/// <see cref="DeliverWebhook"/> message in its durable local queue (see <see cref="WebhookSending"/>). The outbox row
/// stays the record the deliveries API reads: this claims it (one more attempt), posts the CloudEvent, and records the
/// outcome there. Retrying, scheduling, dead-lettering, and handing a stopped or killed instance's messages to another
/// are Wolverine's, steered by the exceptions thrown here.
/// <para>Order: only the oldest pending delivery of a (subscription, stream) line is sent. A later one that finds an
/// earlier one of its line still pending (being retried on a back-off, or sent by another instance) is held back and
/// tried again shortly, so retries never let a later event of a claim overtake an earlier one. A row added late by
/// <see cref="WebhookOutboxCatchUp"/> is the exception: a pending row with a lower position holds a line back, a late
/// row whose stream's later events were already sent is sent at once, after them: at-least-once wins over order there.</para>
/// </summary>
public sealed class WebhookDelivery : IDisposable
{
    private const string S = StoreSetup.Schema;
    private const int MaxErrorLength = 500;

    private readonly NpgsqlDataSource _db;
    private readonly WebhookOptions _options;
    private readonly ILogger<WebhookDelivery> _log;
    private readonly HttpClient _http;
    private readonly TimeProvider _clock;
    private readonly FactDeskMetrics _metrics;
    private readonly SubscriptionSecrets _secrets;

    public WebhookDelivery(NpgsqlDataSource db, WebhookOptions options, WebhookTargets targets, ILogger<WebhookDelivery> log,
        TimeProvider clock, SubscriptionSecrets secrets, FactDeskMetrics metrics)
    {
        (_db, _options, _log, _clock, _secrets, _metrics) = (db, options, log, clock, secrets, metrics);
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

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Sends the delivery once. Returns when it was received, or is no longer owed (delivered, dead, removed, pruned);
    /// throws <see cref="DeliveryHeldBack"/>, <see cref="WebhookNotDelivered"/> or <see cref="WebhookDeliveryDead"/>
    /// for Wolverine's error policies.
    /// </summary>
    public async Task DeliverAsync(DeliverWebhook message, CancellationToken stopping)
    {
        var due = await ClaimAsync(message.DeliveryId, stopping);
        if (due is null)
        {
            if (await IsPendingAsync(message.DeliveryId, stopping)) throw new DeliveryHeldBack(message.DeliveryId, _options.PollInterval);
            return;
        }
        await SendAsync(due, stopping);
    }

    /// <summary>A delivery to send; <c>PreviousSecret</c> while a rotated-out secret is in its grace period.</summary>
    private sealed record Due(Guid Id, Guid SubscriptionId, int Attempt, string Url, string? Secret, string? PreviousSecret, byte[] Body, string? TraceParent);

    /// <summary>Counts an attempt on the row and reads what to send; null when it is not pending or an earlier one of its line is.</summary>
    private async Task<Due?> ClaimAsync(Guid id, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand($"""
            with claimed as (
                update {S}.webhook_outbox o
                set attempts = o.attempts + 1, last_attempt_at = clock_timestamp()
                where o.id = $1 and o.status = 'pending'
                  and not exists (
                      select 1 from {S}.webhook_outbox earlier
                      where earlier.subscription_id = o.subscription_id and earlier.stream_id = o.stream_id
                        and earlier.status = 'pending' and earlier.position < o.position)
                returning o.id, o.subscription_id, o.event_id, o.attempts, o.checkpoint_size, o.traceparent
            )
            select c.id, c.subscription_id, c.attempts, s.url, k.secret, k.is_protected, p.secret, p.is_protected,
                   e.id, e.type, e.timestamp, e.stream_id, e.seq_id, e.version, e.data::text,
                   c.event_id, t.tree_size, t.note, t.signed_at, c.traceparent
            from claimed c
            join {S}.subscriptions s on s.id = c.subscription_id
            left join {S}.subscription_secrets k on k.subscription_id = s.id and k.secret_hash = s.secret_hash
            left join {S}.subscription_secrets p on p.subscription_id = s.id and p.secret_hash = s.previous_secret_hash
                and s.previous_secret_valid_until > $2
            left join {S}.mt_events e on e.id = c.event_id
            -- A signed checkpoint of the transparency log is delivered like an event, but is none (Audit/SigningCheckpoints).
            left join {S}.transparency_checkpoints t on t.tree_size = c.checkpoint_size
            where e.id is not null or t.tree_size is not null
            """);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        // The grace period is judged by the service's clock, the one the rotation's end was set by.
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = _clock.GetUtcNow() });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new Due(reader.GetGuid(0), reader.GetGuid(1), reader.GetInt32(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : _secrets.Reveal(reader.GetString(4), reader.GetBoolean(5)),
            reader.IsDBNull(6) ? null : _secrets.Reveal(reader.GetString(6), reader.GetBoolean(7)),
            reader.IsDBNull(8)
                ? WebhookMessage.CheckpointBody(_options.Source, reader.GetGuid(15), reader.GetInt64(16), reader.GetString(17), reader.GetFieldValue<DateTimeOffset>(18))
                : WebhookMessage.Body(_options.Source, reader.GetGuid(8), reader.GetString(9), reader.GetFieldValue<DateTimeOffset>(10),
                    reader.GetGuid(11), reader.GetInt64(12), reader.GetInt64(13), reader.GetString(14)),
            reader.IsDBNull(19) ? null : reader.GetString(19));
    }

    private async Task<bool> IsPendingAsync(Guid id, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand($"select exists (select 1 from {S}.webhook_outbox where id = $1 and status = 'pending')");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
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
                // Stopping: the attempt did not happen. Wolverine hands the message on (to this service's next start or another instance).
                await ReleaseAsync(due.Id);
                throw;
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

    /// <summary>Records the attempt on the row, then tells Wolverine what follows: nothing, a retry after the back-off, or the dead letters.</summary>
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
        {
            _log.LogWarning("Webhook delivery {Delivery} for subscription {Subscription} is dead after {Attempts} attempts: {Error}",
                due.Id, due.SubscriptionId, due.Attempt, error);
            throw new WebhookDeliveryDead(due.Id, due.Attempt, error!);
        }
        if (!delivered)
        {
            _log.LogInformation("Webhook delivery {Delivery} attempt {Attempt} failed: {Error}", due.Id, due.Attempt, error);
            throw new WebhookNotDelivered(due.Id, due.Attempt, retryIn, error!);
        }
    }

    /// <summary>Takes back the attempt counted for a POST cut short by shutdown.</summary>
    private async Task ReleaseAsync(Guid id)
    {
        try
        {
            await using var cmd = _db.CreateCommand($"update {S}.webhook_outbox set attempts = attempts - 1 where id = $1 and status = 'pending'");
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await cmd.ExecuteNonQueryAsync(limit.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or ObjectDisposedException)
        {
            // One attempt too many is counted: nothing is lost.
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
