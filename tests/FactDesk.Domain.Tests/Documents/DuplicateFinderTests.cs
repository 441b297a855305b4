using FactDesk.Api.Documents.Detection;
using FactDesk.Api.Documents;
using FactDesk.Api.Documents.Duplicates;
using FactDesk.Api.Documents.Ingesting;
using FactDesk.Api.Http;
using Shouldly;

namespace FactDesk.Domain.Tests.Documents;

public class DuplicateFinderTests
{
    internal const string Article = """
        When US technology entrepreneur Peter Thiel's book Zero to One was published in Chinese in 2015, it struck at an insecurity
        felt by many in China. Thiel suggested that although the country excelled at scaling and commercializing emerging technologies,
        it lagged behind the United States in true innovation, creating something entirely original from scratch. For more than a
        decade, Chinese policymakers have aimed to shed this image, embedding the pursuit of innovation into national industrial
        policies, such as Made in China 2025. And there are some early results of this investment in the form of a smartphone.
        """;

    [Fact]
    public void A_print_copy_with_other_quotes_line_breaks_and_furniture_is_the_same_article()
    {
        var print = "**Books & arts**\n\n" + Article
            .Replace("Thiel's", "Thiel\u2019s").Replace("commercializing", "commer-\ncializing").Replace("2015, it", "2015,\n\nit")
            + "\n\nBooks in brief: Waiting for Robots (2025).";
        DuplicateFinder.Containment(DuplicateFinder.Fingerprint(Article), DuplicateFinder.Fingerprint(print)).ShouldBeGreaterThan(0.9);
        DuplicateFinder.IsSameArticle(DuplicateFinder.Fingerprint(Article), DuplicateFinder.Fingerprint(print)).ShouldBeTrue();
    }

    [Fact]
    public void A_cut_version_is_contained_in_the_full_one()
    {
        var cut = Article[..(Article.Length * 2 / 3)];
        DuplicateFinder.IsSameArticle(DuplicateFinder.Fingerprint(cut), DuplicateFinder.Fingerprint(Article)).ShouldBeTrue();
    }

    [Fact]
    public void Articles_on_the_same_topic_in_other_words_are_not_copies()
    {
        const string other = """
            Deepseek's release in January rattled investors in chip makers, who had assumed that frontier models would need
            ever larger clusters of the most advanced accelerators. The company said its model was trained for a fraction of the
            usual cost, a figure that analysts at several banks questioned in notes to clients over the following week, citing
            the hardware the firm was reported to own before export controls tightened in October 2022 and again in 2023.
            """;
        DuplicateFinder.IsSameArticle(DuplicateFinder.Fingerprint(Article), DuplicateFinder.Fingerprint(other)).ShouldBeFalse();
    }

    [Fact]
    public void Of_two_containing_copies_the_closer_one_resembles_more()
    {
        var cut = DuplicateFinder.Fingerprint(Article[..(Article.Length * 2 / 3)]);
        var full = DuplicateFinder.Fingerprint(Article);
        var padded = DuplicateFinder.Fingerprint(Article + " A column of book notices follows, with titles, authors, publishers and prices of five new books.");
        DuplicateFinder.Resemblance(full, full).ShouldBe(1);
        DuplicateFinder.Resemblance(cut, full).ShouldBeGreaterThan(DuplicateFinder.Resemblance(cut, padded));
    }

    [Fact]
    public void Texts_too_short_to_judge_are_never_copies()
    {
        var fingerprint = DuplicateFinder.Fingerprint("China is home to 36% of all large language models.");
        DuplicateFinder.Containment(fingerprint, fingerprint).ShouldBe(0);
    }

    [Fact]
    public void Reading_a_document_proposes_the_detected_candidates_and_gives_its_fingerprint()
    {
        var reading = DocumentReading.Read(Article, new DateOnly(2025, 2, 1));
        reading.Candidates.ShouldBe(ClaimDetector.Detect(Article, new DateOnly(2025, 2, 1)));
        reading.Candidates.ShouldContain(c => c.Kind == ClaimKinds.Date && c.Value.Date == "2015");
        reading.Fingerprint.ShouldBe(DuplicateFinder.Fingerprint(Article));
    }

    [Fact]
    public void Ingesting_records_the_copy_it_duplicates()
    {
        var original = Guid.NewGuid();
        var command = new IngestDocument(Guid.NewGuid(), " The AI race ", Article, null, "Jacob Dreyer", null, new DateOnly(2025, 2, 1), "en",
            original, [], new Actor("cms-plugin", "tool"), DateTimeOffset.UnixEpoch);
        var ingested = IngestDocumentDecision.Decide(null, command).Events.ShouldHaveSingleItem().ShouldBeOfType<DocumentIngested>();
        ingested.DuplicateOf.ShouldBe(original);
        ingested.Title.ShouldBe("The AI race");
    }

    [Fact]
    public void Detected_candidates_are_recorded_beside_the_ingestion()
    {
        var candidate = new CandidateClaim("36% of all large language models", "", "", 0, 32, ClaimKinds.Percentage, "36%", new NormalizedValue(36m, null, "%", null, null, null, null), 0.9);
        var command = new IngestDocument(Guid.NewGuid(), "t", Article, null, null, null, new DateOnly(2025, 2, 1), null, null,
            [candidate], new Actor("cms-plugin", "tool"), DateTimeOffset.UnixEpoch);
        var events = IngestDocumentDecision.Decide(null, command).Events;
        events.Count.ShouldBe(2);
        events[1].ShouldBeOfType<ClaimCandidatesDetected>().Candidates.ShouldBe([candidate]);
        FactDesk.TamperEvidence.StateFolder<Document>.Instance.Fold(events)!.Candidates.ShouldBe([candidate]);
    }

    [Fact]
    public void Ingesting_a_document_that_exists_is_a_rule_violation()
    {
        var command = new IngestDocument(Guid.NewGuid(), "t", Article, null, null, null, new DateOnly(2025, 2, 1), null, null, [],
            new Actor("cms-plugin", "tool"), DateTimeOffset.UnixEpoch);
        var existing = FactDesk.TamperEvidence.StateFolder<Document>.Instance.Fold(IngestDocumentDecision.Decide(null, command).Events);
        IngestDocumentDecision.Decide(existing, command).Violation!.Rule.ShouldBe("document-already-ingested");
    }
}
