using FactDesk.Api.Documents.Detection;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Domain.Tests.Detection;

/// <summary>Measures detection against the hand-labelled seed articles.</summary>
public sealed class LabelledArticlesTests(ITestOutputHelper output)
{
    private static readonly string[] NumericAndDateKinds =
        [ClaimKinds.Percentage, ClaimKinds.Money, ClaimKinds.Count, ClaimKinds.Ratio, ClaimKinds.Date];

    [Fact]
    public void Every_label_quote_is_found_once_in_its_article()
    {
        foreach (var article in SeedArticles.Labelled())
        {
            var normalized = QuoteMatching.Normalize(article.Text);
            foreach (var claim in article.Claims)
            {
                QuoteMatching.FindQuote(article.Text, claim.Quote).ShouldNotBeNull($"{article.Article}: {claim.Quote}");
                var wanted = QuoteMatching.Normalize(claim.Quote);
                (normalized.IndexOf(wanted, StringComparison.OrdinalIgnoreCase) ==
                 normalized.LastIndexOf(wanted, StringComparison.OrdinalIgnoreCase))
                    .ShouldBeTrue($"{article.Article}: quote is ambiguous: {claim.Quote}");
                QuoteMatching.Normalize(claim.Quote).Contains(QuoteMatching.Normalize(claim.Expression), StringComparison.OrdinalIgnoreCase)
                    .ShouldBeTrue($"{article.Article}: expression not inside quote: {claim.Expression}");
            }
        }
    }

    [Fact]
    public void Detection_finds_the_labelled_numeric_and_date_claims()
    {
        var score = Evaluate(NumericAndDateKinds, "numeric and date");

        score.DetectionRecall.ShouldBeGreaterThanOrEqualTo(0.95);
        score.DetectionPrecision.ShouldBeGreaterThanOrEqualTo(0.85);
        score.ValueRecall.ShouldBeGreaterThanOrEqualTo(0.95);
        score.ValuePrecision.ShouldBeGreaterThanOrEqualTo(0.85);
    }

    [Fact]
    public void Detection_finds_most_labelled_rankings()
    {
        var score = Evaluate([ClaimKinds.Ranking], "ranking");

        score.DetectionRecall.ShouldBeGreaterThanOrEqualTo(0.8);
        score.DetectionPrecision.ShouldBeGreaterThanOrEqualTo(0.8);
    }

    private Score Evaluate(string[] kinds, string title)
    {
        int labels = 0, found = 0, foundWithValue = 0, candidates = 0, matched = 0, matchedWithValue = 0;
        foreach (var article in SeedArticles.Labelled())
        {
            var text = article.Text;
            // Recognition of values, whether or not they are check-worthy enough to be offered by default.
            var detected = ClaimDetector.Detect(text, article.PublishedOn, includeAll: true).Where(c => kinds.Contains(c.Kind)).ToList();
            var used = new HashSet<CandidateClaim>(ReferenceEqualityComparer.Instance);
            candidates += detected.Count;

            foreach (var label in article.Claims.Where(c => kinds.Contains(c.Kind)))
            {
                labels++;
                var (start, end) = QuoteMatching.FindQuote(text, label.Quote)!.Value;
                var candidate = detected.FirstOrDefault(c => !used.Contains(c) && c.Kind == label.Kind &&
                                                             c.ExpressionStart < end && start < c.ExpressionEnd &&
                                                             SameWords(c.Expression, label.Expression));
                if (candidate is null)
                {
                    output.WriteLine($"  missed   {article.Article[..3]} {label.Kind,-10} {label.Expression}");
                    continue;
                }
                used.Add(candidate);
                found++;
                matched++;
                if (SameValue(candidate.Value, label))
                {
                    foundWithValue++;
                    matchedWithValue++;
                }
                else
                {
                    var v = candidate.Value;
                    output.WriteLine($"  value    {article.Article[..3]} {label.Kind,-10} {label.Expression}: got {v.Number}/{v.UpperNumber} {v.Unit} {v.Currency} {v.Date}");
                }
            }

            foreach (var extra in detected.Where(c => !used.Contains(c)))
                output.WriteLine($"  extra    {article.Article[..3]} {extra.Kind,-10} {extra.Expression} (score {extra.Score})");
        }

        var score = new Score(
            Ratio(found, labels), Ratio(matched, candidates),
            Ratio(foundWithValue, labels), Ratio(matchedWithValue, candidates));
        output.WriteLine($"{title}: {labels} labelled, {candidates} detected");
        output.WriteLine($"  detection recall {score.DetectionRecall:P1}, precision {score.DetectionPrecision:P1}");
        output.WriteLine($"  value     recall {score.ValueRecall:P1}, precision {score.ValuePrecision:P1}");
        return score;
    }

    private static bool SameWords(string detected, string labelled)
    {
        var a = QuoteMatching.Normalize(detected);
        var b = QuoteMatching.Normalize(labelled);
        return a.Contains(b, StringComparison.OrdinalIgnoreCase) || b.Contains(a, StringComparison.OrdinalIgnoreCase);
    }

    private static bool SameValue(NormalizedValue value, LabelledClaim label) =>
        value.Number == label.Number &&
        value.UpperNumber == label.UpperNumber &&
        value.Currency == label.Currency &&
        value.Date == label.Date &&
        (label.Unit is null || value.Unit == label.Unit);

    private static double Ratio(int part, int whole) => whole == 0 ? 1 : (double)part / whole;

    private sealed record Score(double DetectionRecall, double DetectionPrecision, double ValueRecall, double ValuePrecision);
}
