using System.Data.Common;
using JasperFx.Core.Exceptions;
using JasperFx.Events;
using Marten.Storage;
using Npgsql;
using OperationRole = Weasel.Core.OperationRole;
using IStorageOperation = Weasel.Storage.IStorageOperation;
using IStorageSession = Weasel.Storage.IStorageSession;

namespace FactDesk.TamperEvidence;

/// <summary>
/// Locks a group commit's stream heads and checks their expected versions as the first statement of Marten's own
/// batch, so the check costs no round trip of its own. Marten puts event operations (its <c>DocumentType</c> is
/// <see cref="IEvent"/>) before all others and this one is queued before Marten turns the streams into operations, so
/// it runs first; a conflict raises (FD409), which stops the batch before Marten's statements draw any sequence number.
/// </summary>
internal sealed class LockStreamHeadsOperation(string schema, Guid[] streamIds, string[] streamTypes, long[] expected, Marten.IDocumentSession session)
    : IStorageOperation, IExceptionTransform
{
    public const string ConflictSqlState = "FD409";

    public Type DocumentType => typeof(IEvent);

    public OperationRole Role() => OperationRole.Other;

    public void ConfigureCommand(Weasel.Core.ICommandBuilder builder, IStorageSession session)
    {
        builder.Append($"select {schema}.lock_stream_heads_or_raise(");
        Typed(builder.AppendParameter(streamIds), NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid);
        builder.Append(", ");
        Typed(builder.AppendParameter(streamTypes), NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text);
        builder.Append(", ");
        Typed(builder.AppendParameter(expected), NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint);
        builder.Append(")");
    }

    public Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token) => Task.CompletedTask;

    /// <summary>
    /// Called by Marten with any failure of its batch (this operation's transform comes first), before it decides on
    /// tombstones. Marten would otherwise post, for every failed batch, a tombstone batch of its own (a write on another
    /// connection; with sequence numbers drawn, tombstone events: rows the hash chains do not cover). Group commit
    /// handles a failed batch itself (replay, or the append fails), so the session's pending streams are dropped here and
    /// Marten writes none. The lock's conflict becomes FactDesk's own exception, naming the stream that moved on.
    /// </summary>
    public bool TryTransform(Exception original, out Exception transformed)
    {
        session.EjectAllPendingChanges();
        var pg = original as PostgresException ?? original.InnerException as PostgresException;
        if (pg is { SqlState: ConflictSqlState })
        {
            // "stream <id> is at version <n>"
            var words = pg.MessageText.Split(' ');
            var stream = words.Length > 1 && Guid.TryParse(words[1], out var id) ? id : Guid.Empty;
            var actual = long.TryParse(words[^1], out var version) ? version : 0;
            var index = Array.IndexOf(streamIds, stream);
            transformed = new WrongExpectedVersionException(stream, new ExpectedVersion(index >= 0 ? expected[index] : 0), actual);
            return true;
        }
        transformed = original;
        return false;
    }

    internal static void Typed(object parameter, NpgsqlTypes.NpgsqlDbType type)
    {
        if (parameter is NpgsqlParameter npgsql) npgsql.NpgsqlDbType = type;
    }
}

/// <summary>
/// Chains the hashes of the events Marten has just written, as the last statement of Marten's batch (non-event
/// operations follow the event ones), and keeps what the chain returns (position, time, transaction, hash per event).
/// </summary>
internal sealed class ChainStreamsOperation(string schema, Guid[] streamIds, string[] streamTypes) : IStorageOperation
{
    public readonly record struct ChainedRow(Guid StreamId, long Version, long Position, DateTimeOffset RecordedAt, ulong TransactionId, byte[] Hash);

    /// <summary>The chained events in stream order, then version order; filled once Marten's batch ran.</summary>
    public List<ChainedRow> Rows { get; } = [];

    // Marten's own SQL operations use it: no document storage to create, no sorting among documents.
    public Type DocumentType => typeof(StorageFeatures);

    public OperationRole Role() => OperationRole.Other;

    public void ConfigureCommand(Weasel.Core.ICommandBuilder builder, IStorageSession session)
    {
        builder.Append($"select o_stream_id, o_version, o_position, o_recorded_at, o_tx_id::text, o_hash from {schema}.chain_locked_streams(");
        LockStreamHeadsOperation.Typed(builder.AppendParameter(streamIds), NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid);
        builder.Append(", ");
        LockStreamHeadsOperation.Typed(builder.AppendParameter(streamTypes), NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text);
        builder.Append(")");
    }

    public async Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token)
    {
        // Marten's write pipeline may run the same batch again after a failure known to have left nothing behind.
        Rows.Clear();
        while (await reader.ReadAsync(token))
            Rows.Add(new ChainedRow(reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3),
                ulong.Parse(reader.GetString(4)), reader.GetFieldValue<byte[]>(5)));
    }
}
