using FactDesk.Api.Hosting;
using FactDesk.TamperEvidence;
using FactDesk.TransparencyLog;
using Npgsql;

namespace FactDesk.Api.Audit.SigningCheckpoints;

/// <summary>
/// Signs a checkpoint of the transparency log whenever the tree has grown by <c>CheckpointEveryEvents</c> leaves, or
/// has grown at all and <c>CheckpointEverySeconds</c> have passed since the last one (the first as soon as there is a
/// leaf). Each checkpoint is kept and queued for webhook subscribers in one transaction, so copies live outside
/// FactDesk. Nothing here appends to the event log: a checkpoint that were an event would grow the tree it signs, and
/// every checkpoint would call for another.
/// </summary>
public sealed class CheckpointSigner : BackgroundService
{
    /// <summary>The CloudEvent type subscribers receive checkpoints under (<c>factdesk.</c> + this).</summary>
    public const string WebhookType = "transparency-checkpoint.v1";
    /// <summary>The line checkpoints are delivered on: the outbox keeps each subscriber's checkpoints in order of size.</summary>
    public static readonly Guid DeliveryStream = new("7f1e6d0c-0b5a-4c39-9a43-2f6c7c1a9e01");

    private readonly NpgsqlDataSource _db;
    private readonly MerkleLog _log;
    private readonly NoteSigner _signer;
    private readonly TransparencyLogOptions _options;
    private readonly SchemaState _schema;
    private readonly ILogger<CheckpointSigner> _logger;
    private readonly Webhooks.WebhookDispatch _webhooks;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    public CheckpointSigner(NpgsqlDataSource db, MerkleLog log, NoteSigner signer, TransparencyLogOptions options, SchemaState schema,
        TamperEvidentLog store, ILogger<CheckpointSigner> logger, Webhooks.WebhookDispatch webhooks)
    {
        (_db, _log, _signer, _options, _schema, _logger, _webhooks) = (db, log, signer, options, schema, logger, webhooks);
        if (options.CheckpointEveryEvents < 1) throw new InvalidOperationException("TransparencyLog:CheckpointEveryEvents must be at least 1.");
        if (options.CheckpointEverySeconds <= 0) throw new InvalidOperationException("TransparencyLog:CheckpointEverySeconds must be more than 0.");
        // The tree grows in the daemon's batches; any daemon commit may have been one of the transparency log's.
        store.ProjectionsAdvanced += () => { if (_wake.CurrentCount == 0) _wake.Release(); };
        logger.LogInformation("Transparency log checkpoints are signed by {VerifierKey}", signer.VerifierKey);
    }

    public string Origin => string.IsNullOrWhiteSpace(_options.Origin) ? _signer.Name : _options.Origin;
    /// <summary>The key auditors pin, in the note verifier format.</summary>
    public string VerifierKey => _signer.VerifierKey;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        try { await _schema.Migrated.WaitAsync(stopping); }
        catch (OperationCanceledException) { return; }
        var poll = TimeSpan.FromSeconds(Math.Min(1, _options.CheckpointEverySeconds));
        while (!stopping.IsCancellationRequested)
        {
            try { await SignIfDueAsync(force: false, stopping); }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            catch (Exception e) { _logger.LogWarning("Checkpoint signer: {Message}", e.Message); }
            try { await _wake.WaitAsync(poll, stopping); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>
    /// Signs a checkpoint of the whole tree when one is due (or, with force, whenever the tree grew since the last one).
    /// Returns the new checkpoint, or null when none was due or another instance holds the signer's lock.
    /// </summary>
    public async Task<StoredCheckpoint?> SignIfDueAsync(bool force, CancellationToken ct = default)
    {
        await using var connection = await _db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand($"select pg_try_advisory_xact_lock({AdvisoryKeys.For("transparency-log:checkpoint")})", connection))
            if (!(bool)(await lockCmd.ExecuteScalarAsync(ct))!) return null;
        var size = await _log.SizeAsync(connection, ct);
        var latest = await _log.LatestCheckpointAsync(connection, ct);
        if (size == 0 || size <= (latest?.TreeSize ?? 0)) return null;
        if (!force && latest is not null && size - latest.TreeSize < _options.CheckpointEveryEvents)
        {
            await using var age = new NpgsqlCommand("select extract(epoch from clock_timestamp() - $1)::float8", connection);
            age.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = latest.SignedAt });
            if ((double)(await age.ExecuteScalarAsync(ct))! < _options.CheckpointEverySeconds) return null;
        }
        var root = await _log.RootAsync(connection, size, ct);
        var note = _signer.Sign(new Checkpoint(Origin, size, root).Text());
        if (!await _log.SaveCheckpointAsync(connection, size, root, note, ct)) return null;
        var deliveries = await _webhooks.QueueAsync(connection, await QueueForSubscribersAsync(connection, size, ct), ct);
        await tx.CommitAsync(ct);
        await _webhooks.SendAsync(deliveries);
        return (await CheckpointsAt(size, ct));
    }

    private async Task<StoredCheckpoint?> CheckpointsAt(long size, CancellationToken ct)
    {
        await using var connection = await _db.OpenConnectionAsync(ct);
        return (await _log.CheckpointsAsync(connection, size, 1, ct: ct)).FirstOrDefault(c => c.TreeSize == size);
    }

    /// <summary>One outbox row per live subscription that wants all events or checkpoints; returns the messages that send them.</summary>
    private static async Task<List<Webhooks.DeliverWebhook>> QueueForSubscribersAsync(NpgsqlConnection connection, long size, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            insert into {StoreSetup.Schema}.webhook_outbox
                (id, subscription_id, position, event_id, stream_id, event_type, next_attempt_at, checkpoint_size)
            select md5(s.id::text || '/checkpoint/' || $1::text)::uuid, s.id, $1, md5('checkpoint/' || $1::text)::uuid, $2, $3, clock_timestamp(), $1
            from {StoreSetup.Schema}.subscriptions s
            where s.removed_position is null
              and (cardinality(s.event_types) = 0 or $3 = any(s.event_types) or $4 = any(s.event_types))
            -- Either unique index may report a row owed twice (see WebhookOutboxProjection.InsertOwedAsync).
            on conflict do nothing
            returning id, subscription_id
            """, connection);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = size });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = DeliveryStream });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = WebhookType });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Subscriptions.WebhookEventTypes.Unversioned(WebhookType) });
        var queued = new List<Webhooks.DeliverWebhook>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) queued.Add(new Webhooks.DeliverWebhook(reader.GetGuid(0), reader.GetGuid(1), DeliveryStream));
        return queued;
    }
}
