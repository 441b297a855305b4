using FactDesk.Api.Documents.Detection;
using Shouldly;
using Xunit.Abstractions;

namespace FactDesk.Domain.Tests.Detection;

/// <summary>
/// Measures, sentence by sentence, whether detection cards exactly the check-worthy sentences of the labelled
/// articles (labelled/sentences, see the README there for the policy).
/// </summary>
public sealed class CheckWorthySentencesTests(ITestOutputHelper output)
{
    [Fact]
    public void The_sentence_labels_cover_at_least_300_sentences_each_found_once()
    {
        var articles = SeedArticles.LabelledSentences();
        articles.Sum(a => a.Sentences.Count).ShouldBeGreaterThanOrEqualTo(300);
        foreach (var article in articles)
        {
            var normalized = QuoteMatching.Normalize(article.Text);
            foreach (var sentence in article.Sentences)
            {
                QuoteMatching.FindQuote(article.Text, sentence.Quote).ShouldNotBeNull($"{article.Article}: {sentence.Quote}");
                var wanted = QuoteMatching.Normalize(sentence.Quote);
                normalized.IndexOf(wanted, StringComparison.Ordinal)
                    .ShouldBe(normalized.LastIndexOf(wanted, StringComparison.Ordinal), $"{article.Article}: ambiguous: {sentence.Quote}");
            }
        }
    }

    [Fact]
    public void Detection_cards_the_check_worthy_sentences_with_precision_and_recall_above_0_9()
    {
        var total = new Tally();
        foreach (var article in SeedArticles.LabelledSentences())
        {
            var tally = Measure(article);
            output.WriteLine($"{article.Article,-32} {tally}");
            total.Add(tally);
        }
        output.WriteLine($"{"all",-32} {total}");

        total.Precision(checkWorthy: true).ShouldBeGreaterThanOrEqualTo(0.9);
        total.Recall(checkWorthy: true).ShouldBeGreaterThanOrEqualTo(0.9);
    }

    [Fact]
    public void The_default_check_worthy_score_is_calibrated_on_the_labelled_sentences()
    {
        var articles = SeedArticles.LabelledSentences();
        var f1ByScore = new SortedDictionary<double, double>();
        foreach (var threshold in new[] { 0.1, 0.2, 0.3, ClaimDetector.CheckWorthyScore, 0.4, 0.5, 0.6, 0.7 })
        {
            var total = new Tally();
            foreach (var article in articles)
                total.Add(Measure(article, threshold, quiet: true));
            f1ByScore[threshold] = total.F1(checkWorthy: true);
            output.WriteLine($"minimum score {threshold:0.00}: {total}");
        }

        f1ByScore[ClaimDetector.CheckWorthyScore].ShouldBeGreaterThanOrEqualTo(f1ByScore.Values.Max() - 0.01);
    }

    private Tally Measure(SentenceLabelledArticle article, double minimumScore = ClaimDetector.CheckWorthyScore, bool quiet = false)
    {
        var text = article.Text;
        var all = ClaimDetector.Detect(text, article.PublishedOn, includeAll: true, minimumScore: minimumScore);
        var candidates = all.Where(c => !c.Withheld).ToList();
        var tally = new Tally();
        foreach (var sentence in article.Sentences)
        {
            var (start, end) = QuoteMatching.FindQuote(text, sentence.Quote)!.Value;
            // A card belongs to the sentence its quote ends in: a set-up sentence merged into the next one
            // ("Then came January. ... DeepSeek delivered a jolt") cards the sentence that carries the event.
            var carded = candidates.Any(c => c.End > start && c.End <= end);
            tally.Count(sentence.CheckWorthy, carded);
            if (carded != sentence.CheckWorthy && !quiet)
            {
                var why = string.Join("; ", all.Where(c => c.End > start && c.End <= end).Select(c => $"{c.Kind} '{c.Expression}' {c.Score}{(c.Withheld ? " withheld" : "")}"));
                output.WriteLine($"  {(carded ? "extra " : "missed")} {article.Article[..3]} {sentence.Quote} [{why}]");
            }
        }
        return tally;
    }

    private sealed class Tally
    {
        private int truePositives, falsePositives, trueNegatives, falseNegatives;

        public void Count(bool labelled, bool carded)
        {
            if (labelled && carded) truePositives++;
            else if (carded) falsePositives++;
            else if (labelled) falseNegatives++;
            else trueNegatives++;
        }

        public void Add(Tally other)
        {
            truePositives += other.truePositives;
            falsePositives += other.falsePositives;
            trueNegatives += other.trueNegatives;
            falseNegatives += other.falseNegatives;
        }

        public double Precision(bool checkWorthy) => checkWorthy
            ? Ratio(truePositives, truePositives + falsePositives)
            : Ratio(trueNegatives, trueNegatives + falseNegatives);

        public double Recall(bool checkWorthy) => checkWorthy
            ? Ratio(truePositives, truePositives + falseNegatives)
            : Ratio(trueNegatives, trueNegatives + falsePositives);

        public double F1(bool checkWorthy)
        {
            var (p, r) = (Precision(checkWorthy), Recall(checkWorthy));
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }

        private static double Ratio(int part, int whole) => whole == 0 ? 1 : (double)part / whole;

        public override string ToString() =>
            $"check-worthy {truePositives + falseNegatives,3}: P {Precision(true):P0} R {Recall(true):P0} F1 {F1(true):P0} | " +
            $"not {trueNegatives + falsePositives,3}: P {Precision(false):P0} R {Recall(false):P0} F1 {F1(false):P0}";
    }
}
