using System.Text.Json;

namespace FactDesk.TamperEvidence;

/// <summary>Names an event class in the log with a stable, versioned type name such as <c>claim-flagged.v1</c>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class EventTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Who caused an append and why: stored beside every event it writes.</summary>
public sealed record EventMetadata(
    string ActorName,
    string ActorRole,
    string CorrelationId,
    string CausationId,
    string? IdempotencyKey = null)
{
    /// <summary>
    /// The W3C traceparent of the command that appends, handed to the inline projections of this append (the webhook
    /// outbox keeps it, so a delivery continues the command's trace). Not stored in the log.
    /// </summary>
    public string? TraceParent { get; init; }
}

/// <summary>An event to append: its client-chosen id (the key for idempotent retries) and its payload.</summary>
public sealed record EventToAppend(Guid EventId, object Data);

/// <summary>An event as stored: where it sits globally and in its stream, what it says, who wrote it and its hash.</summary>
public sealed record RecordedEvent(
    long Position,
    Guid StreamId,
    string StreamType,
    long Version,
    Guid EventId,
    string Type,
    object Data,
    EventMetadata Metadata,
    DateTimeOffset RecordedAt,
    ulong TransactionId,
    byte[] Hash)
{
    private object? _data = Data;
    private readonly Func<object>? _readData;

    /// <summary>The event as its class (or as JSON when its type is unknown here).</summary>
    public object Data
    {
        get
        {
            if (Volatile.Read(ref _data) is { } data) return data;
            // Readers racing to be first may each deserialize; all of them get the one instance that was kept.
            Interlocked.CompareExchange(ref _data, _readData!(), null);
            return _data!;
        }
        init => _data = value;
    }

    /// <summary>
    /// Reads <see cref="Data"/> only when first asked for (give <c>null</c> for Data then): projections that copy the
    /// stored JSON, such as the audit trail, never pay for turning it into classes.
    /// </summary>
    public Func<object> ReadData { init => _readData = value; }

    private object? _dataJson;
    private readonly Func<JsonElement>? _readDataJson;

    /// <summary>The event data as stored JSON (useful for events of unknown type and for history views).</summary>
    public JsonElement DataJson
    {
        get
        {
            if (Volatile.Read(ref _dataJson) is JsonElement json) return json;
            if (_readDataJson is null) return default; // recorded without JSON
            Interlocked.CompareExchange(ref _dataJson, _readDataJson(), null);
            return (JsonElement)_dataJson!;
        }
        init => _dataJson = value;
    }

    /// <summary>
    /// Makes <see cref="DataJson"/> only when first asked for: an append's events are serialized by Marten already, and
    /// most appends have nobody reading their JSON again in the process.
    /// </summary>
    public Func<JsonElement> ReadDataJson { init => _readDataJson = value; }
}

/// <summary>What the writer expects the stream's version to be before an append.</summary>
public readonly record struct ExpectedVersion(long Value)
{
    /// <summary>The stream must not exist yet.</summary>
    public static readonly ExpectedVersion NoStream = new(0);
    /// <summary>No check: append at whatever version the stream has.</summary>
    public static readonly ExpectedVersion Any = new(-1);
    public static ExpectedVersion Exactly(long version) =>
        version >= 1 ? new(version) : throw new ArgumentOutOfRangeException(nameof(version), "An exact version starts at 1; use NoStream for a new stream.");
    public override string ToString() => Value switch { 0 => "no stream", -1 => "any", var v => v.ToString() };
}

/// <summary>The result of an append: the stream's new version and the stored events. <c>WasRetry</c> is true when the same event ids were already stored and nothing new was written.</summary>
public sealed record AppendResult(Guid StreamId, long NextVersion, IReadOnlyList<RecordedEvent> Events, bool WasRetry);

/// <summary>Raised when an append lost a race: the stream was not at the expected version. Nothing was written.</summary>
public sealed class WrongExpectedVersionException(Guid streamId, ExpectedVersion expected, long actual)
    : Exception($"Stream {streamId} was expected at version {expected} but is at {actual}.")
{
    public Guid StreamId { get; } = streamId;
    public ExpectedVersion Expected { get; } = expected;
    /// <summary>The version the stream is at (0 when it does not exist).</summary>
    public long ActualVersion { get; } = actual;
}

/// <summary>Raised when some, but not all, of an append's event ids are already stored, or stored in another stream.</summary>
public sealed class DuplicateEventIdException(string message) : Exception(message);
