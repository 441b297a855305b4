using System.Net.Http.Json;
using FactDesk.TamperEvidence;
using FactDesk.Testing;
using Shouldly;

namespace FactDesk.Api.Tests.Audit;

/// <summary>
/// The audit trail is copied on the server by the same SQL that FactDesk's reader uses, so comparing the two would
/// check that SQL against itself. Here each row is checked against what the test knows independently: who sent the
/// command (the token), the correlation id it sent, Marten's columns read directly, and each event's hash recomputed
/// in .NET from those columns along its stream.
/// </summary>
public class AuditTrailRowsTests(FactDeskApi api) : IClassFixture<FactDeskApi>
{
    [Fact]
    public async Task Each_audit_trail_row_is_the_event_as_marten_stored_it_with_who_why_and_its_chained_hash()
    {
        var flag = new HttpRequestMessage(HttpMethod.Post, "/api/claims")
            { Content = JsonContent.Create(new { quote = "Rents rose 9% in 2024", reason = "a rate to check" }) };
        flag.Headers.Add("X-Correlation-Id", "audit-rows-1");
        flag.Headers.Add("Idempotency-Key", "audit-rows-flag");
        var flagged = await api.Tool.SendAsync(flag);
        flagged.EnsureSuccessStatusCode();
        var claim = (await flagged.ReadJsonAsync()).GetProperty("id").GetGuid();
        (await api.Editor.PostJsonAsync($"/api/claims/{claim}/assignment", new { assignee = "Jon Berg" })).EnsureSuccessStatusCode();
        // Projected first, so that the next event is alone in the daemon's next page.
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(30));
        // Written through Marten by something that is not FactDesk (a newer version, a script): no headers, no
        // correlation, no causation, no stream head and no hash. The trail still records it, with empty fields.
        var outsider = Guid.NewGuid();
        await api.ExecuteAsync($$"""
            select factdesk.mt_quick_append_events('{{outsider}}', 'desk-note', null, array[gen_random_uuid()], array['desk-note-added.v1'],
                array['FactDesk.Api.Notes.DeskNoteAdded, FactDesk.Api'], array['{"note": "from a script"}'::jsonb], array[null]::bytea[],
                array[null]::varchar[], array[null]::varchar[], array[null]::jsonb[], 0)
            """);
        // Marten's daemon skips events of types this build does not know, and this one is the last of the log: no later
        // batch reads its range, so the service applies what the daemon moved past.
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(30));

        var trail = await api.Store.DataSource.RowsAsync($"""
            select a.position, a.stream_id, a.stream_type, a.version, a.type, a.actor, a.role, a.recorded_at, a.correlation_id,
                   a.causation_id, a.data = e.data, a.hash,
                   e.id, e.data::text, e.correlation_id, e.causation_id, e.headers::text, e.timestamp, e.seq_id, e.version, e.type
            from factdesk.audit_trail a join factdesk.mt_events e on e.seq_id = a.position
            where e.stream_id in ('{claim}', '{outsider}') order by a.position
            """);
        trail.Count.ShouldBe(3);

        var expected = new[]
        {
            (Stream: claim, Type: "claim", Version: 1L, Event: "claim-flagged.v1", Actor: "cms-plugin", Role: "tool"),
            (Stream: claim, Type: "claim", Version: 2L, Event: "claim-assigned.v1", Actor: "Mara Lind", Role: "editor"),
            (Stream: outsider, Type: "", Version: 1L, Event: "desk-note-added.v1", Actor: "", Role: ""),
        };
        var previous = new Dictionary<Guid, byte[]>();
        for (var i = 0; i < trail.Count; i++)
        {
            var row = trail[i];
            var want = expected[i];
            ((long)row[0]).ShouldBe((long)row[18], "the position is Marten's sequence number");
            ((Guid)row[1], (string)row[2], (long)row[3], (string)row[4]).ShouldBe((want.Stream, want.Type, want.Version, want.Event));
            ((long)row[19], (string)row[20]).ShouldBe((want.Version, want.Event));
            ((string)row[5], (string)row[6]).ShouldBe((want.Actor, want.Role));
            ((DateTime)row[7]).ShouldBe((DateTime)row[17]);
            ((bool)row[10]).ShouldBeTrue("the event's data is copied as stored");
            var correlation = row[14] as string;
            var causation = row[15] as string;
            ((string)row[8], (string)row[9]).ShouldBe((correlation ?? "", causation ?? ""));
            var hash = (byte[])row[11];
            if (want.Stream == outsider)
            {
                (correlation, causation, row[16]).ShouldBe((null, null, DBNull.Value));
                hash.ShouldBeEmpty("an event no append chained has no hash");
                continue;
            }
            // The tool's correlation id where it sent one; otherwise the service gives the request one of its own.
            if (want.Stream == claim && want.Version == 1) correlation.ShouldBe("audit-rows-1");
            else correlation.ShouldNotBeNullOrEmpty();
            var recomputed = EventHash.Compute(previous.GetValueOrDefault(want.Stream, []), want.Stream, want.Version, (Guid)row[12], want.Event,
                (string)row[13], correlation, causation, (string)row[16], new DateTimeOffset((DateTime)row[17], TimeSpan.Zero));
            hash.ShouldBe(recomputed);
            previous[want.Stream] = recomputed;
        }
        var headers = (string)trail[0][16];
        headers.ShouldContain("audit-rows-flag", customMessage: "the idempotency key travels in Marten's headers");
    }
}
