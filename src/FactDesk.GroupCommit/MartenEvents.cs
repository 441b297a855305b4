using JasperFx.Events;
using Marten;

namespace FactDesk.GroupCommit;

/// <summary>The Marten event-store settings FactDesk runs on, which <see cref="GroupCommitAppender"/> requires.</summary>
public static class MartenEvents
{
    /// <summary>The schema of FactDesk's events (mt_events, mt_streams and their functions).</summary>
    public const string Schema = "factdesk";

    /// <summary>Events in schema <c>factdesk</c>, Quick append (the version check in one server function), Guid stream ids.</summary>
    public static StoreOptions UseFactDeskEvents(this StoreOptions options, string schema = Schema)
    {
        options.Events.DatabaseSchemaName = schema;
        options.Events.AppendMode = EventAppendMode.Quick;
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        return options;
    }
}
