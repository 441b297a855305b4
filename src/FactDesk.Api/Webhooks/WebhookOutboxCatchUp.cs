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
/// </summary>
public sealed class WebhookOutboxCatchUp : IProjection
{
    public string Name => "webhook-outbox-catch-up";
    public ProjectionLifecycle Lifecycle => ProjectionLifecycle.Async;
    // Owns nothing: the outbox belongs to the inline projection, and a rebuild must not forget what was delivered.
    public IReadOnlyList<string> Tables { get; } = [];
    public IReadOnlyList<Weasel.Core.ISchemaObject> SchemaObjects { get; } = [];

    public Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, CancellationToken ct) =>
        WebhookOutboxProjection.InsertOwedAsync(connection, events, ct);
}
