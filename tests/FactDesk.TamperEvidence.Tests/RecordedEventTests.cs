using Shouldly;

namespace FactDesk.TamperEvidence.Tests;

/// <summary>An event read from the log turns its JSON into its class only when something asks for it.</summary>
public class RecordedEventTests
{
    private static RecordedEvent Read(Func<object> readData) => new(1, Guid.Empty, "thing", 1, Guid.NewGuid(), "thing-happened.v1",
        null!, TestStore.Metadata, DateTimeOffset.UnixEpoch, 1, []) { ReadData = readData };

    [Fact]
    public void The_data_is_not_read_until_asked_for_and_then_only_once()
    {
        var reads = 0;
        var e = Read(() => { Interlocked.Increment(ref reads); return new ThingHappened("x", 3); });
        reads.ShouldBe(0);
        e.Data.ShouldBe(new ThingHappened("x", 3));
        e.Data.ShouldBeSameAs(e.Data);
        reads.ShouldBe(1);
    }

    [Fact]
    public async Task Readers_racing_for_the_data_all_get_the_same_instance()
    {
        var e = Read(() => new ThingHappened("x", 3));
        var seen = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => e.Data)));
        seen.Distinct(ReferenceEqualityComparer.Instance).Count().ShouldBe(1);
    }

    [Fact]
    public void Data_given_when_recorded_is_kept_as_given()
    {
        var data = new ThingHappened("y", 4);
        var e = new RecordedEvent(1, Guid.Empty, "thing", 1, Guid.NewGuid(), "thing-happened.v1", data, TestStore.Metadata, DateTimeOffset.UnixEpoch, 1, []);
        e.Data.ShouldBeSameAs(data);
        (e with { Version = 2 }).Data.ShouldBeSameAs(data);
    }

    [Fact]
    public void The_json_is_not_made_until_asked_for_and_then_only_once()
    {
        var makes = 0;
        var e = Read(() => new ThingHappened("x", 3)) with
        {
            ReadDataJson = () => { Interlocked.Increment(ref makes); return System.Text.Json.JsonDocument.Parse("""{"name":"x","amount":3}""").RootElement; },
        };
        makes.ShouldBe(0);
        e.DataJson.GetProperty("amount").GetInt32().ShouldBe(3);
        e.DataJson.GetProperty("name").GetString().ShouldBe("x");
        makes.ShouldBe(1);
    }

    [Fact]
    public void An_event_recorded_without_json_has_none_and_still_prints()
    {
        var e = new RecordedEvent(1, Guid.Empty, "thing", 1, Guid.NewGuid(), "thing-happened.v1", new ThingHappened("z", 5), TestStore.Metadata, DateTimeOffset.UnixEpoch, 1, []);
        e.DataJson.ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Undefined);
        e.ToString().ShouldContain("thing-happened.v1");
    }
}
