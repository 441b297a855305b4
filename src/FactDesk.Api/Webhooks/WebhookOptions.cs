namespace FactDesk.Api.Webhooks;

/// <summary>Settings under <c>Webhooks:</c>. Times are TimeSpans ("00:00:01"), so tests can run the retry schedule in milliseconds.</summary>
public sealed class WebhookOptions
{
    /// <summary>Allow targets on loopback and private networks (tests, a newsroom's own network). Off by default.</summary>
    public bool AllowPrivateTargets { get; set; }
    /// <summary>Attempts before a delivery is dead.</summary>
    public int MaxAttempts { get; set; } = 8;
    /// <summary>The first retry waits up to this long; each further one up to twice as long (full jitter).</summary>
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>No retry waits longer than this.</summary>
    public TimeSpan RetryCap { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>How long one POST to a subscriber may take, connection included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// How often Wolverine polls its inbox for scheduled retries and for messages no instance holds, and how soon a
    /// delivery held back behind an earlier one of its line looks again.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>How long a subscription's previous secret still signs deliveries (beside the new one) after a rotation.</summary>
    public TimeSpan SecretRotationGrace { get; set; } = TimeSpan.FromHours(24);
    /// <summary>Delivered outbox rows older than this are pruned (pending and dead rows never are).</summary>
    public TimeSpan DeliveredRetention { get; set; } = TimeSpan.FromDays(7);
    /// <summary>How often the outbox is pruned.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);
    /// <summary>Rows pruned per transaction.</summary>
    public int PruneBatch { get; set; } = 1000;
    /// <summary>The <c>source</c> of every CloudEvent sent.</summary>
    public string Source { get; set; } = "/factdesk";

    /// <summary>Full-jitter back-off: a random wait between zero and min(cap, base * 2^(attempt-1)).</summary>
    public TimeSpan RetryDelay(int attempt, Random random)
    {
        var ceiling = Math.Min(RetryCap.TotalMilliseconds, RetryBase.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)));
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }
}
