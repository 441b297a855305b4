namespace FactDesk.GroupCommit;

/// <summary>How <see cref="GroupCommitAppender"/> groups appends into commits.</summary>
public sealed class GroupCommitOptions
{
    /// <summary>At most this many appends (each to a different stream) share one session and one commit.</summary>
    public int MaxAppendsPerCommit { get; set; } = 64;

    /// <summary>How many commits may be under way at once, each on its own connection.</summary>
    public int Lanes { get; set; } = 4;

    /// <summary>Writes that commit in each batch's transaction, after its events.</summary>
    public IGroupCommitHook? Hook { get; set; }

    /// <summary>
    /// Told of every transaction that committed: how many appends it carried and how long it took from taking its
    /// connection to COMMIT's answer (for metrics; it runs on the lane, so it must be quick; an exception it throws is ignored).
    /// </summary>
    public Action<GroupCommitted>? Committed { get; set; }

    /// <summary>Where commits take their connections; the store's own when not set.</summary>
    public Npgsql.NpgsqlDataSource? Connections { get; set; }
}
