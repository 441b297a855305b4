using Npgsql;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.Postgresql;

namespace FactDesk.Api.Webhooks;

/// <summary>
/// Wolverine's part in sending webhooks: messages kept in PostgreSQL, a durable local queue for
/// <see cref="DeliverWebhook"/>, one line at a time. Part of <c>UseWolverine</c> in Program.cs (Wolverine adds its
/// storage's services while the host is wired, so this cannot be an extension resolved from the container later).
/// <para>Wolverine's tables live in their own schema, <c>wolverine</c>, in FactDesk's database: the same database, so
/// a message and its outbox row commit in one transaction; not FactDesk's schema, whose tables FactDesk's migrations
/// own and list, while Wolverine creates and upgrades its own at start-up (under its advisory lock, so two instances
/// starting together do not collide).</para>
/// </summary>
public static class WebhookSending
{
    public const string MessageSchema = "wolverine";
    public const string QueueName = "webhook-deliveries";

    public static void Configure(WolverineOptions options, IConfiguration configuration)
    {
        var webhooks = configuration.GetSection("Webhooks").Get<WebhookOptions>() ?? new WebhookOptions();
        // FactDesk's database; Wolverine keeps its own pool of connections to it (the same settings as StoreSetup's).
        var connectionString = configuration.GetConnectionString("FactDesk")
            ?? throw new InvalidOperationException("Set ConnectionStrings__FactDesk to the PostgreSQL connection string.");
        var database = new NpgsqlConnectionStringBuilder(connectionString);
        if (!database.ContainsKey("Timeout")) database.Timeout = 5;
        // Balanced: every instance runs Wolverine's durability agent; a stopped instance's messages are released at
        // once, a killed one's when its node record goes stale, and a message is only ever sent by the instance owning it.
        options.Durability.Mode = DurabilityMode.Balanced;
        options.PersistMessagesWithPostgresql(database.ConnectionString, MessageSchema);
        // Wolverine makes its tables as it starts, which FactDesk delays until the database answers (MessagingStart).
        options.AutoBuildMessageStorageOnStartup = JasperFx.AutoCreate.CreateOrUpdate;
        // Scheduled retries, deliveries held back behind an earlier one and messages left by a stopped instance are
        // found by polling the inbox: as often as FactDesk's own sender polled its outbox.
        options.Durability.ScheduledJobPollingTime = webhooks.PollInterval;
        options.Durability.ScheduledJobFirstExecution = webhooks.PollInterval;
        // At shutdown an attempt under way may finish (it is cut at Webhooks:Timeout anyway); what is left is released
        // to the next instance. Wolverine's default, 30 s, held every stop with deliveries being retried that long.
        options.Durability.DrainTimeout = webhooks.Timeout;

        options.Discovery.IncludeType(typeof(DeliverWebhookHandler));
        // One (subscription, stream) at a time, several at once: Wolverine's group id is the line.
        options.MessagePartitioning.ByMessage<DeliverWebhook>(m => m.Line);
        options.PublishMessage<DeliverWebhook>().ToLocalQueue(QueueName);
        options.LocalQueue(QueueName).UseDurableInbox().PartitionProcessingByGroupId(PartitionSlots.Nine);
    }
}
