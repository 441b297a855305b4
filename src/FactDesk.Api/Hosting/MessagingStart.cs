using Wolverine.Runtime;

namespace FactDesk.Api.Hosting;

/// <summary>Whether Wolverine's runtime (commands and webhook deliveries) has started in this process.</summary>
public sealed class MessagingState
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public bool IsStarted => _started.Task.IsCompleted;
    public void MarkStarted() => _started.TrySetResult();
}

/// <summary>
/// Starts Wolverine once the schema exists. Wolverine's durable mode reads and writes its node records in PostgreSQL
/// while it starts, so with the database away it would stop the whole service from starting; FactDesk must start
/// anyway (live, not ready, commands answered 503) and recover by itself. With the database there, as usual, Wolverine
/// starts during the host's start-up exactly as it would by itself.
/// </summary>
public sealed class MessagingStart(IWolverineRuntime runtime, SchemaState schema, MessagingState state, ILogger<MessagingStart> log) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _starting = Task.CompletedTask;

    /// <summary>Takes Wolverine's own hosted-service registration out, so that this one starts it instead.</summary>
    public static IServiceCollection StartMessagingOnceTheSchemaExists(IServiceCollection services)
    {
        // UseWolverine registers the runtime as the first hosted service whose factory lives in Wolverine's assembly.
        var wolverine = services.First(d => d.ServiceType == typeof(IHostedService)
            && d.ImplementationFactory?.Method.DeclaringType?.Assembly == typeof(IWolverineRuntime).Assembly);
        services.Remove(wolverine);
        services.AddSingleton<MessagingState>();
        // Registered after the schema migration, so a reachable database is migrated before Wolverine starts.
        services.AddHostedService<MessagingStart>();
        return services;
    }

    public async Task StartAsync(CancellationToken ct)
    {
        if (schema.IsMigrated)
        {
            await StartWolverineAsync(ct);
            return;
        }
        _starting = Task.Run(async () =>
        {
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    await schema.Migrated.WaitAsync(_stopping.Token);
                    await StartWolverineAsync(_stopping.Token);
                    return;
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested) { return; }
                catch (Exception e)
                {
                    log.LogWarning("Wolverine could not start yet: {Message}", e.Message);
                    try { await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token); } catch (OperationCanceledException) { return; }
                }
            }
        });
    }

    private async Task StartWolverineAsync(CancellationToken ct)
    {
        await ((IHostedService)runtime).StartAsync(ct);
        state.MarkStarted();
    }

    public async Task StopAsync(CancellationToken ct)
    {
        await _stopping.CancelAsync();
        try { await _starting; } catch (OperationCanceledException) { }
        if (state.IsStarted) await ((IHostedService)runtime).StopAsync(ct);
    }
}
