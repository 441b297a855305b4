using FactDesk.Api.Claims;
using Shouldly;

namespace FactDesk.Api.Tests.Queue;

/// <summary>A busy news day written through the store: 300 claims taken through random but legal-looking histories.</summary>
public class ReadModelRebuildTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    private const string QueueRows = "select to_jsonb(q)::text from factdesk.review_queue q order by claim_id";
    private const string LinkRows = "select to_jsonb(l)::text from factdesk.queue_discrepancy_links l order by discrepancy_id, claim_id";
    private const string AuditRows = "select to_jsonb(a)::text from factdesk.audit_trail a order by position";

    private async Task<Guid[]> BusyNewsDayAsync()
    {
        var claims = Enumerable.Range(0, 300).Select(_ => Guid.NewGuid()).ToArray();
        var desks = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        var people = new[] { "Mara Lind", "Jon Berg", "Ines Vale" };
        var start = new DateTimeOffset(2025, 5, 1, 6, 0, 0, TimeSpan.Zero);
        await Parallel.ForEachAsync(claims.Select((id, n) => (id, n)), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (c, _) =>
        {
            var random = new Random(c.n);
            var at = start.AddMinutes(random.Next(600));
            await api.FlagAsync((Priority)random.Next(4), random.Next(3) == 0 ? null : at.AddHours(random.Next(1, 48)), at,
                random.Next(4) == 0 ? null : desks[random.Next(desks.Length)], c.id, $"claim {c.n}");
            var sources = new List<Guid>();
            var closed = false;
            for (var step = random.Next(8); step > 0; step--)
            {
                object e = random.Next(10) switch
                {
                    0 or 1 => new ClaimAssigned(c.id, people[random.Next(people.Length)], NewsroomHistory.Desk, at),
                    2 or 3 or 4 => new SourceAttached(c.id, Guid.NewGuid(), "https://stats.example/" + random.Next(100), null, null, null, null, null,
                        (Stance)random.Next(3), (SourceKind)random.Next(2), NewsroomHistory.Desk, at),
                    5 when sources.Count > 0 => new SourceRetracted(c.id, sources[0], "withdrawn", NewsroomHistory.Desk, at),
                    6 when sources.Count > 0 => new VerdictProposed(c.id, (Rating)random.Next(6), "checked against the release", null, NewsroomHistory.Desk, at),
                    7 => closed ? new ClaimReopened(c.id, "new evidence", NewsroomHistory.Desk, at) : new ClaimDismissed(c.id, "not checkable", NewsroomHistory.Desk, at),
                    8 => new VerdictApproved(c.id, null, NewsroomHistory.Desk, at),
                    _ => new FactCheckPublished(c.id, null, NewsroomHistory.Desk, at),
                };
                if (e is SourceAttached attached) sources.Add(attached.SourceId);
                if (e is SourceRetracted) sources.RemoveAt(0);
                closed = e is ClaimDismissed or FactCheckPublished || (closed && e is not ClaimReopened);
                await api.AppendToClaimAsync(c.id, e);
            }
        });
        var pick = new Random(99);
        for (var d = 0; d < 40; d++)
        {
            var discrepancy = Guid.NewGuid();
            await api.OpenDiscrepancyAsync(discrepancy, claims[pick.Next(claims.Length)], claims[pick.Next(claims.Length)]);
            if (pick.Next(2) == 0) await api.ResolveDiscrepancyAsync(discrepancy);
        }
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(60));
        return claims;
    }

    [Fact]
    public async Task Rebuilding_the_queue_and_the_audit_trail_from_the_log_gives_the_live_tables_back()
    {
        var claims = await BusyNewsDayAsync();
        var queue = await api.RowsAsJsonAsync(QueueRows);
        var links = await api.RowsAsJsonAsync(LinkRows);
        var audit = await api.RowsAsJsonAsync(AuditRows);
        queue.Count.ShouldBeGreaterThanOrEqualTo(claims.Length);
        links.Count.ShouldBeGreaterThan(40);
        var missing = await api.RowsAsJsonAsync("select concat_ws(' ', e.seq_id, e.type, e.version, e.timestamp, (select last_seq_id from factdesk.mt_event_progression where name='audit-trail:All')) from factdesk.mt_events e where not exists (select 1 from factdesk.audit_trail a where a.position = e.seq_id) order by 1 limit 30");
        audit.Count.ShouldBe((int)await api.CountEventsAsync(), string.Join("\n", missing));
        queue.ShouldContain(r => r.Contains("\"open_discrepancies\": 1"));

        await api.Projections.RebuildAsync("review-queue");
        await api.Projections.RebuildAsync("audit-trail");

        (await api.RowsAsJsonAsync(QueueRows)).ShouldBe(queue);
        (await api.RowsAsJsonAsync(LinkRows)).ShouldBe(links);
        (await api.RowsAsJsonAsync(AuditRows)).ShouldBe(audit);

        // The command-line path, as an operator runs it: FactDesk's `replay-projections` on JasperFx's command line
        // for an inline projection, and JasperFx's own `projections` (Marten's daemon) for an async one. FactDesk's
        // refuses an async projection while a service instance (this test's host) runs it.
        await api.ExecuteAsync("update factdesk.review_queue set status = 'dismissed', open_discrepancies = 99");
        var inline = await ServiceCommandLine.RunAsync(api.ConnectionString, "replay-projections", "rebuild", "--projection", "review-queue");
        inline.ExitCode.ShouldBe(0, inline.Output);
        inline.Output.ShouldContain("review-queue: ");
        (await api.RowsAsJsonAsync(QueueRows)).ShouldBe(queue);

        await api.ExecuteAsync("update factdesk.audit_trail set actor = 'nobody'");
        var refused = await ServiceCommandLine.RunAsync(api.ConnectionString, "replay-projections", "rebuild", "--projection", "audit-trail");
        refused.ExitCode.ShouldNotBe(0, refused.Output);
        // The console wraps long lines: compare with whitespace runs as single spaces.
        System.Text.RegularExpressions.Regex.Replace(refused.Output, @"\s+", " ")
            .ShouldContain("A running instance of the service holds the async projection 'audit-trail'");
        (await api.RowsAsJsonAsync("select distinct actor from factdesk.audit_trail")).ShouldBe(["nobody"]);

        var daemon = await ServiceCommandLine.RunAsync(api.ConnectionString, "projections", "rebuild", "--projection", "audit-trail");
        daemon.ExitCode.ShouldBe(0, daemon.Output);
        daemon.Output.ShouldContain("Finished rebuilding audit-trail");
        (await api.RowsAsJsonAsync(AuditRows)).ShouldBe(audit);

        var unknown = await ServiceCommandLine.RunAsync(api.ConnectionString, "replay-projections", "rebuild", "--projection", "front-page");
        unknown.ExitCode.ShouldNotBe(0);
        unknown.Output.ShouldContain("No projection named 'front-page'");
        (await api.RowsAsJsonAsync(QueueRows)).ShouldBe(queue);
    }
}

/// <summary>The service's own command line (<c>dotnet FactDesk.Api.dll ...</c>) run as a child process against a database.</summary>
public static class ServiceCommandLine
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string connectionString, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FactDesk.Api.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["ConnectionStrings__FactDesk"] = connectionString;
        start.Environment["Metrics__Url"] = "off";
        // A wide console, so JasperFx's tables and messages are not wrapped mid-word.
        start.Environment["COLUMNS"] = "200";
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await stdout + await stderr);
    }
}
