using System.Runtime.CompilerServices;
using FactDesk.TamperEvidence;
using Npgsql;
using Wolverine;
using Wolverine.Persistence.Durability;
using Wolverine.RDBMS;
using Wolverine.Runtime;
using Wolverine.Transports;

namespace FactDesk.Api.Webhooks;

/// <summary>
/// Turns new outbox rows into <see cref="DeliverWebhook"/> messages in Wolverine's durable inbox, written in the same
/// open transaction as the rows (Wolverine's transactional outbox, enlisted in a FactDesk transaction): a delivery is
/// owed and queued exactly when its event is committed, and neither without the other.
/// <para>An append's group commit is FactDesk's, not Wolverine's, so the messages are handed to the local queue when
/// <see cref="TamperEvidentLog.Appended"/> reports the commit. A transaction this process cannot see the end of (the
/// catch-up projection's, on Marten's daemon) stores them for any instance: Wolverine's durability agent picks them up
/// at its next poll.</para>
/// </summary>
public sealed class WebhookDispatch(IServiceProvider services, ILogger<WebhookDispatch> log)
{
    // Keyed by the appended events themselves: an append that never commits leaves nothing behind once they are gone.
    private readonly ConditionalWeakTable<RecordedEvent, AfterCommit> _afterAppend = new();
    private int _listening;

    /// <summary>In the append's transaction: queues the messages, to be handed to the local queue once the append commits.</summary>
    public async Task QueueInAppendAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> appended, IReadOnlyList<DeliverWebhook> messages, CancellationToken ct)
    {
        var context = await EnlistAsync(connection, messages, sentFromHere: true, ct);
        if (context is null) return;
        // Subscribed at the first append (the log is built by then; it cannot be asked for while building its projections).
        if (Interlocked.Exchange(ref _listening, 1) == 0) services.GetRequiredService<TamperEvidentLog>().Appended += Committed;
        var after = new AfterCommit(context);
        foreach (var e in appended) _afterAppend.AddOrUpdate(e, after);
    }

    /// <summary>In a transaction the caller commits: queues the messages; the caller calls <see cref="SendAsync"/> after its commit.</summary>
    public Task<MessageContext?> QueueAsync(NpgsqlConnection connection, IReadOnlyList<DeliverWebhook> messages, CancellationToken ct) =>
        EnlistAsync(connection, messages, sentFromHere: true, ct);

    /// <summary>In a transaction whose commit this process is not told of: any instance's durability agent sends them.</summary>
    public Task QueueForAnyInstanceAsync(NpgsqlConnection connection, IReadOnlyList<DeliverWebhook> messages, CancellationToken ct) =>
        EnlistAsync(connection, messages, sentFromHere: false, ct);

    /// <summary>After an append's commit: the messages its transaction queued go to the local queue.</summary>
    public void Committed(AppendResult result)
    {
        foreach (var e in result.Events)
            if (_afterAppend.TryGetValue(e, out var after))
            {
                _afterAppend.Remove(e);
                if (after.Claim()) _ = SendAsync(after.Context);
            }
    }

    /// <summary>After the commit of a transaction given to <see cref="QueueAsync"/>.</summary>
    public async Task SendAsync(MessageContext? context)
    {
        if (context is null) return;
        try { await context.FlushOutgoingMessagesAsync(); }
        catch (Exception e)
        {
            // Stored and owned by this instance: sent after its restart, or by another once it is gone.
            log.LogWarning("Webhook messages stored but not handed to the local queue: {Message}", e.Message);
        }
    }

    private async Task<MessageContext?> EnlistAsync(NpgsqlConnection connection, IReadOnlyList<DeliverWebhook> messages, bool sentFromHere, CancellationToken ct)
    {
        if (messages.Count == 0) return null;
        // The projections command replays without Wolverine: its rows have no message (see the note on the catch-up).
        if (services.GetService<IWolverineRuntime>() is not { } runtime) return null;
        var database = runtime.Storage as IMessageDatabase
            ?? throw new InvalidOperationException("Webhooks need Wolverine's PostgreSQL message storage (WebhookSending).");
        var context = new MessageContext(runtime);
        var envelopes = new OpenTransactionEnvelopes(database, sentFromHere);
        await context.EnlistInOutboxAsync(envelopes);
        foreach (var message in messages) await context.SendAsync(message);
        await envelopes.WriteAsync(connection, ct);
        return context;
    }

    private sealed class AfterCommit(MessageContext context)
    {
        private int _sent;
        public MessageContext Context => context;
        /// <summary>A group commit's appends all report it: the first one sends.</summary>
        public bool Claim() => Interlocked.Exchange(ref _sent, 1) == 0;
    }

    /// <summary>
    /// Wolverine's outbox over a FactDesk transaction: the envelopes Wolverine persists while routing are collected, then
    /// written in one command on the transaction's connection. Only incoming envelopes occur (the queue is local).
    /// </summary>
    private sealed class OpenTransactionEnvelopes(IMessageDatabase database, bool sentFromHere) : IEnvelopeTransaction
    {
        private readonly List<Envelope> _incoming = [];

        public Task PersistIncomingAsync(Envelope envelope)
        {
            // Not handed to this instance's queue after commit: stored for whichever instance's durability agent polls first.
            if (!sentFromHere) envelope.OwnerId = TransportConstants.AnyNode;
            _incoming.Add(envelope);
            return Task.CompletedTask;
        }

        public async Task WriteAsync(NpgsqlConnection connection, CancellationToken ct)
        {
            if (_incoming.Count == 0) return;
            await using var cmd = DatabasePersistence.BuildIncomingStorageCommand(_incoming, database);
            // The connection's open transaction takes the insert (Npgsql enlists a command on a connection in a transaction).
            cmd.Connection = connection;
            await cmd.ExecuteNonQueryAsync(ct);
        }

        public Task PersistOutgoingAsync(Envelope envelope) => throw NotLocal();
        public Task PersistOutgoingAsync(Envelope[] envelopes) => envelopes.Length == 0 ? Task.CompletedTask : throw NotLocal();
        public ValueTask RollbackAsync() => ValueTask.CompletedTask;
        public Task<bool> TryMakeEagerIdempotencyCheckAsync(Envelope envelope, DurabilitySettings settings, CancellationToken cancellation) => Task.FromResult(true);

        private static InvalidOperationException NotLocal() => new("Webhook messages go to a local durable queue; nothing is sent out from an append's transaction.");
    }
}
