using FactDesk.Api.Claims;
using FactDesk.Api.Claims.AttachingSources;
using Shouldly;
using static FactDesk.Domain.Tests.Claims.ClaimStory;

namespace FactDesk.Domain.Tests.Claims;

public class AttachingSourcesTests
{
    private static AttachSource Attach(Guid sourceId, string? url = "https://stats.example/a", string? citation = null) =>
        new(ClaimId, sourceId, url, citation, " Census ", null, null, "  ", Stance.Supports, SourceKind.Secondary, Tool, Now);

    [Theory]
    [MemberData(nameof(OpenClaims), MemberType = typeof(ClaimStory))]
    public void A_source_can_be_attached_to_any_open_claim(string situation)
    {
        var attached = AttachSourceDecision.Decide(Situation(situation), Attach(SecondSource)).ShouldBeSingleEvent().ShouldBeOfType<SourceAttached>();
        attached.SourceId.ShouldBe(SecondSource);
        attached.Stance.ShouldBe(Stance.Supports);
        attached.Kind.ShouldBe(SourceKind.Secondary);
        attached.By.ShouldBe(Tool);
    }

    [Fact]
    public void Blank_optional_fields_are_stored_as_absent_and_text_is_trimmed()
    {
        var attached = (SourceAttached)AttachSourceDecision.Decide(Given(JustFlagged), Attach(SecondSource, url: null, citation: "Annual report 2024, p. 12")).ShouldBeSingleEvent();
        attached.Url.ShouldBeNull();
        attached.Citation.ShouldBe("Annual report 2024, p. 12");
        attached.Title.ShouldBe("Census");
        attached.Quote.ShouldBeNull();
    }

    [Fact]
    public void An_attached_source_counts_as_evidence_on_the_claim()
    {
        var claim = Given(JustFlagged);
        var next = claim.Apply((SourceAttached)AttachSourceDecision.Decide(claim, Attach(SecondSource)).ShouldBeSingleEvent());
        next.ActiveSources.Select(s => s.SourceId).ShouldBe([SecondSource]);
    }

    [Fact]
    public void Attaching_the_same_source_id_again_is_a_retry_and_changes_nothing()
    {
        AttachSourceDecision.Decide(Given(WithASource), Attach(FirstSource)).ShouldChangeNothing();
    }

    [Theory]
    [MemberData(nameof(ClosedClaims), MemberType = typeof(ClaimStory))]
    public void A_source_cannot_be_attached_to_a_closed_claim(string situation)
    {
        AttachSourceDecision.Decide(Situation(situation), Attach(SecondSource)).ShouldBreak("claim-is-closed");
    }
}
