using FactDesk.Api.Documents.Detection;
using Shouldly;

namespace FactDesk.Domain.Tests.Detection;

public sealed class QuoteMatchingTests
{
    [Fact]
    public void Normalize_makes_typography_and_markdown_plain()
    {
        QuoteMatching.Normalize("China’s  “national\n\ndevelopment” – US\\$47 *Zero to One*")
            .ShouldBe("China's \"national development\" - US$47 Zero to One");
    }

    [Fact]
    public void FindQuote_matches_a_plain_quote_in_markdown_copy_and_returns_code_points()
    {
        var text = "👉 A major investment (equivalent to US\\$800 billion) for a grid.";
        var span = QuoteMatching.FindQuote(text, "equivalent to US$800 billion").ShouldNotBeNull();
        var codePoints = text.EnumerateRunes().Select(r => r.ToString()).ToArray();
        string.Concat(codePoints[span.Start..span.End]).ShouldBe("equivalent to US\\$800 billion");
        span.Start.ShouldBe(22);
    }

    [Fact]
    public void FindQuote_spans_a_page_break()
    {
        var text = "Huawei launched the Mate 60\n\nsmartphone, which is powered by a domestic chip.";
        var span = QuoteMatching.FindQuote(text, "the Mate 60 smartphone, which").ShouldNotBeNull();
        span.ShouldBe((16, 46));
    }

    [Fact]
    public void FindQuote_returns_null_when_absent()
    {
        QuoteMatching.FindQuote("There are now 30 IRPs.", "31 IRPs").ShouldBeNull();
        QuoteMatching.FindQuote("There are now 30 IRPs.", "  ").ShouldBeNull();
    }
}
