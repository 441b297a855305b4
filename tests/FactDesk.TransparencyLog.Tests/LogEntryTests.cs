using System.Text;
using Shouldly;

namespace FactDesk.TransparencyLog.Tests;

/// <summary>The entry bytes: one encoding per stored event, whatever the key order or spacing of its JSON.</summary>
public class LogEntryTests
{
    private static StoredEvent Row(string data, string? headers = """{"actorName": "Mara Lind", "actorRole": "editor"}""") => new(
        12, Guid.Parse("0b6f3a5e-2a43-4d8e-9c1f-3f1b2d4c5e6f"), 3, Guid.Parse("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"), "claim-flagged.v1",
        data, "corr", "cause", headers, new DateTimeOffset(2025, 2, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1234560));

    [Fact]
    public void Key_order_and_spacing_do_not_change_the_entry()
    {
        var a = LogEntry.Encode(Row("""{"quote": "36%", "by": {"name": "Mara", "role": "editor"}, "n": 1.50}"""));
        var b = LogEntry.Encode(Row("""{"n":1.50,"by":{"role":"editor","name":"Mara"},"quote":"36%"}"""));
        a.ShouldBe(b);
        LogEntry.Encode(Row("""{"quote": "26%"}""")).ShouldNotBe(LogEntry.Encode(Row("""{"quote": "36%"}""")));
    }

    [Fact]
    public void The_entry_is_eight_length_prefixed_fields_that_decode_back_to_the_row()
    {
        var row = Row("""{"quote": "Straße \"36%\"\n", "list": [3, 1]}""");
        var entry = LogEntry.Encode(row);
        // Field by field as docs/transparency-log.md describes them, read here without LogEntry.Decode.
        var fields = new List<string>();
        for (var at = 0; at < entry.Length;)
        {
            var length = (entry[at] << 24) | (entry[at + 1] << 16) | (entry[at + 2] << 8) | entry[at + 3];
            fields.Add(Encoding.UTF8.GetString(entry, at + 4, length));
            at += 4 + length;
        }
        fields.ShouldBe([
            "factdesk-event/v1", "0b6f3a5e-2a43-4d8e-9c1f-3f1b2d4c5e6f", "3", "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "claim-flagged.v1",
            """{"list":[3,1],"quote":"Straße \"36%\"\n"}""",
            """{"causationId":"cause","correlationId":"corr","headers":{"actorName":"Mara Lind","actorRole":"editor"}}""",
            "1738404000123456",
        ]);
        var decoded = LogEntry.Decode(entry);
        decoded.StreamId.ShouldBe(row.StreamId);
        decoded.Version.ShouldBe(3);
        decoded.RecordedAt.ShouldBe(row.Timestamp);
        decoded.Data!["quote"]!.GetValue<string>().ShouldBe("Straße \"36%\"\n");
    }

    [Fact]
    public void Missing_correlation_and_causation_are_null_and_headers_are_canonical_like_the_data()
    {
        var row = Row("{}", headers: """{"b": 1, "a": "x\"y"}""") with { CorrelationId = null, CausationId = null };
        Encoding.UTF8.GetString(LogEntry.Encode(row)).ShouldContain("""{"causationId":null,"correlationId":null,"headers":{"a":"x\"y","b":1}}""");
    }

    [Fact]
    public void A_row_without_headers_encodes_them_as_null_and_a_cut_entry_does_not_decode()
    {
        var entry = LogEntry.Encode(Row("{}", headers: null));
        Encoding.UTF8.GetString(entry).ShouldContain("""{"causationId":"cause","correlationId":"corr","headers":null}""");
        Should.Throw<FormatException>(() => LogEntry.Decode(entry.AsSpan(0, entry.Length - 3)));
    }
}
