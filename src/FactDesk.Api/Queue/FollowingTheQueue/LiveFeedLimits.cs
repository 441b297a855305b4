using FactDesk.Api.Http;

namespace FactDesk.Api.Queue.FollowingTheQueue;

/// <summary>Settings under <c>LiveFeeds:</c>: how many queue feeds (<c>GET /api/queue/events</c>) may be open.</summary>
public sealed class LiveFeedOptions
{
    /// <summary>Feeds one principal may hold open at once (a person's browser tabs, a tool's workers).</summary>
    public int MaxPerPrincipal { get; set; } = 8;
    /// <summary>Feeds open at once in this instance; null: a quarter of the connection limit.</summary>
    public int? MaxTotal { get; set; }
    /// <summary>What Retry-After says to a refused feed.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Counts open live feeds per principal and in all, so no token (a tool's included) can hold the connections the
/// newsroom needs: past a principal's share the feed is refused with 429, past the instance's with 503.
/// </summary>
public sealed class LiveFeedLimits(LiveFeedOptions options, int maxTotal)
{
    private readonly Dictionary<string, int> _byPrincipal = new(StringComparer.Ordinal);
    private int _total;

    public int MaxTotal => maxTotal;
    public LiveFeedOptions Options => options;

    public int Open
    {
        get { lock (_byPrincipal) return _total; }
    }

    /// <summary>Takes a place for a feed, or says why not (a problem to answer with).</summary>
    public Microsoft.AspNetCore.Mvc.ProblemDetails? TryEnter(string principal)
    {
        lock (_byPrincipal)
        {
            var mine = _byPrincipal.GetValueOrDefault(principal);
            if (mine >= options.MaxPerPrincipal)
                return Problems.Make(429, "too-many-live-feeds", "Too many live feeds for this principal.",
                    $"At most {options.MaxPerPrincipal} live feeds may be open per token or session; close one, or retry later.");
            if (_total >= maxTotal)
                return Problems.Make(503, "live-feeds-full", "No live feed available.",
                    "The service holds as many live feeds as it allows; the queue can be polled meanwhile. Retry later.");
            _byPrincipal[principal] = mine + 1;
            _total++;
            return null;
        }
    }

    public void Leave(string principal)
    {
        lock (_byPrincipal)
        {
            if (!_byPrincipal.TryGetValue(principal, out var mine)) return;
            if (mine <= 1) _byPrincipal.Remove(principal);
            else _byPrincipal[principal] = mine - 1;
            _total--;
        }
    }
}
