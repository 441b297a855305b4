using System.Diagnostics;
using FactDesk.Api.Documents.Detection;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Domain.Tests.Detection;

public class DetectionBudgetTests(ITestOutputHelper output)
{
    private static readonly DateOnly PublishedOn = new(2025, 2, 1);
    private const string Figures = "Prices rose 12% to $4.5 million in March 2024, the 3rd rise in 7 years. ";

    private static string MegabyteOfFigures() => string.Concat(Enumerable.Repeat(Figures, 1024 * 1024 / Figures.Length));

    [Fact]
    public void An_article_shorter_than_a_stretch_is_read_whole_exactly_as_the_detector_reads_it_whatever_the_budget()
    {
        var article = string.Concat(Enumerable.Repeat(Figures, 50)) + "\n\nUnemployment fell to 3.1% last year, the statistics office said.";
        var budgeted = BudgetedDetection.Detect(article, PublishedOn, TimeSpan.Zero);
        budgeted.IsComplete.ShouldBeTrue();
        budgeted.Candidates.ShouldBe(ClaimDetector.Detect(article, PublishedOn));
    }

    [Fact]
    public void Out_of_budget_detection_keeps_what_it_found_and_says_where_it_stopped()
    {
        var text = MegabyteOfFigures();
        var detection = BudgetedDetection.Detect(text, PublishedOn, TimeSpan.Zero);
        detection.IsComplete.ShouldBeFalse();
        detection.NotScannedFrom!.Value.ShouldBeInRange(BudgetedDetection.StretchLength, BudgetedDetection.StretchLength + ClaimDetector.MaxSentenceLength);
        detection.Candidates.ShouldNotBeEmpty();
        detection.Candidates.ShouldAllBe(c => c.End <= detection.NotScannedFrom!.Value);
    }

    [Fact]
    public void Candidates_of_later_stretches_sit_at_their_place_in_the_whole_text_with_its_context()
    {
        var text = string.Concat(Enumerable.Repeat("Nothing to see here in this long and quiet sentence. ", 1_000)) + "Exports grew 14% in 2024, customs said. ";
        text.Length.ShouldBeGreaterThan(BudgetedDetection.StretchLength);
        var detection = BudgetedDetection.Detect(text, PublishedOn, TimeSpan.FromMinutes(1));
        detection.IsComplete.ShouldBeTrue();
        var exports = detection.Candidates.First(c => c.Expression == "14%");
        text[exports.Start..exports.End].ShouldBe(exports.Quote);
        text[exports.ExpressionStart..exports.ExpressionEnd].ShouldBe("14%");
        exports.Prefix.ShouldBe(text[(exports.Start - ClaimDetector.ContextLength)..exports.Start]);
        exports.Suffix.ShouldBe(text[exports.End..Math.Min(text.Length, exports.End + ClaimDetector.ContextLength)]);
    }

    [Fact]
    public void A_megabyte_of_figures_costs_the_budget_and_one_stretch_not_the_whole_scan()
    {
        var text = MegabyteOfFigures();
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var whole = ClaimDetector.Detect(text, PublishedOn);
        process.Refresh();
        var wholeCpu = process.TotalProcessorTime - cpu;

        cpu = process.TotalProcessorTime;
        var budgeted = BudgetedDetection.Detect(text, PublishedOn, BudgetedDetection.DefaultBudget);
        process.Refresh();
        var budgetedCpu = process.TotalProcessorTime - cpu;

        output.WriteLine($"1 MiB of figures: whole scan {wholeCpu.TotalMilliseconds:0} ms CPU, {whole.Count} candidates; " +
                         $"within the {BudgetedDetection.DefaultBudget.TotalMilliseconds:0} ms budget {budgetedCpu.TotalMilliseconds:0} ms CPU, " +
                         $"{budgeted.Candidates.Count} candidates, not scanned from {budgeted.NotScannedFrom?.ToString() ?? "-"} of {text.Length}");
        // Thread CPU time bounds the scan; the process figure also holds the GC's work, hence the slack.
        budgetedCpu.ShouldBeLessThan(BudgetedDetection.DefaultBudget + TimeSpan.FromSeconds(1.5));
        budgeted.Candidates.Count.ShouldBeGreaterThan(0);
        budgeted.Candidates.ShouldAllBe(c => budgeted.NotScannedFrom == null || c.Start < budgeted.NotScannedFrom);
    }
}
