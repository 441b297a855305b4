using Npgsql;
using Weasel.Core;
using Weasel.Postgresql.Functions;

namespace FactDesk.TamperEvidence;

/// <summary>
/// FactDesk's tables and functions beside Marten's event tables, declared as Weasel schema objects in their final shape:
/// Marten (through Weasel) creates them on an empty database and brings an older one up to them at start-up.
/// </summary>
public static class LogSchema
{
    /// <summary>
    /// What FactDesk keeps beside Marten's event tables: each event's hash (chained per stream over the row as stored),
    /// each stream's head, the global ledger, where the daemon's ranges ended and the events it set aside.
    /// </summary>
    public static IReadOnlyList<ISchemaObject> EngineObjects(string schema)
    {
        var streamHeads = SchemaTables.For(schema, "stream_heads");
        streamHeads.AddColumn("stream_id", "uuid").AsPrimaryKey();
        streamHeads.AddColumn("type", "text").NotNull();
        streamHeads.AddColumn("version", "bigint").NotNull();
        streamHeads.AddColumn("head_hash", "bytea").NotNull();
        streamHeads.AddColumn("updated_at", "timestamptz").NotNull().DefaultValueByExpression("clock_timestamp()");

        var eventHashes = SchemaTables.For(schema, "event_hashes");
        eventHashes.AddColumn("position", "bigint").AsPrimaryKey();
        eventHashes.AddColumn("stream_id", "uuid").NotNull();
        eventHashes.AddColumn("version", "bigint").NotNull();
        eventHashes.AddColumn("event_id", "uuid").NotNull();
        eventHashes.AddColumn("hash", "bytea").NotNull();
        eventHashes.AddColumn("tx_id", "xid8").NotNull().DefaultValueByExpression("pg_current_xact_id()");
        eventHashes.Unique("event_id");

        // The ledger chains every event's hash in global order, so a deleted or inserted event is found
        // even when it is the last of its stream. It is filled after commit, so appends stay parallel.
        var ledger = SchemaTables.For(schema, "ledger");
        ledger.AddColumn("position", "bigint").AsPrimaryKey();
        ledger.AddColumn("event_hash", "bytea").NotNull();
        ledger.AddColumn("chain_hash", "bytea").NotNull();

        // The async projections' progress lives in Marten's mt_event_progression; daemon_positions only remembers where
        // each projection's last range ended, since the daemon does not hand over events of types it does not know.
        var daemonPositions = SchemaTables.For(schema, "daemon_positions");
        daemonPositions.AddColumn("projection", "text").AsPrimaryKey();
        daemonPositions.AddColumn("position", "bigint").NotNull();

        // Events an async projection could not apply, set aside so the projection goes on.
        var deadLetters = SchemaTables.For(schema, "projection_dead_letters");
        deadLetters.AddColumn("projection", "text").NotNull();
        deadLetters.AddColumn("position", "bigint").NotNull();
        deadLetters.AddColumn("event_type", "text").NotNull();
        deadLetters.AddColumn("error", "text").NotNull();
        deadLetters.AddColumn("recorded_at", "timestamptz").NotNull().DefaultValueByExpression("clock_timestamp()");
        deadLetters.PrimaryKey("projection", "position");

        return [streamHeads, eventHashes, ledger, daemonPositions, deadLetters,
            // event_hash_input before event_hash, whose body is checked against it when created.
            SchemaFunctions.For(schema, EventHashInputFunction), SchemaFunctions.For(schema, EventHashFunction),
            SchemaFunctions.For(schema, LockStreamHeadsOrRaiseFunction),
            SchemaFunctions.For(schema, ChainLockedStreamsFunction)];
    }

    // The functions are written as pg_get_functiondef prints them (argument types spelled out, RETURNS TABLE(...),
    // $function$ quotes), which is what Weasel compares them with: a start-up on a migrated database changes nothing.

    /// <summary>
    /// What is hashed of one stored event: every column of its mt_events row that says what happened, who did it and
    /// when, as stored (jsonb as text). STABLE, as its body is (a timestamp's epoch), so the planner inlines it into the
    /// chain's query instead of calling it per row. EventHash.Compute is its twin in .NET.
    /// </summary>
    private const string EventHashInputFunction = """
        CREATE OR REPLACE FUNCTION {schema}.event_hash_input(p_stream_id uuid, p_version bigint, p_id uuid, p_type text, p_data jsonb, p_correlation_id text, p_causation_id text, p_headers jsonb, p_timestamp timestamp with time zone)
         RETURNS bytea
         LANGUAGE sql
         STABLE
        AS $function$
            select convert_to(concat_ws(E'\n', p_stream_id::text, p_version::text, p_id::text, p_type,
                p_data::text, coalesce(p_correlation_id, ''), coalesce(p_causation_id, ''), coalesce(p_headers::text, ''),
                ((extract(epoch from p_timestamp) * 1000000)::bigint)::text), 'UTF8')
        $function$;
        """;

    /// <summary>The hash of one stored event: its predecessor's hash and its row's bytes (<c>event_hash_input</c>).</summary>
    private const string EventHashFunction = """
        CREATE OR REPLACE FUNCTION {schema}.event_hash(p_previous bytea, p_stream_id uuid, p_version bigint, p_id uuid, p_type text, p_data jsonb, p_correlation_id text, p_causation_id text, p_headers jsonb, p_timestamp timestamp with time zone)
         RETURNS bytea
         LANGUAGE sql
         IMMUTABLE
        AS $function$
            select sha256(p_previous || {schema}.event_hash_input(p_stream_id, p_version, p_id, p_type, p_data, p_correlation_id, p_causation_id, p_headers, p_timestamp))
        $function$;
        """;

    /// <summary>
    /// Runs first inside Marten's own batch, before its appends (one round trip for lock, append and chain; streams
    /// sorted by id): locks each stream's head, creating it for a new stream (so two creators queue here too), and stops
    /// the batch with FactDesk's SQLSTATE <c>FD409</c> at the first stream not at its expected version (0: must not
    /// exist; -1: any), before Marten draws any sequence number, so Marten never covers burned numbers with tombstones.
    /// </summary>
    private const string LockStreamHeadsOrRaiseFunction = """
        CREATE OR REPLACE FUNCTION {schema}.lock_stream_heads_or_raise(p_stream_ids uuid[], p_stream_types text[], p_expected bigint[])
         RETURNS void
         LANGUAGE plpgsql
        AS $function$
        declare
            v_version bigint;
        begin
            -- An id before Marten draws any number: the projection runner's high-water mark relies on it.
            perform pg_current_xact_id();
            -- One stream at a time, in the batch's order (by stream id, as every batch sorts): batches that share streams lock
            -- them in the same order and cannot deadlock.
            for i in 1 .. cardinality(p_stream_ids) loop
                -- Most appends go to a stream that exists: lock its head first, create one only when there is none.
                select h.version into v_version from {schema}.stream_heads h where h.stream_id = p_stream_ids[i] for update;
                if not found then
                    insert into {schema}.stream_heads (stream_id, type, version, head_hash)
                        values (p_stream_ids[i], p_stream_types[i], 0, '\x'::bytea) on conflict (stream_id) do nothing;
                    if found then
                        v_version := 0;
                    else
                        -- Another creator committed it meanwhile (the insert waited for it): lock theirs.
                        select h.version into v_version from {schema}.stream_heads h where h.stream_id = p_stream_ids[i] for update;
                    end if;
                end if;
                if p_expected[i] <> -1 and v_version <> p_expected[i] then
                    -- The message carries stream and version (Npgsql hides DETAIL by default).
                    raise exception using errcode = 'FD409', message = format('stream %s is at version %s', p_stream_ids[i], v_version);
                end if;
            end loop;
        end;
        $function$;
        """;

    /// <summary>
    /// Runs inside Marten's batch, after its appends: chains each stream's new events (those past its head's version)
    /// onto its head, in stream order then version order, and moves the heads, which <c>lock_stream_heads_or_raise</c>
    /// locked earlier in the same transaction: one read for the batch, one insert of all the hashes and one write of all
    /// the heads.
    /// </summary>
    private const string ChainLockedStreamsFunction = """
        CREATE OR REPLACE FUNCTION {schema}.chain_locked_streams(p_stream_ids uuid[], p_stream_types text[])
         RETURNS TABLE(o_stream_id uuid, o_version bigint, o_position bigint, o_recorded_at timestamp with time zone, o_tx_id xid8, o_hash bytea)
         LANGUAGE plpgsql
        AS $function$
            -- plpgsql, not sql: its body is checked when first run, so Marten's tables need not exist when it is created.
            declare
                v_hash bytea;
                v_stream uuid;
                v_tx xid8 := pg_current_xact_id();
                v_positions bigint[] := '{}';
                v_streams uuid[] := '{}';
                v_versions bigint[] := '{}';
                v_ids uuid[] := '{}';
                v_hashes bytea[] := '{}';
                r record;
            begin
                -- One query for the whole batch: each stream's head, then its events past the head, in stream then version
                -- order. The look-ups are lateral, by key, so they stay index scans per stream whatever plan plpgsql caches (a
                -- plain join over the batch once got a cached plan that hash-joined whole tables and slowed as the log grew).
                -- Each row's bytes are event_hash's (event_hash_input, inlined into this query): the loop hashes them, with
                -- no call of event_hash per event. A loop, not a recursive query: linear in the events however many one
                -- stream gets in one append.
                for r in
                    select s.stream_id, coalesce(h.head_hash, '\x'::bytea) as head_hash, e.seq_id, e.version, e.id, e.timestamp,
                        {schema}.event_hash_input(s.stream_id, e.version, e.id, e.type, e.data, e.correlation_id, e.causation_id, e.headers, e.timestamp) as content
                    from unnest(p_stream_ids) with ordinality s(stream_id, ord)
                    left join lateral (select h.head_hash, h.version from {schema}.stream_heads h where h.stream_id = s.stream_id limit 1) h on true
                    join lateral (select e.seq_id, e.version, e.id, e.timestamp, e.type, e.data, e.correlation_id, e.causation_id, e.headers
                                  from {schema}.mt_events e
                                  where e.stream_id = s.stream_id and e.version > coalesce(h.version, 0)
                                  order by e.version offset 0) e on true
                    order by s.ord, e.version
                loop
                    if v_stream is distinct from r.stream_id then
                        v_stream := r.stream_id;
                        v_hash := r.head_hash;
                    end if;
                    v_hash := sha256(v_hash || r.content);
                    v_positions := v_positions || r.seq_id;
                    v_streams := v_streams || r.stream_id;
                    v_versions := v_versions || r.version;
                    v_ids := v_ids || r.id;
                    v_hashes := v_hashes || v_hash;
                    o_stream_id := r.stream_id; o_version := r.version; o_position := r.seq_id;
                    o_recorded_at := r.timestamp; o_tx_id := v_tx; o_hash := v_hash;
                    return next;
                end loop;
                insert into {schema}.event_hashes (position, stream_id, version, event_id, hash)
                    select * from unnest(v_positions, v_streams, v_versions, v_ids, v_hashes);
                -- Each stream's last event becomes its head (a head missing despite the lock is written here too).
                insert into {schema}.stream_heads as h (stream_id, type, version, head_hash)
                    select distinct on (c.stream_id) c.stream_id, t.type, c.version, c.hash
                    from unnest(v_streams, v_versions, v_hashes) c(stream_id, version, hash)
                    join unnest(p_stream_ids, p_stream_types) t(stream_id, type) on t.stream_id = c.stream_id
                    order by c.stream_id, c.version desc
                    on conflict (stream_id) do update set version = excluded.version, head_hash = excluded.head_hash, updated_at = clock_timestamp();
            end;
        $function$;
        """;

    /// <summary>Functions earlier versions declared and nothing calls any more (the declared ones replaced their callers).</summary>
    private static readonly string[] RetiredFunctions =
        ["lock_stream_heads(uuid[], text[], bigint[])", "chain_appended_events(uuid[], text[], bigint[], bigint[])"];

    /// <summary>
    /// Creates or migrates every schema object the Marten store knows (its own, the engine's, the projections' and the
    /// application's, all registered as Marten's extended schema objects). Marten takes no lock for this call, so
    /// instances that start at once queue on an advisory lock: the second finds the schema made and changes nothing.
    /// </summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, Marten.IDocumentStore marten, string schema, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Released at commit. Until Weasel is done this transaction writes nothing, so it cannot block Weasel's DDL on its
        // own connection; Weasel commits the replacements of the functions before the retired ones are dropped here.
        await using (var cmd = new NpgsqlCommand($"select pg_advisory_xact_lock({AdvisoryKeys.For("schema:" + schema)})", connection, tx))
            await cmd.ExecuteNonQueryAsync(ct);
        await marten.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        // Weasel creates and replaces what is declared but never drops what no longer is: functions earlier versions made.
        // Best effort: a role that may not drop them (not their owner) leaves them, unused, rather than failing start-up.
        var drops = string.Concat(RetiredFunctions.Select(f => $"drop function if exists {schema}.{f}; "));
        await using (var cmd = new NpgsqlCommand($"do $$ begin {drops}exception when insufficient_privilege then null; end $$", connection, tx))
            await cmd.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }
}

/// <summary>Declaring FactDesk's SQL functions as Weasel <see cref="Function"/>s.</summary>
public static class SchemaFunctions
{
    /// <summary>A function from its <c>create or replace</c> text; <c>{schema}</c> becomes the store's schema.</summary>
    public static Function For(string schema, string sql) => Function.ForSql(sql.Replace("{schema}", schema));
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
