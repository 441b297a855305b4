using FactDesk.GroupCommit;
using JasperFx;
using JasperFx.Events;
using Marten;

namespace FactDesk.Bench;

/// <summary>Marten's event store with FactDesk's settings (schema factdesk, Guid streams), in the given append mode.</summary>
public static class BenchMarten
{
    public static DocumentStore CreateStore(string connectionString, EventAppendMode mode) => DocumentStore.For(options =>
    {
        options.Connection(connectionString);
        options.UseFactDeskEvents();
        options.Events.AppendMode = mode;
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate; // applied in PrepareAsync; Marten checks once per store
    });

    public static Task PrepareAsync(DocumentStore store) => store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

    /// <summary>Empties mt_events and mt_streams (all Marten workloads share them) and resets the event sequence.</summary>
    public static Task ClearAsync(DocumentStore store) => store.Advanced.Clean.DeleteAllEventDataAsync();
}

/// <summary>
/// Plain Marten: one session and one transaction per append, a new stream with StartStream, then
/// <c>Append(stream, expectedVersion)</c> (Marten's expected version is the one after the append).
/// </summary>
public sealed class MartenAppendWorkload(string connectionString, int eventsPerStream, EventAppendMode mode) : IAppendWorkload
{
    private readonly DocumentStore _store = BenchMarten.CreateStore(connectionString, mode);

    public string Name { get; } = mode == EventAppendMode.Quick ? "Marten Quick" : "Marten (default)";

    public Task PrepareAsync() => BenchMarten.PrepareAsync(_store);

    public Task ClearAsync() => BenchMarten.ClearAsync(_store);

    public Func<Task> CreateWriter(int writer)
    {
        var streams = new WriterStreams(eventsPerStream);
        return async () =>
        {
            await using var session = _store.LightweightSession();
            if (streams.Version == 0) session.Events.StartStream(streams.StreamId, AppendPayload.NextEvent());
            else session.Events.Append(streams.StreamId, streams.Version + 1, AppendPayload.NextEvent());
            await session.SaveChangesAsync();
            streams.Appended();
        };
    }
}

/// <summary>FactDesk's group commit on Marten (<see cref="GroupCommitAppender"/>, Quick append), with its default lanes and batch size.</summary>
public sealed class MartenGroupCommitWorkload(string connectionString, int eventsPerStream) : IAppendWorkload
{
    public const string Label = "group commit on Marten";
    private readonly DocumentStore _store = BenchMarten.CreateStore(connectionString, EventAppendMode.Quick);
    private GroupCommitAppender? _appender;

    public string Name => Label;

    public GroupCommitCounts? GroupCommits => _appender?.Counts;

    public async Task PrepareAsync()
    {
        await BenchMarten.PrepareAsync(_store);
        _appender = new GroupCommitAppender(_store);
    }

    public Task ClearAsync() => BenchMarten.ClearAsync(_store);

    public Func<Task> CreateWriter(int writer)
    {
        var appender = _appender ?? throw new InvalidOperationException("PrepareAsync first");
        var streams = new WriterStreams(eventsPerStream);
        return async () =>
        {
            await appender.AppendAsync(streams.StreamId, streams.Version, [AppendPayload.NextEvent()]);
            streams.Appended();
        };
    }
}
