using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Telemetry;

/// <summary>How far one async projection is behind the log: events not processed yet, and the age of the oldest of them.</summary>
public readonly record struct ProjectionLagFigure(string Projection, long Events, double Seconds);

/// <summary>
/// Reads each async projection's checkpoint against the log's head, for the lag gauges. Read when metrics are collected
/// (a scrape), at most once a second, with a short timeout: a scrape never waits long on a busy or absent database.
/// </summary>
public sealed class ProjectionLag(TamperEvidentLog store, TimeProvider clock, ILogger<ProjectionLag> log)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private IReadOnlyList<ProjectionLagFigure> _last = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public IReadOnlyList<ProjectionLagFigure> Read()
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (now - _readAt < Fresh) return _last;
            _readAt = now;
            try { _last = Query(now); }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or ObjectDisposedException)
            {
                // No figure is better than a stale one: the series disappears while the database is away.
                log.LogDebug("Projection lag not read: {Message}", e.Message);
                _last = [];
            }
            return _last;
        }
    }

    private IReadOnlyList<ProjectionLagFigure> Query(DateTimeOffset now)
    {
        var names = store.Options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Async).Select(p => p.Name).ToArray();
        if (names.Length == 0) return [];
        // Marten's daemon keeps each projection's progress; without a row yet it has processed nothing (position 0).
        using var cmd = store.DataSource.CreateCommand($"""
            select n.name, h.head - coalesce(c.last_seq_id, 0),
                   (select e.timestamp from {store.Schema}.mt_events e where e.seq_id > coalesce(c.last_seq_id, 0) order by e.seq_id limit 1)
            from unnest($1::text[]) as n(name)
            cross join (select coalesce(max(seq_id), 0) as head from {store.Schema}.mt_events) h
            left join {store.Schema}.mt_event_progression c on c.name = n.name || ':All'
            """);
        cmd.CommandTimeout = 2;
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
        var figures = new List<ProjectionLagFigure>(names.Length);
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var behind = Math.Max(0, reader.GetInt64(1));
            var seconds = behind == 0 || reader.IsDBNull(2) ? 0 : Math.Max(0, (now - reader.GetFieldValue<DateTimeOffset>(2)).TotalSeconds);
            figures.Add(new ProjectionLagFigure(reader.GetString(0), behind, seconds));
        }
        return figures;
    }
}
