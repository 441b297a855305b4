using System.Text;
using System.Text.Json;
using FactDesk.Api.Http;
using Shouldly;

namespace FactDesk.Domain.Tests.Http;

public class TimestampTests
{
    [Theory]
    [InlineData("2026-12-10T17:00:00+02:00", "2026-12-10T15:00:00Z")]
    [InlineData("2026-12-10T17:00:00+0200", "2026-12-10T15:00:00Z")]
    [InlineData("2026-12-10T17:00+02", "2026-12-10T15:00:00Z")]
    [InlineData("2026-12-10T09:30:00-05:30", "2026-12-10T15:00:00Z")]
    [InlineData("2026-12-10T15:00:00Z", "2026-12-10T15:00:00Z")]
    [InlineData("2026-12-10t15:00:00z", "2026-12-10T15:00:00Z")]
    [InlineData("2026-12-10T15:00:00", "2026-12-10T15:00:00Z")]
    [InlineData("2026-12-10 15:00:00.1234567+00:00", "2026-12-10T15:00:00.1234567Z")]
    [InlineData("2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z")]
    [InlineData("2017-01-01T00:59:60+01:00", "2017-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z")]
    public void Any_ISO_8601_offset_is_read_and_kept_as_UTC(string given, string utc)
    {
        Timestamps.TryParse(given, out var parsed).ShouldBeTrue(given);
        parsed.Offset.ShouldBe(TimeSpan.Zero);
        parsed.ShouldBe(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tomorrow")]
    [InlineData("2025-13-45T99:99")]
    [InlineData("2025-02-30T10:00:00Z")]
    [InlineData("2026-12-10T17:00:00+25:00")]
    [InlineData("9999-12-31T23:59:60Z")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("2026-12-10T17:00:00.123456789Z")]
    [InlineData("12/10/2026")]
    [InlineData("2026-12-10T17:00:00+02:00 and more")]
    public void Garbage_and_instants_outside_the_calendar_are_refused(string given) => Timestamps.TryParse(given, out _).ShouldBeFalse(given);

    [Theory]
    [InlineData("2026-12-10T17:00:00+02:00")]
    [InlineData("2026-12-10T17:00:00.1234567-05:30")]
    [InlineData("2026-12-10T15:00:00.5Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z")]
    [InlineData("2026-12-10T15:00:00")]
    [InlineData("2026-12-10T17:00:00+0200")]
    [InlineData("2016-12-31T23:59:60Z")]
    [InlineData("2026-12-10T17:00:00+25:00")]
    [InlineData("2026-12-10T17:00:00+14:01")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("2025-02-30T10:00:00Z")]
    [InlineData("2026-12-10T17:00:00.123456789Z")]
    [InlineData("2026-12-10T17:00:00.Z")]
    public void The_JSON_converter_reads_every_timestamp_as_TryParse_does(string given)
    {
        var json = JsonSerializer.Serialize(given);
        if (Timestamps.TryParse(given, out var expected))
        {
            var read = JsonSerializer.Deserialize<DateTimeOffset>(json, JsonDefaults.Options);
            read.ShouldBe(expected, given);
            read.Offset.ShouldBe(TimeSpan.Zero);
        }
        else Should.Throw<JsonException>(() => JsonSerializer.Deserialize<DateTimeOffset>(json, JsonDefaults.Options), given);
    }

    [Fact]
    public void What_FactDesk_writes_itself_takes_the_fast_path()
    {
        foreach (var instant in new[] { DateTimeOffset.UtcNow, new DateTimeOffset(2026, 12, 10, 15, 0, 0, TimeSpan.Zero), DateTimeOffset.MinValue })
        {
            var written = JsonSerializer.Serialize(instant, JsonDefaults.Options).Trim('"');
            Timestamps.UtcConverter.IsExtendedWithOffset(Encoding.UTF8.GetBytes(written)).ShouldBeTrue(written);
        }
        Timestamps.UtcConverter.IsExtendedWithOffset("2016-12-31T23:59:60Z"u8).ShouldBeFalse();
        Timestamps.UtcConverter.IsExtendedWithOffset("2026-12-10T15:00:00"u8).ShouldBeFalse();
        Timestamps.UtcConverter.IsExtendedWithOffset("2026-12-10T17:00:00+0200"u8).ShouldBeFalse();
    }
}

public class RequestTextTests
{
    private static (string Field, string Message)? Check(string json) => RequestBody.FindMalformedText(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("""{"quote":"\ud800"}""", "quote")]
    [InlineData("""{"quote":"ok \udfff tail"}""", "quote")]
    [InlineData("""{"quote":"\udc00\ud800"}""", "quote")]
    [InlineData("""{"assertion":{"subject":"x","value":"\ud83d"}}""", "assertion.value")]
    [InlineData("""{"claimIds":["a","\ud800"]}""", "claimIds[1]")]
    [InlineData("""{"values":[{"side":"a"},{"says":"\ud800"}]}""", "values[1].says")]
    [InlineData("""{"quote":"a\u0000b"}""", "quote")]
    public void A_lone_surrogate_or_NUL_in_any_string_names_its_field(string json, string field)
    {
        var found = Check(json);
        found.ShouldNotBeNull();
        found.Value.Field.ShouldBe(field);
    }

    [Theory]
    [InlineData("""{"quote":"a","quote":"b"}""", "quote")]
    [InlineData("""{"assertion":{"unit":"%","unit":"pp"}}""", "assertion.unit")]
    [InlineData("""{"values":[{"side":"a"},{"side":"a","side":"b"}]}""", "values[1].side")]
    public void A_key_given_twice_in_one_object_is_named(string json, string field)
    {
        var found = Check(json);
        found.ShouldNotBeNull();
        found.Value.Field.ShouldBe(field);
        found.Value.Message.ShouldContain("more than once");
    }

    [Fact]
    public void Invalid_UTF_8_inside_a_string_names_the_field_overlong_encodings_included()
    {
        foreach (var bad in new byte[][] { [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xFF] })
        {
            byte[] body = [.. "{\"reason\":\"ok\",\"quote\":\"x"u8, .. bad, .. "\"}"u8];
            var found = RequestBody.FindMalformedText(body);
            found.ShouldNotBeNull(Convert.ToHexString(bad));
            found.Value.Field.ShouldBe("quote");
        }
    }

    [Theory]
    [InlineData("""{"quote":"\ud83d\udca5 emoji and RTL \u202e","same":{"quote":"again"}}""")]
    [InlineData("""{"a":[1,2,{"a":1}],"b":"x"}""")]
    public void Well_formed_text_and_the_same_key_in_different_objects_pass(string json) => Check(json).ShouldBeNull();
}

public class VisibleTextTests
{
    [Theory]
    [InlineData("\u200b")]
    [InlineData("\u202e\u200b\u2066")]
    [InlineData(" \t\u00a0\u3000")]
    [InlineData("\ufeff\u200d\u0301")]
    [InlineData("\u3164\u2800")]
    public void Text_of_only_invisible_characters_is_blank(string text)
    {
        Validation.HasVisibleCharacter(text).ShouldBeFalse();
        var check = new Validation();
        check.Text("quote", text, 100);
        check.Errors.ShouldContainKey("quote");
    }

    [Theory]
    [InlineData("\u202eRents rose 9%")]
    [InlineData("\u200b9%")]
    [InlineData("\u0645")]
    [InlineData("\ud83d\udca5")]
    public void Text_with_one_visible_character_is_not_blank(string text) => Validation.HasVisibleCharacter(text).ShouldBeTrue();
}
