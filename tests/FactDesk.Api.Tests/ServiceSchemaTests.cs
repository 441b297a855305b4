using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Weasel.Core;

namespace FactDesk.Api.Tests;

/// <summary>The service's whole schema is declared to Marten and made by Weasel: complete after start-up, and left alone by the next instance.</summary>
public class ServiceSchemaTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    private static readonly string[] FactDeskTables =
    [
        "stream_heads", "event_hashes", "ledger", "daemon_positions", "projection_dead_letters",
        "audit_trail", "transparency_leaves", "transparency_nodes", "transparency_checkpoints", "verification_checkpoint", "verification_runs",
        "review_queue", "queue_discrepancy_links", "documents", "document_claims", "conflict_documents", "conflict_statements", "conflict_proposals",
        "discrepancies", "claim_discrepancies", "subscriptions", "subscription_secrets", "server_keys", "webhook_outbox", "webhook_outbox_pruned",
        "idempotency_keys", "page_sessions", "page_flashes", "data_protection_keys",
    ];

    [Fact]
    public async Task After_start_up_every_declared_table_exists_and_a_second_instance_finds_nothing_to_change()
    {
        var present = new List<string>();
        await using (var cmd = api.Store.DataSource.CreateCommand("select table_name from information_schema.tables where table_schema = 'factdesk'"))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) present.Add(reader.GetString(0));
        FactDeskTables.Except(present).ShouldBeEmpty();
        present.ShouldNotContain("schema_migrations");

        await using var second = api.WithWebHostBuilder(_ => { });
        var secondStore = second.Services.GetRequiredService<TamperEvidence.TamperEvidentLog>();
        var patch = await secondStore.Marten.Storage.Database.CreateMigrationAsync();
        patch.Difference.ShouldBe(SchemaPatchDifference.None,
            string.Join(Environment.NewLine, patch.Deltas.Where(d => d.Difference != SchemaPatchDifference.None).Select(d => $"{d.SchemaObject.Identifier}: {d.Difference}")));

        _ = second.Server; // starts the second instance, which migrates on start-up
        await second.Services.GetRequiredService<Hosting.SchemaState>().Migrated.WaitAsync(TimeSpan.FromSeconds(30));
        await secondStore.Marten.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
    }
}
