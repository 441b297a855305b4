using System.Net;
using System.Text;
using Shouldly;

namespace FactDesk.Api.Tests.HostileInput;

public class ApiForHostileInput : FactDeskApi;

/// <summary>Timestamps, JSON strings and text that hostile or careless clients send: a 2xx or a 400 naming the field, never a 500.</summary>
public class HostileInputTests(ApiForHostileInput api) : IClassFixture<ApiForHostileInput>
{
    private static readonly string[] TimestampInputs =
    [
        "2026-12-10T17:00:00+02:00", "2026-12-10T17:00:00-09:30", "2026-12-10T17:00:00+14:00", "2026-12-10T17:00:00+0530", "2026-12-10T17:00+01",
        "2026-12-10T15:00:00Z", "2026-12-10T15:00:00", "2026-12-10", "2016-12-31T23:59:60Z", "2016-12-31T23:59:60+00:00",
        "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:60Z",
        "2026-02-30T10:00:00Z", "2026-12-10T25:00:00Z", "2026-12-10T17:00:00+25:00", "tomorrow", "", " ", "null", "1e308",
        "2026-12-10T17:00:00.0000000001Z", "２０２６-１２-１０", "2026-12-10T17:00:00+02:00\u0000", new string('9', 500),
    ];

    [Fact]
    public async Task A_due_date_with_a_non_UTC_offset_is_stored_as_the_same_instant_in_UTC()
    {
        var due = DateTimeOffset.UtcNow.AddDays(3);
        var local = due.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture);
        var response = await api.Tool.PostRawAsync("/api/claims", $$"""{"quote":"Rents rose 9% last year","reason":"a rate","dueAt":"{{local}}"}""");
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (await response.ReadJsonAsync()).GetProperty("id").GetGuid();

        var claim = await (await api.Auditor.GetAsync($"/api/claims/{id}")).ReadJsonAsync();
        var stored = claim.GetProperty("dueAt").GetDateTimeOffset();
        stored.Offset.ShouldBe(TimeSpan.Zero);
        stored.ShouldBe(new DateTimeOffset(due.Year, due.Month, due.Day, due.Hour, due.Minute, due.Second, TimeSpan.Zero));
        var queued = await (await api.Auditor.GetAsync("/api/queue?limit=100")).ReadJsonAsync();
        queued.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("id").GetGuid() == id).GetProperty("dueAt").GetDateTimeOffset().ShouldBe(stored);
    }

    [Fact]
    public async Task Every_timestamp_field_and_parameter_answers_2xx_or_a_400_naming_it_never_a_500()
    {
        var claimId = await api.FlagClaimAsync("Wages rose 4% last quarter");
        var otherId = await api.FlagClaimAsync("Wages rose 5% last quarter");
        var discrepancyId = await api.OpenDiscrepancyAsync([claimId, otherId]);
        var failures = new List<string>();
        async Task Expect(HttpResponseMessage response, string field, string what)
        {
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync();
            if (status >= 500) failures.Add($"{what}: {status} {body[..Math.Min(200, body.Length)]}");
            if (status == 400 && !body.Contains($"\"{field}\"", StringComparison.Ordinal)) failures.Add($"{what}: 400 without naming {field}: {body}");
        }
        foreach (var given in TimestampInputs)
        {
            var json = System.Text.Json.JsonSerializer.Serialize(new { quote = "Rents rose 9% last year", reason = "a rate", dueAt = given });
            await Expect(await api.Tool.PostRawAsync("/api/claims", json), "dueAt", $"dueAt={given}");
            var query = Uri.EscapeDataString(given);
            await Expect(await api.Auditor.GetAsync($"/api/claims/{claimId}?asOf={query}"), "asOf", $"claim asOf={given}");
            await Expect(await api.Auditor.GetAsync($"/api/discrepancies/{discrepancyId}?asOf={query}"), "asOf", $"discrepancy asOf={given}");
            await Expect(await api.Auditor.GetAsync($"/api/audit?from={query}"), "from", $"audit from={given}");
            await Expect(await api.Auditor.GetAsync($"/api/audit?to={query}&from=2020-01-01T00:00:00%2B05:00"), "to", $"audit to={given}");
        }
        // Not strings at all.
        foreach (var raw in new[] { "42", "true", "[]", "{}", "-1e400" })
            await Expect(await api.Tool.PostRawAsync("/api/claims", $$"""{"quote":"Rents rose 9% last year","reason":"a rate","dueAt":{{raw}}}"""), "dueAt", $"dueAt={raw}");
        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task Reading_as_of_a_moment_given_with_an_offset_sees_the_same_instant_as_in_UTC()
    {
        var claimId = await api.FlagClaimAsync("Exports doubled in 2024");
        var utc = DateTimeOffset.UtcNow.AddMinutes(1);
        var plusOne = Uri.EscapeDataString(utc.ToOffset(TimeSpan.FromHours(1)).ToString("O"));
        var response = await api.Auditor.GetAsync($"/api/claims/{claimId}?asOf={plusOne}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await api.Auditor.GetAsync($"/api/audit?from={plusOne}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("1970-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59Z")]
    public async Task A_due_date_before_the_claim_or_decades_ahead_is_a_400_on_dueAt(string dueAt)
    {
        var before = await api.CountEventsAsync();
        var response = await api.Tool.PostJsonAsync("/api/claims", new { quote = "Rents rose 9% last year", reason = "a rate", dueAt });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("dueAt", out _).ShouldBeTrue();
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task A_due_date_decades_ahead_is_refused_and_one_within_ten_years_accepted()
    {
        (await api.Tool.PostJsonAsync("/api/claims", new { quote = "Rents rose 9%", reason = "a rate", dueAt = DateTimeOffset.UtcNow.AddYears(30) }))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await api.Tool.PostJsonAsync("/api/claims", new { quote = "Rents rose 9%", reason = "a rate", dueAt = DateTimeOffset.UtcNow.AddYears(9) }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("""{"quote":"\ud800","reason":"a rate"}""", "quote")]
    [InlineData("""{"quote":"Rents rose 9%","reason":"a rate \udfff"}""", "reason")]
    [InlineData("""{"quote":"Rents rose 9%","reason":"a rate","assertion":{"subject":"\ud83d"}}""", "assertion.subject")]
    [InlineData("""{"quote":"Rents rose 9%","quote":"Rents rose 90%","reason":"a rate"}""", "quote")]
    [InlineData("""{"quote":"Rents rose 9%","reason":"a","assertion":{"unit":"%","unit":"pp"}}""", "assertion.unit")]
    public async Task A_lone_surrogate_or_a_key_given_twice_is_a_400_naming_the_field(string json, string field)
    {
        var before = await api.CountEventsAsync();
        var response = await api.Tool.PostRawAsync("/api/claims", json);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(await response.Content.ReadAsStringAsync());
        (await api.CountEventsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task An_overlong_UTF_8_encoding_inside_a_string_is_a_400_naming_the_field()
    {
        byte[] body = [.. "{\"reason\":\"a rate\",\"quote\":\"Rents rose 9"u8, 0xC0, 0xA5, .. "\"}"u8];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var response = await api.Tool.PostAsync("/api/claims", content);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("quote", out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("\u200b")]
    [InlineData("\u202e")]
    [InlineData("\u200b\u202e\u2066\u00a0")]
    public async Task A_quote_of_only_invisible_characters_is_missing(string quote)
    {
        var response = await api.Tool.PostJsonAsync("/api/claims", new { quote, reason = "a rate" });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").GetProperty("quote")[0].GetString().ShouldBe("quote is required.");
    }
}
