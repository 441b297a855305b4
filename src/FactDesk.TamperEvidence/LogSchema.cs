using Npgsql;

namespace FactDesk.TamperEvidence;

/// <summary>A schema change owned by the engine or by a projection: applied once, in order, and recorded.</summary>
/// <param name="Id">Unique, stable name such as <c>eventstore/001-events</c>; recorded once applied.</param>
/// <param name="Sql">DDL; <c>{schema}</c> is replaced by the store's schema name.</param>
public sealed record Migration(string Id, string Sql);

/// <summary>Creates and migrates the store's schema at start-up: idempotent, safe when several instances start at once.</summary>
public static class LogSchema
{
    /// <summary>
    /// What FactDesk keeps beside Marten's event tables: each event's hash (chained per stream over the row as stored),
    /// each stream's head and the global ledger.
    /// </summary>
    public static readonly IReadOnlyList<Migration> EngineMigrations =
    [
        new("eventlog/001-hash-chains", """
            create table {schema}.stream_heads (
                stream_id uuid primary key,
                type text not null,
                version bigint not null,
                head_hash bytea not null,
                updated_at timestamptz not null default clock_timestamp()
            );
            create table {schema}.event_hashes (
                position bigint primary key,
                stream_id uuid not null,
                version bigint not null,
                event_id uuid not null,
                hash bytea not null,
                tx_id xid8 not null default pg_current_xact_id(),
                constraint event_hashes_event_id_key unique (event_id)
            );
            -- The ledger chains every event's hash in global order, so a deleted or inserted event is found
            -- even when it is the last of its stream. It is filled after commit, so appends stay parallel.
            create table {schema}.ledger (
                position bigint primary key,
                event_hash bytea not null,
                chain_hash bytea not null
            );

            -- The hash of one stored event: its predecessor's hash and every column of its mt_events row that says
            -- what happened, who did it and when, as stored (jsonb as text). EventHash.Compute is its twin.
            create function {schema}.event_hash(p_previous bytea, p_stream_id uuid, p_version bigint, p_id uuid, p_type text,
                p_data jsonb, p_correlation_id text, p_causation_id text, p_headers jsonb, p_timestamp timestamptz)
            returns bytea language sql immutable as $$
                select sha256(p_previous || convert_to(concat_ws(E'\n', p_stream_id::text, p_version::text, p_id::text, p_type,
                    p_data::text, coalesce(p_correlation_id, ''), coalesce(p_causation_id, ''), coalesce(p_headers::text, ''),
                    ((extract(epoch from p_timestamp) * 1000000)::bigint)::text), 'UTF8'))
            $$;

            -- Runs first in each batch's transaction, before Marten writes (streams sorted by id): locks each stream's
            -- head, creating it for a new stream (so two creators queue here too), and returns the streams that are not at the expected version
            -- (0: must not exist; -1: any). A batch with a conflict is stopped here, before Marten draws any sequence
            -- number, so Marten never has to cover burned numbers with tombstone events.
            create function {schema}.lock_stream_heads(p_stream_ids uuid[], p_stream_types text[], p_expected bigint[])
            returns table (o_stream_id uuid, o_actual bigint)
            language plpgsql as $$
            declare
                v_version bigint;
            begin
                -- An id before Marten draws any number: the projection runner's high-water mark relies on it.
                perform pg_current_xact_id();
                for i in 1 .. cardinality(p_stream_ids) loop
                    insert into {schema}.stream_heads (stream_id, type, version, head_hash)
                        values (p_stream_ids[i], p_stream_types[i], 0, '\x'::bytea) on conflict (stream_id) do nothing;
                    select h.version into v_version from {schema}.stream_heads h where h.stream_id = p_stream_ids[i] for update;
                    if found and p_expected[i] <> -1 and v_version <> p_expected[i] then
                        o_stream_id := p_stream_ids[i]; o_actual := v_version;
                        return next;
                    end if;
                end loop;
            end;
            $$;

            -- Runs in the append's transaction right after Marten wrote the events: chains versions p_from..p_to of
            -- each stream onto its head. Streams come sorted by id, so concurrent batches lock heads in one order.
            create function {schema}.chain_appended_events(p_stream_ids uuid[], p_stream_types text[], p_from bigint[], p_to bigint[])
            returns table (o_stream_id uuid, o_version bigint, o_position bigint, o_recorded_at timestamptz, o_tx_id xid8, o_hash bytea)
            language plpgsql as $$
            declare
                v_hash bytea;
                r record;
            begin
                for i in 1 .. cardinality(p_stream_ids) loop
                    select h.head_hash into v_hash from {schema}.stream_heads h where h.stream_id = p_stream_ids[i] for update;
                    if not found then
                        v_hash := '\x'::bytea;
                        insert into {schema}.stream_heads (stream_id, type, version, head_hash) values (p_stream_ids[i], p_stream_types[i], 0, v_hash);
                    end if;
                    for r in
                        select e.seq_id, e.version, e.id, e.timestamp,
                               e.type, e.data, e.correlation_id, e.causation_id, e.headers
                        from {schema}.mt_events e
                        where e.stream_id = p_stream_ids[i] and e.version between p_from[i] and p_to[i]
                        order by e.version
                    loop
                        v_hash := {schema}.event_hash(v_hash, p_stream_ids[i], r.version, r.id, r.type, r.data, r.correlation_id, r.causation_id, r.headers, r.timestamp);
                        insert into {schema}.event_hashes (position, stream_id, version, event_id, hash) values (r.seq_id, p_stream_ids[i], r.version, r.id, v_hash);
                        o_stream_id := p_stream_ids[i]; o_version := r.version; o_position := r.seq_id;
                        o_recorded_at := r.timestamp; o_tx_id := pg_current_xact_id(); o_hash := v_hash;
                        return next;
                    end loop;
                    update {schema}.stream_heads set version = p_to[i], head_hash = v_hash, updated_at = clock_timestamp() where stream_id = p_stream_ids[i];
                end loop;
            end;
            $$;
            """),
        // The async projections' progress now lives in Marten's mt_event_progression.
        // The async projections' progress lives in Marten's mt_event_progression; daemon_positions only remembers where
        // each projection's last range ended, since the daemon does not hand over events of types it does not know.
        new("eventlog/002-progress-in-marten", """
            drop table if exists {schema}.projection_checkpoints;
            create table {schema}.daemon_positions (projection text primary key, position bigint not null);
            -- Events an async projection could not apply, set aside so the projection goes on.
            create table {schema}.projection_dead_letters (
                projection text not null,
                position bigint not null,
                event_type text not null,
                error text not null,
                recorded_at timestamptz not null default clock_timestamp(),
                primary key (projection, position)
            );
            """),
        // Lock, Marten's writes and the chain travel in one round trip (one NpgsqlBatch): the lock must stop the batch by
        // raising (a returned row would not keep Marten's statements behind it from drawing sequence numbers), and the
        // chain takes each stream's range from the locked head (first new version) and Marten's mt_streams (last), since
        // an append at any version learns its versions only from Marten's function in the same batch.
        new("eventlog/003-one-round-trip", """
            create function {schema}.lock_stream_heads_or_raise(p_stream_ids uuid[], p_stream_types text[], p_expected bigint[])
            returns void language plpgsql as $$
            declare
                r record;
            begin
                for r in select * from {schema}.lock_stream_heads(p_stream_ids, p_stream_types, p_expected) loop
                    -- The message carries stream and version (Npgsql hides DETAIL by default); FD409 is FactDesk's own code.
                    raise exception using errcode = 'FD409', message = format('stream %s is at version %s', r.o_stream_id, r.o_actual);
                end loop;
            end;
            $$;

            create function {schema}.chain_locked_streams(p_stream_ids uuid[], p_stream_types text[])
            returns table (o_stream_id uuid, o_version bigint, o_position bigint, o_recorded_at timestamptz, o_tx_id xid8, o_hash bytea)
            language sql as $$
                select * from {schema}.chain_appended_events(p_stream_ids, p_stream_types,
                    array(select coalesce(h.version, 0) + 1 from unnest(p_stream_ids) with ordinality u(id, n)
                          left join {schema}.stream_heads h on h.stream_id = u.id order by u.n),
                    array(select coalesce(s.version, 0) from unnest(p_stream_ids) with ordinality u(id, n)
                          left join {schema}.mt_streams s on s.id = u.id order by u.n))
            $$;
            """),
    ];

    /// <summary>Applies Marten's schema, then the engine's migrations, then the given ones, each at most once.</summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, Marten.IDocumentStore marten, string schema, IEnumerable<Migration> extra, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Serialises instances that start at the same time; released at commit.
        await Execute(connection, $"select pg_advisory_xact_lock({AdvisoryKeys.For("schema:" + schema)})", ct);
        // Marten's own tables and functions first, on its own connection (this transaction has written nothing yet,
        // so it cannot block Marten's DDL); FactDesk's tables refer to them.
        await marten.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await Execute(connection, $"""
            create schema if not exists {schema};
            create table if not exists {schema}.schema_migrations (
                id text primary key,
                applied_at timestamptz not null default clock_timestamp());
            """, ct);

        var applied = new HashSet<string>();
        await using (var cmd = new NpgsqlCommand($"select id from {schema}.schema_migrations", connection))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) applied.Add(reader.GetString(0));

        foreach (var migration in EngineMigrations.Concat(extra))
        {
            if (applied.Contains(migration.Id)) continue;
            await Execute(connection, migration.Sql.Replace("{schema}", schema), ct);
            await using var record = new NpgsqlCommand($"insert into {schema}.schema_migrations (id) values ($1)", connection);
            record.Parameters.AddWithValue(migration.Id);
            await record.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Stable 64-bit keys for PostgreSQL advisory locks, derived from names.</summary>
public static class AdvisoryKeys
{
    public static long For(string name)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("factdesk:" + name));
        return BitConverter.ToInt64(hash, 0);
    }
}
