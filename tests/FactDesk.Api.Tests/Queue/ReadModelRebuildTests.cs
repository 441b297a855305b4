using FactDesk.Api.Claims;
using FactDesk.Api.Hosting;
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

        // The command-line path: a damaged table is rebuilt by `projections rebuild review-queue`.
        await api.ExecuteAsync("update factdesk.review_queue set status = 'dismissed', open_discrepancies = 99");
        (await ProjectionsCommand.RunAsync(["rebuild", "review-queue", $"--ConnectionStrings:FactDesk={api.ConnectionString}"])).ShouldBe(0);
        (await api.RowsAsJsonAsync(QueueRows)).ShouldBe(queue);

        (await ProjectionsCommand.RunAsync(["rebuild", "front-page", "--ConnectionStrings:FactDesk", api.ConnectionString])).ShouldBe(2);
    }

    [Fact]
    public void Command_line_switches_take_their_value_with_an_equals_sign_or_as_the_next_argument()
    {
        var (switches, words) = ProjectionsCommand.SplitArguments(
            ["rebuild", "--ConnectionStrings:FactDesk", "Host=db;Port=5432", "review-queue", "--Logging:LogLevel:Default=Warning", "audit-trail"]);
        words.ShouldBe(["rebuild", "review-queue", "audit-trail"]);
        switches.ShouldBe(["--ConnectionStrings:FactDesk", "Host=db;Port=5432", "--Logging:LogLevel:Default=Warning"]);
    }
}
