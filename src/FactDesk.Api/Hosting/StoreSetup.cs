using FactDesk.Api.Http;
using FactDesk.Api.Webhooks;
using FactDesk.TamperEvidence;
using Marten.Events.Daemon.Coordination;
using Npgsql;

namespace FactDesk.Api.Hosting;

/// <summary>Wires the event store, its projections (every <see cref="IProjection"/> in this assembly) and its background work.</summary>
public static class StoreSetup
{
    public const string Schema = "factdesk";

    /// <summary>The configured connection string with FactDesk's pool settings, unless it sets them itself.</summary>
    private static NpgsqlConnectionStringBuilder ConnectionString(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("FactDesk")
            ?? throw new InvalidOperationException("Set ConnectionStrings__FactDesk to the PostgreSQL connection string.");
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!builder.ContainsKey("Timeout")) builder.Timeout = 5;
        if (!builder.ContainsKey("Maximum Pool Size")) builder.MaxPoolSize = 100;
        // Prepared statements roughly halve the server's planning work per append (measured +33-60% appends/s).
        if (!builder.ContainsKey("Max Auto Prepare")) builder.MaxAutoPrepare = 50;
        return builder;
    }

    public static IServiceCollection AddFactDeskStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => NpgsqlDataSource.Create(ConnectionString(configuration).ConnectionString));
        services.AddSingleton(_ => new CommitConnections(NpgsqlDataSource.Create(CommitConnections.Settings(ConnectionString(configuration)))));
        services.AddSingleton(_ => new EventTypeRegistry(JsonDefaults.Options).RegisterAssembly(typeof(StoreSetup).Assembly));
        services.AddSingleton(sp =>
        {
            var options = new TamperEvidentLogOptions { Schema = Schema, CommitConnections = sp.GetRequiredService<CommitConnections>().DataSource }
                // Commands read these as one document per stream, kept in the append's transaction.
                .Snapshot<Claims.Claim>(Claims.Claim.StreamType).Snapshot<Discrepancies.Discrepancy>(Discrepancies.Discrepancy.StreamType)
                .Snapshot<Documents.Document>(Documents.Document.StreamType).Snapshot<Subscriptions.Subscription>(Subscriptions.Subscription.StreamType);
            foreach (var type in typeof(StoreSetup).Assembly.GetTypes()
                         .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IProjection).IsAssignableFrom(t))
                         .OrderBy(t => t.FullName, StringComparer.Ordinal))
                options.Projections.Add((IProjection)ActivatorUtilities.CreateInstance(sp, type));
            options.SchemaObjects.Add(IdempotencyStore.Table());
            // Each feature registers its own tables (beside its code) as schema objects.
            options.SchemaObjects.AddRange(sp.GetServices<Weasel.Core.ISchemaObject>());
            return new TamperEvidentLog(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<EventTypeRegistry>(), options);
        });
        // Marten's store under the critter stack's own service types, so JasperFx's `projections` command finds it.
        services.AddSingleton<Marten.IDocumentStore>(sp => sp.GetRequiredService<TamperEvidentLog>().Marten);
        services.AddSingleton<JasperFx.Events.IEventStore>(sp => sp.GetRequiredService<TamperEvidentLog>().Marten);
        services.AddSingleton(sp => new ProjectionCoordinator(sp.GetRequiredService<TamperEvidentLog>().Marten,
            sp.GetRequiredService<ILogger<ProjectionCoordinator>>()));
        services.AddSingleton(sp => new ProjectionControl(sp.GetRequiredService<TamperEvidentLog>(), sp.GetRequiredService<ProjectionCoordinator>()));
        services.AddSingleton(sp => new LogVerifier(sp.GetRequiredService<TamperEvidentLog>()));
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<CommandPipeline>();
        services.AddSingleton<People.DeskPeople>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SchemaState>();
        services.AddHostedService<SchemaMigrationService>();
        services.AddHostedService<ProjectionDaemonService>();
        services.AddSingleton<Documents.Conflicts.DiscrepancyProposer>();
        services.AddHostedService(sp => sp.GetRequiredService<Documents.Conflicts.DiscrepancyProposer>());
        services.AddWebhooks(configuration);
        services.AddSingleton<Queue.QueueNotifications>();
        services.AddHostedService(sp => sp.GetRequiredService<Queue.QueueNotifications>());
        return services;
    }
}

/// <summary>Whether the schema has been created or migrated in this process: the service is not ready before.</summary>
public sealed class SchemaState
{
    private readonly TaskCompletionSource _migrated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public bool IsMigrated => _migrated.Task.IsCompleted;
    public Task Migrated => _migrated.Task;
    public void MarkMigrated() => _migrated.TrySetResult();
}

/// <summary>Creates or migrates the schema at start-up; keeps trying while the database is away.</summary>
public sealed class SchemaMigrationService(TamperEvidentLog store, SchemaState state, ILogger<SchemaMigrationService> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        // First attempt inline, so a reachable database is migrated before the first request is served.
        if (await TryMigrateAsync(ct)) return;
        _ = Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested && !await TryMigrateAsync(ct))
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }, ct);
    }

    private async Task<bool> TryMigrateAsync(CancellationToken ct)
    {
        try
        {
            await store.MigrateAsync(ct);
            state.MarkMigrated();
            log.LogInformation("Schema {Schema} is up to date.", store.Schema);
            return true;
        }
        catch (Exception e) when (CommandPipeline.IsDatabaseUnavailable(e))
        {
            log.LogWarning("Database not reachable for migration yet: {Message}", e.Message);
            return false;
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>
/// Starts Marten's async daemon (hot/cold: each async projection runs on one instance, and moves when that one dies)
/// once the schema exists.
/// </summary>
public sealed class ProjectionDaemonService(ProjectionCoordinator coordinator, TamperEvidentLog store, SchemaState schema,
    ProjectionControl control, ILogger<ProjectionDaemonService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        store.ProjectionFailed += (projection, error) =>
            log.LogError(error, "Async projection {Projection} failed a batch; Marten's daemon retries it", projection);
        store.EventDeadLettered += (projection, e, error) =>
            log.LogError(error, "Async projection {Projection} set aside event {Position} ({EventType}) as a dead letter", projection, e.Position, e.Type);
        try { await schema.Migrated.WaitAsync(ct); }
        catch (OperationCanceledException) { return; }
        await coordinator.StartAsync(ct);
        // Marten's daemon skips events of types this build does not know; at the end of the log no later batch picks
        // them up, so they are applied here (a newer version's events, while this one still runs the projections).
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                foreach (var projection in await control.ApplySkippedTailsAsync(ct))
                    log.LogInformation("Async projection {Projection} applied events Marten's daemon skipped as of unknown types", projection);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) { log.LogWarning("Catching up events Marten's daemon skipped: {Message}", e.Message); }
        }
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        await base.StopAsync(ct);
        await coordinator.StopAsync(ct);
    }
}

/// <summary>
/// The group commits' own connection pool (see <see cref="TamperEvidentLogOptions.CommitConnections"/>): a few
/// connections, one per commit lane and four more, kept as they are between commits. Disposed with the host.
/// </summary>
public sealed class CommitConnections(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>
    /// The store's settings, without the reset on return (a commit leaves no session state: no LISTEN, no session
    /// lock or setting) and with room for the commit lanes and the check of a failed batch, not for the whole service.
    /// </summary>
    public static string Settings(NpgsqlConnectionStringBuilder store, int? lanes = null)
    {
        var commits = new NpgsqlConnectionStringBuilder(store.ConnectionString) { NoResetOnClose = true };
        commits.MaxPoolSize = Math.Min(store.MaxPoolSize, (lanes ?? new TamperEvidentLogOptions().CommitLanes) + 4);
        return commits.ConnectionString;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
