using Npgsql;

namespace FactDesk.EventStore;

/// <summary>A schema change owned by the engine or by a projection: applied once, in order, and recorded.</summary>
/// <param name="Id">Unique, stable name such as <c>eventstore/001-events</c>; recorded once applied.</param>
/// <param name="Sql">DDL; <c>{schema}</c> is replaced by the store's schema name.</param>
public sealed record Migration(string Id, string Sql);

/// <summary>Creates and migrates the store's schema at start-up: idempotent, safe when several instances start at once.</summary>
public static class EventStoreSchema
{
    /// <summary>The engine's own tables. Positions come from a sequence without cache so the high-water mark can trust its last value.</summary>
    public static readonly IReadOnlyList<Migration> EngineMigrations =
    [
        new("eventstore/001-streams-and-events", """
            create table {schema}.streams (
                id uuid primary key,
                type text not null,
                version bigint not null,
                head_hash bytea not null,
                created_at timestamptz not null default clock_timestamp(),
                updated_at timestamptz not null default clock_timestamp()
            );
            create sequence {schema}.event_positions as bigint cache 1;
            create table {schema}.events (
                position bigint primary key default nextval('{schema}.event_positions'),
                stream_id uuid not null,
                version bigint not null,
                event_id uuid not null unique,
                type text not null,
                data jsonb not null,
                metadata jsonb not null,
                recorded_at timestamptz not null,
                tx_id xid8 not null default pg_current_xact_id(),
                hash bytea not null,
                unique (stream_id, version)
            );
            create table {schema}.projection_checkpoints (
                name text primary key,
                position bigint not null default 0,
                updated_at timestamptz not null default clock_timestamp()
            );
            -- The ledger chains every event's hash in global order, so a deleted or inserted event is found
            -- even when it is the last of its stream. It is filled after commit, so appends stay parallel.
            create table {schema}.ledger (
                position bigint primary key,
                event_hash bytea not null,
                chain_hash bytea not null
            );
            """),
        new("eventstore/002-append-functions", """
            -- The core of one append. It reports a lost race as status 2 instead of raising, so a batch of appends
            -- can share one statement and one commit. Status: 0 appended, 1 already stored (a retry), 2 wrong version.
            -- It looks for an earlier stored copy of its events only when its version check fails: a retry of a
            -- committed append always fails that check, and the common path saves a read.
            create or replace function {schema}.append_one(
                p_stream_id uuid, p_stream_type text, p_expected bigint,
                p_event_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[])
            returns table (o_status int, o_actual bigint, o_position bigint, o_version bigint, o_recorded_at timestamptz, o_tx_id xid8, o_hash bytea)
            language plpgsql as $$
            declare
                v_count int := cardinality(p_event_ids);
                v_stored int;
                v_current bigint;
                v_hash bytea;
                v_hashes bytea[] := '{}';
                v_now timestamptz;
                v_conflict boolean := false;
            begin
                -- Lock the stream row first: losers of a race stop here, before any position is drawn.
                select s.version, s.head_hash into v_current, v_hash from {schema}.streams s where s.id = p_stream_id for update;
                if not found then
                    if p_expected > 0 then
                        v_conflict := true;
                    else
                        insert into {schema}.streams (id, type, version, head_hash) values (p_stream_id, p_stream_type, 0, '\x'::bytea)
                            on conflict (id) do nothing;
                        if not found then
                            -- Created by a concurrent writer that has now committed: "any" appends after it, "no stream" lost.
                            select s.version, s.head_hash into v_current, v_hash from {schema}.streams s where s.id = p_stream_id for update;
                            v_conflict := p_expected = 0;
                        else
                            v_current := 0; v_hash := '\x'::bytea;
                        end if;
                    end if;
                elsif p_expected = 0 or (p_expected > 0 and v_current <> p_expected) then
                    v_conflict := true;
                end if;

                if v_conflict then
                    -- A retry of an append that already succeeded finds its events stored: answer with them, write nothing.
                    select count(*) into v_stored from {schema}.events e where e.event_id = any(p_event_ids);
                    if v_stored = 0 then
                        return query select 2, coalesce(v_current, 0), null::bigint, null::bigint, null::timestamptz, null::xid8, null::bytea;
                        return;
                    end if;
                    if v_stored = v_count and not exists (select 1 from {schema}.events e where e.event_id = any(p_event_ids) and e.stream_id <> p_stream_id) then
                        return query select 1, e.version, e.position, e.version, e.recorded_at, e.tx_id, e.hash
                            from {schema}.events e where e.event_id = any(p_event_ids) order by e.position;
                        return;
                    end if;
                    raise exception 'some event ids of this append are already stored' using errcode = 'ES002';
                end if;

                -- Read the clock under the stream lock so recorded times never go backwards within a stream.
                v_now := clock_timestamp();
                for i in 1 .. v_count loop
                    v_hash := sha256(v_hash || convert_to(concat_ws(E'\n',
                        p_stream_id::text, (v_current + i)::text, p_event_ids[i]::text, p_types[i],
                        p_data[i]::text, p_metadata[i]::text, ((extract(epoch from v_now) * 1000000)::bigint)::text), 'UTF8'));
                    v_hashes := v_hashes || v_hash;
                end loop;

                update {schema}.streams s set version = v_current + v_count, head_hash = v_hash, updated_at = v_now where s.id = p_stream_id;

                return query
                    insert into {schema}.events as e (stream_id, version, event_id, type, data, metadata, recorded_at, hash)
                    select p_stream_id, v_current + x.ord, x.id, p_types[x.ord], p_data[x.ord], p_metadata[x.ord], v_now, v_hashes[x.ord]
                    from unnest(p_event_ids) with ordinality as x(id, ord)
                    order by x.ord
                    returning 0, e.version, e.position, e.version, e.recorded_at, e.tx_id, e.hash;
            end;
            $$;

            -- One append, raising ES001 on a lost race (the single-append path).
            create or replace function {schema}.append_events(
                p_stream_id uuid, p_stream_type text, p_expected bigint,
                p_event_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[])
            returns table (o_position bigint, o_version bigint, o_recorded_at timestamptz, o_tx_id xid8, o_hash bytea, o_retry boolean)
            language plpgsql as $$
            declare r record;
            begin
                for r in select * from {schema}.append_one(p_stream_id, p_stream_type, p_expected, p_event_ids, p_types, p_data, p_metadata) loop
                    if r.o_status = 2 then
                        raise exception 'actual version %', r.o_actual using errcode = 'ES001';
                    end if;
                    o_position := r.o_position; o_version := r.o_version; o_recorded_at := r.o_recorded_at;
                    o_tx_id := r.o_tx_id; o_hash := r.o_hash; o_retry := r.o_status = 1;
                    return next;
                end loop;
            end;
            $$;

            -- Many appends in one statement: p_counts says how many of the flattened events belong to each append.
            create or replace function {schema}.append_batch(
                p_stream_ids uuid[], p_stream_types text[], p_expected bigint[], p_counts int[],
                p_event_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[])
            returns table (o_request int, o_status int, o_actual bigint, o_position bigint, o_version bigint, o_recorded_at timestamptz, o_tx_id xid8, o_hash bytea)
            language plpgsql as $$
            declare
                v_from int := 1;
                v_to int;
            begin
                for i in 1 .. cardinality(p_stream_ids) loop
                    v_to := v_from + p_counts[i] - 1;
                    return query select i, a.* from {schema}.append_one(p_stream_ids[i], p_stream_types[i], p_expected[i],
                        p_event_ids[v_from:v_to], p_types[v_from:v_to], p_data[v_from:v_to], p_metadata[v_from:v_to]) a;
                    v_from := v_to + 1;
                end loop;
            end;
            $$;
            """),
    ];

    /// <summary>Applies the engine's migrations, then the given ones, each at most once.</summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, string schema, IEnumerable<Migration> extra, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Serialises instances that start at the same time; released at commit.
        await Execute(connection, $"select pg_advisory_xact_lock({AdvisoryKeys.For("schema:" + schema)})", ct);
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
