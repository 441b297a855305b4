using FactDesk.Api.Subscriptions;
using FactDesk.TamperEvidence;

namespace FactDesk.Api.Webhooks;

/// <summary>Wires subscriptions' secrets, the target checks and webhook sending through Wolverine; settings come from <c>Webhooks:</c>.</summary>
public static class WebhookSetup
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        // Bound when first needed, so settings added after start-up wiring (test hosts) are seen.
        services.AddSingleton(_ => configuration.GetSection("Webhooks").Get<WebhookOptions>() ?? new WebhookOptions());
        services.AddSingleton<IHostLookup, DnsHostLookup>();
        services.AddSingleton<WebhookTargets>();
        services.AddSingleton<SubscriptionSecrets>();
        foreach (var table in SubscriptionSecrets.SchemaObjects()) services.AddSingleton(table);
        services.AddHostedService<SecretsProtection>();
        // Sending is Wolverine's: a durable local queue of DeliverWebhook messages (WebhookSending), handled by WebhookDelivery.
        services.AddSingleton<WebhookDelivery>();
        services.AddSingleton<WebhookDispatch>();
        services.AddSingleton(WebhookOutboxPruning.PrunedTable());
        services.AddSingleton<WebhookOutboxPruning>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookOutboxPruning>());
        return services;
    }
}
