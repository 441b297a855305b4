using FactDesk.TamperEvidence;
using Npgsql;

namespace FactDesk.Api.Webhooks;

/// <summary>
/// Async: adds the outbox rows <see cref="WebhookOutboxProjection"/> could not see. An append's inline insert misses
/// a subscription whose position is lower but which had not committed yet; the runner only reads events below the
/// high-water mark, where every lower position is committed or gone, so here the subscriptions table is complete for
/// each event read. Same rows and ids as the inline insert, so <c>on conflict do nothing</c> leaves every row the
/// append wrote (and its delivery state) alone and makes replays harmless.
/// <para>A row added here may be sent after a later event of its stream was already delivered (the sender only
/// holds back rows behind a pending earlier one); it is still sent, as at-least-once asks, just out of order.</para>
/// <para>Its messages go into Wolverine's inbox in the daemon's transaction, for any instance: this process is not told
/// when Marten commits it, so Wolverine's durability agent sends them at its next poll.</para>
/// </summary>
public sealed class WebhookOutboxCatchUp(WebhookDispatch dispatch) : IProjection
{
    public const string ProjectionName = "webhook-outbox-catch-up";
    public string Name => ProjectionName;
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Async;
    // Owns nothing: the outbox belongs to the inline projection, and a rebuild must not forget what was delivered.
    public IReadOnlyList<string> Tables { get; } = [];
    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = [];

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct) =>
        await dispatch.QueueForAnyInstanceAsync(connection, await WebhookOutboxProjection.InsertOwedAsync(connection, events, ct), ct);
}
