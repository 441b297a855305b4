using FactDesk.Api.Hosting;
using FactDesk.Api.Telemetry;
using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Webhooks;

/// <summary>
/// Prunes delivered outbox rows older than <see cref="WebhookOptions.DeliveredRetention"/> (default 7 days), in batches of
/// <see cref="WebhookOptions.PruneBatch"/>, every <see cref="WebhookOptions.PruneInterval"/>. Pending and dead rows are
/// never pruned: a dead letter waits for an editor. Only rows the catch-up projection has passed are pruned, and the
/// highest pruned position is kept, so a replay of the log does not add a pruned delivery again (and send it twice).
/// </summary>
public sealed class WebhookOutboxPruning(NpgsqlDataSource db, SchemaState schema, WebhookOptions options, TimeProvider clock,
    FactDeskMetrics metrics, ILogger<WebhookOutboxPruning> log) : BackgroundService
{
    private const string S = StoreSetup.Schema;

    /// <summary>The highest pruned position: one row at most.</summary>
    public static Weasel.Core.ISchemaObject PrunedTable()
    {
        var pruned = SchemaTables.For(S, "webhook_outbox_pruned");
        pruned.AddColumn("id", "int").AsPrimaryKey().DefaultValueByExpression("1");
        pruned.AddColumn("up_to", "bigint").NotNull();
        return pruned.Check("id", "id = 1");
    }

    /// <summary>The SQL condition an owed row must meet to be inserted: above the highest pruned position.</summary>
    internal static string NotPruned(string position) => $"{position} > coalesce((select up_to from {S}.webhook_outbox_pruned), 0)";

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        try { await schema.Migrated.WaitAsync(stopping); }
        catch (OperationCanceledException) { return; }
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Batch after batch until a short one: each a short transaction, so appends and the sender never wait long.
                int pruned;
                do pruned = await PruneBatchAsync(clock.GetUtcNow(), stopping);
                while (pruned == options.PruneBatch && !stopping.IsCancellationRequested);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            catch (Exception e) { log.LogWarning("Webhook outbox pruning: {Message}", e.Message); }
            // Task.Delay takes at most ~49 days; a second at least, so a zero setting cannot spin.
            var wait = TimeSpan.FromTicks(Math.Clamp(options.PruneInterval.Ticks, TimeSpan.TicksPerSecond, TimeSpan.FromDays(40).Ticks));
            try { await Task.Delay(wait, clock, stopping); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Prunes at most one batch of rows delivered before <paramref name="now"/> minus the retention; returns how many.</summary>
    public async Task<int> PruneBatchAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var positions = new List<long>();
        await using (var cmd = new NpgsqlCommand($"""
            with gone as (
                select o.id from {S}.webhook_outbox o
                where o.status = 'delivered' and o.delivered_at < $1
                  and o.position <= coalesce((select last_seq_id from {S}.mt_event_progression where name = $3 || ':All'), 0)
                order by o.delivered_at
                limit $2
                for update skip locked)
            delete from {S}.webhook_outbox o using gone where o.id = gone.id and o.status = 'delivered'
            returning o.position
            """, connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now - options.DeliveredRetention });
            cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(1, options.PruneBatch) });
            cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = CatchUpName });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) positions.Add(reader.GetInt64(0));
        }
        if (positions.Count > 0)
            await using (var cmd = new NpgsqlCommand($"""
                insert into {S}.webhook_outbox_pruned (id, up_to) values (1, $1)
                on conflict (id) do update set up_to = greatest(webhook_outbox_pruned.up_to, excluded.up_to)
                """, connection))
            {
                cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = positions.Max() });
                await cmd.ExecuteNonQueryAsync(ct);
            }
        await tx.CommitAsync(ct);
        if (positions.Count > 0)
        {
            metrics.OutboxPruned(positions.Count);
            log.LogInformation("Pruned {Count} delivered webhook outbox rows older than {Retention}", positions.Count, options.DeliveredRetention);
        }
        return positions.Count;
    }

    /// <summary>The async projection that adds late outbox rows: nothing at or below its checkpoint is added again.</summary>
    private const string CatchUpName = WebhookOutboxCatchUp.ProjectionName;
}
