using FactDesk.Api.Hosting;
using FactDesk.Api.Subscriptions;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Webhooks;

/// <summary>
/// Inline: one outbox row per (active subscription that wants the event, event), written in the append's own
/// transaction with its <see cref="DeliverWebhook"/> message in Wolverine's inbox (<see cref="WebhookDispatch"/>), so
/// an event is committed exactly when its deliveries are owed and queued. Wolverine sends them after commit; the row
/// is the record the deliveries API reads.
/// <para>A delivery's id is derived from (subscription, event), and a subscription only owes events after the one that
/// created it and before the one that removed it, so replaying the log reproduces the same rows. The table is not
/// listed in <see cref="Tables"/>: a rebuild must add missing rows, never forget what was already delivered.</para>
/// <para>Positions are drawn before commit, so an append can run here while a subscription with a lower position is
/// still uncommitted and invisible to it (READ COMMITTED): that row is missed here and added later by
/// <see cref="WebhookOutboxCatchUp"/>. Writing the row here still covers the common case in the event's own transaction.</para>
/// </summary>
public sealed class WebhookOutboxProjection(WebhookDispatch dispatch) : IProjection
{
    private const string S = StoreSetup.Schema;

    public string Name => "webhook-outbox";
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Inline;
    public IReadOnlyList<string> Tables { get; } = [];

    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = Declare();

    private static IReadOnlyList<Weasel.Core.ISchemaObject> Declare()
    {
        var outbox = SchemaTables.For(S, "webhook_outbox");
        outbox.AddColumn("id", "uuid").AsPrimaryKey();
        outbox.AddColumn("subscription_id", "uuid").NotNull();
        outbox.AddColumn("position", "bigint").NotNull();
        outbox.AddColumn("event_id", "uuid").NotNull();
        outbox.AddColumn("stream_id", "uuid").NotNull();
        outbox.AddColumn("event_type", "text").NotNull();
        outbox.AddColumn("status", "text").NotNull().DefaultValueByExpression("'pending'::text");
        outbox.AddColumn("attempts", "int").NotNull().DefaultValueByExpression("0");
        outbox.AddColumn("next_attempt_at", "timestamptz").NotNull();
        outbox.AddColumn("last_attempt_at", "timestamptz");
        outbox.AddColumn("last_status_code", "int");
        outbox.AddColumn("last_error", "text");
        outbox.AddColumn("delivered_at", "timestamptz");
        outbox.AddColumn("requeued_position", "bigint");
        outbox.AddColumn("created_at", "timestamptz").NotNull().DefaultValueByExpression("clock_timestamp()");
        // A row with a checkpoint size delivers that signed checkpoint of the transparency log, not an event.
        outbox.AddColumn("checkpoint_size", "bigint");
        // The command's W3C traceparent: its delivery continues the command's trace (null for rows added by the catch-up).
        outbox.AddColumn("traceparent", "text");
        outbox.Check("status", "status = ANY (ARRAY['pending'::text, 'delivered'::text, 'dead'::text])")
            .Unique("subscription_id", "event_id")
            .Index("webhook_outbox_due", ["next_attempt_at"], where: "status = 'pending'")
            .Index("webhook_outbox_line", ["subscription_id", "stream_id", "position"], where: "status = 'pending'")
            .Index("webhook_outbox_by_subscription", ["subscription_id", "position"])
            // WebhookOutboxPruning deletes delivered rows by age.
            .Index("webhook_outbox_delivered", ["delivered_at"], where: "status = 'delivered'");
        return [outbox];
    }

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        var queued = await InsertOwedAsync(connection, events, ct);

        foreach (var e in events)
        {
            switch (e.Data)
            {
                case SubscriptionRemoved removed:
                    // Nobody is listening any more: what was still owed is given up, visibly.
                    await using (var cmd = new NpgsqlCommand($"""
                        update {S}.webhook_outbox set status = 'dead', last_error = 'The subscription was removed.'
                        where subscription_id = $1 and status = 'pending'
                        """, connection))
                    {
                        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = removed.SubscriptionId });
                        await cmd.ExecuteNonQueryAsync(ct);
                    }
                    break;
                case RedeliveryRequested requested:
                    // The position guard keeps a replay of the log from re-sending a delivery a second time. Sent again
                    // through Wolverine: a new message (the dead one stays in Wolverine's dead letters, as a record).
                    await using (var cmd = new NpgsqlCommand($"""
                        update {S}.webhook_outbox
                        set status = 'pending', attempts = 0, next_attempt_at = clock_timestamp(), requeued_position = $3
                        where id = $1 and subscription_id = $2 and status = 'dead' and coalesce(requeued_position, 0) < $3
                        returning id, subscription_id, stream_id
                        """, connection))
                    {
                        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = requested.DeliveryId });
                        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = requested.SubscriptionId });
                        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Position });
                        await using var reader = await cmd.ExecuteReaderAsync(ct);
                        while (await reader.ReadAsync(ct)) queued.Add(new DeliverWebhook(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2)));
                    }
                    break;
            }
        }
        await dispatch.QueueInAppendAsync(connection, events, queued, ct);
    }

    /// <summary>
    /// Inserts the outbox rows owed for these events to every subscription created before and not removed before each,
    /// as far as this transaction can see. Shared with <see cref="WebhookOutboxCatchUp"/>, which adds what an append's
    /// own transaction could not see; the id derived from (subscription, event) makes a second insert a no-op.
    /// A subscription already removed when the row is written gets it dead: its removal has already given up the
    /// subscription's pending rows, and a late row must not outlive it. Returns the messages that send the new pending rows.
    /// </summary>
    internal static async Task<List<DeliverWebhook>> InsertOwedAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct)
    {
        var owed = events.Where(e => e.StreamType != Subscription.StreamType).ToArray();
        var queued = new List<DeliverWebhook>();
        if (owed.Length == 0) return queued;
        // Matching mirrors WebhookEventTypes.Matches: all, the exact versioned name, or the name without its version.
        await using var insert = new NpgsqlCommand($"""
            insert into {S}.webhook_outbox (id, subscription_id, position, event_id, stream_id, event_type, next_attempt_at, status, last_error, traceparent)
            select md5(s.id::text || '/' || x.event_id::text)::uuid, s.id, x.position, x.event_id, x.stream_id, x.type, clock_timestamp(),
                   case when s.removed_position is null then 'pending' else 'dead' end,
                   case when s.removed_position is null then null else 'The subscription was removed.' end,
                   x.traceparent
            from unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::text[], $5::text[]) as x(position, event_id, stream_id, type, traceparent)
            join {S}.subscriptions s on s.created_position < x.position and (s.removed_position is null or s.removed_position > x.position)
            where (cardinality(s.event_types) = 0 or x.type = any(s.event_types) or regexp_replace(x.type, '\.v[0-9]+$', '') = any(s.event_types))
              -- A replay must not add back a delivery that was pruned after it was delivered.
              and {WebhookOutboxPruning.NotPruned("x.position")}
            order by x.position
            -- No arbiter named: a row owed twice conflicts on its derived id and on (subscription, event) alike, and when
            -- two writers insert it at once (a catch-up beside a rebuild) the loser may meet either index first.
            on conflict do nothing
            returning id, subscription_id, stream_id, status
            """, connection);
        insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = owed.Select(e => e.Position).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = owed.Select(e => e.EventId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = owed.Select(e => e.StreamId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = owed.Select(e => e.Type).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = owed.Select(e => e.Metadata.TraceParent).ToArray() });
        await using var reader = await insert.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            if (reader.GetString(3) == "pending") queued.Add(new DeliverWebhook(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2)));
        return queued;
    }
}
