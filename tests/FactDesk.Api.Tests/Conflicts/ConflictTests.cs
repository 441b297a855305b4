using System.Net;
using System.Text.Json;
using FactDesk.Api.Documents.Conflicts;
using FactDesk.Api.Documents.Detection;
using Microsoft.Extensions.DependencyInjection;
using FactDesk.Testing;
using Shouldly;

namespace FactDesk.Api.Tests.Conflicts;

/// <summary>Steps shared by the conflict scenarios: let the conflict finder and the proposer catch up, then list proposals.</summary>
internal static class ConflictDesk
{
    public static async Task<JsonElement[]> ProposalsAfterCatchUpAsync(this FactDeskApi api)
    {
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(60));
        await api.Services.GetRequiredService<DiscrepancyProposer>().ProposePendingAsync();
        var list = await (await api.Editor.GetAsync("/api/discrepancies?status=proposed&limit=500")).ReadJsonAsync();
        return list.GetProperty("items").EnumerateArray().ToArray();
    }

    public static async Task<JsonElement> DetailsAsync(this FactDeskApi api, Guid id) =>
        await (await api.Auditor.GetAsync($"/api/discrepancies/{id}")).ReadJsonAsync();

    public static async Task<Guid> IngestSeedAsync(this FactDeskApi api, string prefix, string publishedOn)
    {
        var file = RepositorySeeds.ArticlePath(prefix);
        var document = await api.IngestAsync(await File.ReadAllTextAsync(file), Path.GetFileName(file), publishedOn);
        return document.GetProperty("id").GetGuid();
    }
}

public class ApiWithSeedArticles : FactDeskApi;

public class ApiForPlausibility : FactDeskApi;

public class PlausibilityTests(ApiForPlausibility api) : IClassFixture<ApiForPlausibility>
{
    [Fact]
    public async Task A_candidate_that_contradicts_what_the_desk_holds_is_marked_with_the_disagreement()
    {
        var first = (await api.IngestAsync(
            "China is home to 36% of all large language models in existence, second only to the United States.", "White paper", "2025-02-18"))
            .GetProperty("id").GetGuid();
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(60));

        // Within a month of the first, so the two describe the same moment ("is home to" is a snapshot).
        var later = await api.IngestAsync("""
            Registries were reviewed again in late February by the Ledger's data desk, model by model.
            China is home to 40% of all large language models in existence, a new count shows.
            """, "Ledger count", "2025-03-01");
        later.GetProperty("duplicateOf").ValueKind.ShouldBe(JsonValueKind.Null);

        var share = later.GetProperty("candidates").EnumerateArray().Single(c => c.GetProperty("kind").GetString() == "percentage");
        var disagreement = share.GetProperty("disagreements").EnumerateArray().Single();
        disagreement.GetProperty("documentId").GetGuid().ShouldBe(first);
        disagreement.GetProperty("quote").GetString()!.ShouldContain("36%");
    }
}

public class ApiForHeldStatements : FactDeskApi;

public class HeldStatementsTests(ApiForHeldStatements api) : IClassFixture<ApiForHeldStatements>
{
    [Fact]
    public async Task Every_held_statement_the_rules_match_as_the_same_measure_is_read_and_statements_about_other_things_are_not()
    {
        foreach (var (seed, on) in new[] { ("000", "2025-02-18"), ("001", "2025-02-18"), ("002", "2025-03-20"), ("003", "2026-01-20"), ("004", "2025-10-20") })
            await api.IngestSeedAsync(seed, on);
        await api.IngestAsync("""
            DeepSeek’s R1 release came in December 2024, the company said.
            The third round of China’s Big Fund plans a US$27 billion investment in its semiconductor ecosystem.
            Alibaba has released over 300 open Qwen models so far.
            China is home to 26% of all large language models in existence, a rival registry says.
            China produced 11% of the world's steel in 2023, official data show.
            """, "Rival wire", "2025-03-01");
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(60));

        var all = new List<Statement>();
        await using (var cmd = api.Store.DataSource.CreateCommand("select statement::text from factdesk.conflict_statements"))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                all.Add(System.Text.Json.JsonSerializer.Deserialize<Statement>(reader.GetString(0), FactDesk.Api.Http.JsonDefaults.Options)!);

        var (matched, read, sharingAWord) = (0, 0, 0);
        await using var connection = await api.Store.DataSource.OpenConnectionAsync();
        foreach (var statement in all.Where(s => s.Key.IsAboutSomething))
        {
            var expected = all.Where(held => held.Family != statement.Family && held.Kind == statement.Kind && held.Key.IsAboutSomething
                                             && ConflictRules.SameMeasure(held.Key, statement.Key))
                .Select(held => held.Id).ToList();
            var actual = (await HeldStatements.ComparableWithAsync(connection, statement, limit: null, CancellationToken.None)).Select(s => s.Id).ToList();
            expected.ShouldBeSubsetOf(actual, $"{statement.Quote} ({statement.Key.Label})");
            matched += expected.Count;
            read += actual.Count;
            sharingAWord += all.Count(held => held.Family != statement.Family && held.Kind == statement.Kind && held.Key.Words.Intersect(statement.Key.Words).Any());
        }
        // The corpus has pairs to find, and the read is narrower than "shares a word" (what was read before).
        matched.ShouldBeGreaterThan(0);
        read.ShouldBeLessThan(sharingAWord / 2, $"{matched} matched, {read} read, {sharingAWord} sharing a word");
    }
}

public class ApiForHeldStatementKeys : FactDeskApi;

public class HeldStatementKeysTests(ApiForHeldStatementKeys api) : IClassFixture<ApiForHeldStatementKeys>
{
    [Fact]
    public async Task The_read_of_held_statements_leaves_out_no_pair_the_rules_match_among_random_keys()
    {
        // Keys drawn from a small vocabulary (a broad name, unit words, a few content words) so that pairs at each of
        // SameMeasure's thresholds occur: the SQL that picks what to compare must never be stricter than the rules.
        var random = new Random(20261203);
        string[] vocabulary = ["china", "world", "%", "models", "language", "home", "steel", "qwen", "release", "r1"];
        string?[] units = ["%", "language models", "models", null];
        string[] kinds = [ClaimKinds.Percentage, ClaimKinds.Count, ClaimKinds.Ranking];
        var statements = Enumerable.Range(0, 160).Select(i =>
        {
            var words = vocabulary.Where(_ => random.NextDouble() < 0.45).ToList();
            if (words.Count == 0) words.Add(vocabulary[random.Next(vocabulary.Length)]);
            if (random.NextDouble() < 0.2) words.Add(words[random.Next(words.Count)]); // a word twice
            // Subjects and decisive words of one to three and zero to two, sometimes outside the key's own words.
            string Pick() => random.NextDouble() < 0.8 ? words[random.Next(words.Count)] : vocabulary[random.Next(vocabulary.Length)];
            var subject = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Pick()).ToArray();
            var decisive = Enumerable.Range(0, random.NextDouble() < 0.7 ? 0 : 1 + random.Next(2)).Select(_ => Pick()).ToArray();
            var key = new MeasureKey(kinds[random.Next(kinds.Length)], units[random.Next(units.Length)], subject, words, string.Join(" ", words)) { Decisive = decisive };
            return new Statement($"synthetic/{i}", null, null, Guid.NewGuid(), null, key,
                new NormalizedValue(i, null, key.Unit, null, null, i.ToString(), null), $"statement {i}", i.ToString(), IsSnapshot: false);
        }).ToList();
        await using var connection = await api.Store.DataSource.OpenConnectionAsync();
        foreach (var (s, position) in statements.Select((s, i) => (s, (long)i + 1)))
        {
            await using var insert = new Npgsql.NpgsqlCommand("""
                insert into factdesk.conflict_statements (id, family, kind, measure_words, normalized_value, quote, statement, position)
                values ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8)
                """, connection);
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = s.Id });
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<Guid> { TypedValue = s.Family });
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = s.Kind });
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<string[]> { TypedValue = s.Key.Words.ToArray() });
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(s.Value, FactDesk.Api.Http.JsonDefaults.Options) });
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = s.Quote });
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(s, FactDesk.Api.Http.JsonDefaults.Options) });
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = position });
            await insert.ExecuteNonQueryAsync();
        }

        var (matched, read) = (0, 0);
        foreach (var statement in statements)
        {
            var expected = statements.Where(held => held.Family != statement.Family && held.Kind == statement.Kind && ConflictRules.SameMeasure(held.Key, statement.Key))
                .Select(held => held.Id).ToList();
            var actual = (await HeldStatements.ComparableWithAsync(connection, statement, limit: null, CancellationToken.None))
                .Where(s => s.Id.StartsWith("synthetic/", StringComparison.Ordinal)).Select(s => s.Id).ToList();
            expected.ShouldBeSubsetOf(actual, statement.Key.Label);
            (matched, read) = (matched + expected.Count, read + actual.Count);
        }
        // Enough matching pairs to mean something, and the read is close to them: it is not simply everything.
        matched.ShouldBeGreaterThan(100);
        read.ShouldBeLessThan(matched * 2);
    }
}

public class ApiForManyHeldStatements : FactDeskApi;

public class ManyHeldStatementsTests(ApiForManyHeldStatements api) : IClassFixture<ApiForManyHeldStatements>
{
    [Fact]
    public async Task A_disagreement_is_found_behind_many_older_statements_that_share_only_a_name()
    {
        // Sixty older shares that share only "China" with the measure checked below: more than ingestion compares with.
        string[] goods = ["steel", "aluminium", "cement", "solar panels", "batteries", "ships", "cars", "rice", "wheat", "cotton", "coal", "copper"];
        var shares = from year in Enumerable.Range(2019, 5)
                     from good in goods
                     select $"China produced {3 + (year * 7 + good.Length) % 60}% of the world's {good} in {year}, official data show.";
        await api.IngestAsync(string.Join("\n", shares), "Trade yearbook", "2025-02-10");
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(60));
        await using (var count = api.Store.DataSource.CreateCommand("select count(*) from factdesk.conflict_statements where kind = 'percentage'"))
            ((long)(await count.ExecuteScalarAsync())!).ShouldBeGreaterThan(50);
        var whitePaper = (await api.IngestAsync(
            "China is home to 36% of all large language models in existence, second only to the United States.", "White paper", "2025-02-18"))
            .GetProperty("id").GetGuid();
        await api.Projections.CatchUpAsync(TimeSpan.FromSeconds(60));

        var rival = await api.IngestAsync("""
            A rival registry counted models again this month, one by one.
            China is home to 26% of all large language models in existence, the registry says.
            """, "Rival registry", "2025-02-25");

        var share = rival.GetProperty("candidates").EnumerateArray().Single(c => c.GetProperty("kind").GetString() == "percentage");
        share.GetProperty("disagreements").EnumerateArray().Single().GetProperty("documentId").GetGuid().ShouldBe(whitePaper);
    }
}

public class ApiForRepeatedFigures : FactDeskApi;

public class RepeatedFigureTests(ApiForRepeatedFigures api) : IClassFixture<ApiForRepeatedFigures>
{
    private static string Article(string lead, int percent) =>
        $"{lead}\nChina is home to {percent}% of all large language models in existence, the count shows.";

    [Fact]
    public async Task A_figure_repeated_across_articles_is_proposed_against_its_rival_once()
    {
        await api.IngestAsync(Article("The white paper was published by the ministry on Tuesday.", 36), "White paper", "2025-02-18");
        await api.IngestAsync(Article("A wire service summarised the ministry's paper for its clients.", 36), "Wire", "2025-02-19");
        await api.IngestAsync(Article("Our columnist read the paper over the weekend.", 36), "Column", "2025-02-20");
        (await api.ProposalsAfterCatchUpAsync()).ShouldBeEmpty();

        await api.IngestAsync(Article("A rival registry counted models differently this month.", 26), "Rival registry", "2025-02-21");
        var proposals = await api.ProposalsAfterCatchUpAsync();
        var proposal = proposals.ShouldHaveSingleItem(string.Join(" | ", proposals.Select(p => p.GetProperty("description").GetString())));
        var says = (await api.DetailsAsync(proposal.GetProperty("id").GetGuid())).GetProperty("values").EnumerateArray()
            .Select(v => v.GetProperty("says").GetString()).ToArray();
        says.ShouldBe(["36%", "26%"], ignoreOrder: true);

        // One more article with the first figure: the disagreement stands already.
        await api.IngestAsync(Article("A regional paper repeated the ministry's figure on Monday.", 36), "Regional", "2025-02-24");
        (await api.ProposalsAfterCatchUpAsync()).Length.ShouldBe(1);
    }
}

public class SeedConflictTests(ApiWithSeedArticles api) : IClassFixture<ApiWithSeedArticles>
{
    [Fact]
    public async Task The_seeds_raise_no_false_alarm_and_a_rival_article_raises_exactly_its_real_disagreements()
    {
        var dreyer = await api.IngestSeedAsync("000", "2025-02-18");
        await api.IngestSeedAsync("001", "2025-02-18");
        var contender = await api.IngestSeedAsync("002", "2025-03-20");
        await api.IngestSeedAsync("003", "2026-01-20");
        await api.IngestSeedAsync("004", "2025-10-20");

        // Across the five seeds nothing disagrees: DeepSeek's January (000's "last month" in February, 002's
        // "Then came January." in March) is one month, and the shared 35%s and $1 trillions are different measures.
        (await api.ProposalsAfterCatchUpAsync()).ShouldBeEmpty();

        // A rival write-up that gets two of 000's figures wrong, and one right.
        var rival = (await api.IngestAsync("""
            DeepSeek’s R1 release came in December 2024, the company said.
            The third round of China’s Big Fund plans a US$27 billion investment in its semiconductor ecosystem.
            Alibaba has released over 300 open Qwen models so far.
            """, "Rival wire", "2025-03-01")).GetProperty("id").GetGuid();

        var proposals = await api.ProposalsAfterCatchUpAsync();
        proposals.Length.ShouldBe(2, string.Join(" | ", proposals.Select(p => p.GetProperty("description").GetString())));
        var details = await Task.WhenAll(proposals.Select(p => api.DetailsAsync(p.GetProperty("id").GetGuid())));
        foreach (var d in details)
        {
            d.GetProperty("status").GetString().ShouldBe("proposed");
            d.GetProperty("openedBy").GetProperty("name").GetString().ShouldBe("factdesk");
            d.GetProperty("openedBy").GetProperty("role").GetString().ShouldBe("system");
            d.GetProperty("claimIds").GetArrayLength().ShouldBe(0);
            var documents = d.GetProperty("statements").EnumerateArray().Select(s => s.GetProperty("documentId").GetGuid()).ToArray();
            documents.ShouldContain(rival);
            documents.ShouldNotContain(contender);
        }
        var release = details.Single(d => d.GetProperty("kind").GetString() == "date");
        release.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("says").GetString())
            .ShouldBe(["last month’s", "December 2024"], ignoreOrder: true);
        var fund = details.Single(d => d.GetProperty("kind").GetString() == "numeric");
        fund.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("says").GetString())
            .ShouldBe(["US$47 billion", "US$27 billion"], ignoreOrder: true);
        // 000 is the original of the print copy 001: the conflict is raised once, against the original.
        fund.GetProperty("statements").EnumerateArray().Select(s => s.GetProperty("documentId").GetGuid()).ShouldContain(dreyer);

        // Running the finder and the proposer again proposes nothing new.
        (await api.ProposalsAfterCatchUpAsync()).Length.ShouldBe(2);
    }
}

public class ApiWithProposedDiscrepancy : FactDeskApi
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await this.IngestAsync("Alibaba has released over 400 open Qwen models, amassing over one billion downloads.", "Qwen at 400", "2025-01-10");
        await this.IngestAsync("Alibaba has released 250 open Qwen models.", "Qwen at 250", "2025-01-20");
    }

    /// <summary>A fresh proposal for each test: a new pair of articles that disagree about a model count.</summary>
    public async Task<Guid> NewProposalAsync()
    {
        var product = "Tongyi" + string.Concat(Guid.NewGuid().ToByteArray().Take(6).Select(b => (char)('a' + b % 26)));
        await this.IngestAsync($"Alibaba has released 120 open {product} models.", "first", "2025-02-01");
        await this.IngestAsync($"Alibaba has released 80 open {product} models.", "second", "2025-02-03");
        var proposals = await this.ProposalsAfterCatchUpAsync();
        return proposals.Single(p => p.GetProperty("description").GetString()!.Contains(product)).GetProperty("id").GetGuid();
    }
}

public class ReviewingProposalsTests(ApiWithProposedDiscrepancy api) : IClassFixture<ApiWithProposedDiscrepancy>
{
    [Fact]
    public async Task A_proposal_is_listed_as_proposed_and_not_as_open()
    {
        var id = await api.NewProposalAsync();
        var open = await (await api.Editor.GetAsync("/api/discrepancies?status=open")).ReadJsonAsync();
        open.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ShouldNotContain(id);
        var details = await api.DetailsAsync(id);
        details.GetProperty("measure").GetString()!.ShouldContain("models");
        details.GetProperty("statements").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task Confirming_opens_the_proposal_and_a_retry_with_the_same_key_replays()
    {
        var id = await api.NewProposalAsync();
        var first = await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/confirmation", new { note = "Both cannot be right." }, idempotencyKey: $"confirm-{id}");
        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        (await first.ReadJsonAsync()).GetProperty("version").GetInt64().ShouldBe(2);
        first.ETag().ShouldBe("\"2\"");
        var events = await api.CountEventsAsync();

        var again = await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/confirmation", new { note = "Both cannot be right." }, idempotencyKey: $"confirm-{id}");
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        again.Headers.GetValues("Idempotent-Replayed").ShouldContain("true");
        (await api.CountEventsAsync()).ShouldBe(events);

        var details = await api.DetailsAsync(id);
        details.GetProperty("status").GetString().ShouldBe("open");
        details.GetProperty("confirmation").GetProperty("by").GetProperty("name").GetString().ShouldBe("Mara Lind");
        var open = await (await api.Editor.GetAsync("/api/discrepancies?status=open")).ReadJsonAsync();
        open.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ShouldContain(id);

        // Once confirmed it is resolved like any other discrepancy.
        var resolved = await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/resolution", new { outcome = "sources-disagree", rationale = "Counts differ by date." });
        resolved.StatusCode.ShouldBe(HttpStatusCode.OK, await resolved.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Declining_records_the_reason_and_the_proposal_leaves_the_proposed_list()
    {
        var id = await api.NewProposalAsync();
        var response = await api.SecondEditor.PostJsonAsync($"/api/discrepancies/{id}/decline", new { reason = "The counts are months apart." });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var details = await api.DetailsAsync(id);
        details.GetProperty("status").GetString().ShouldBe("declined");
        details.GetProperty("decline").GetProperty("note").GetString().ShouldBe("The counts are months apart.");
        (await api.ProposalsAfterCatchUpAsync()).Select(p => p.GetProperty("id").GetGuid()).ShouldNotContain(id);
        var declined = await (await api.Editor.GetAsync("/api/discrepancies?status=declined")).ReadJsonAsync();
        declined.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ShouldContain(id);
    }

    [Fact]
    public async Task Resolving_a_proposal_before_confirming_it_is_409()
    {
        var id = await api.NewProposalAsync();
        var response = await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/resolution", new { outcome = "claim-stands", rationale = "Checked." });
        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await response.ReadJsonAsync()).GetProperty("type").GetString()!.ShouldEndWith("rules/discrepancy-not-confirmed");
    }

    [Fact]
    public async Task Declining_a_confirmed_discrepancy_and_confirming_a_declined_one_are_409()
    {
        var confirmed = await api.NewProposalAsync();
        (await api.Editor.PostJsonAsync($"/api/discrepancies/{confirmed}/confirmation", new { })).EnsureSuccessStatusCode();
        var decline = await api.Editor.PostJsonAsync($"/api/discrepancies/{confirmed}/decline", new { reason = "changed my mind" });
        decline.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await decline.ReadJsonAsync()).GetProperty("type").GetString()!.ShouldEndWith("rules/discrepancy-not-proposed");

        var declined = await api.NewProposalAsync();
        (await api.Editor.PostJsonAsync($"/api/discrepancies/{declined}/decline", new { reason = "not a conflict" })).EnsureSuccessStatusCode();
        var confirm = await api.Editor.PostJsonAsync($"/api/discrepancies/{declined}/confirmation", new { });
        confirm.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await confirm.ReadJsonAsync()).GetProperty("type").GetString()!.ShouldEndWith("rules/discrepancy-declined");
    }

    [Fact]
    public async Task Only_editors_and_up_review_proposals()
    {
        var id = await api.NewProposalAsync();
        (await api.Anonymous.PostJsonAsync($"/api/discrepancies/{id}/confirmation", new { })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.Tool.PostJsonAsync($"/api/discrepancies/{id}/confirmation", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.Auditor.PostJsonAsync($"/api/discrepancies/{id}/decline", new { reason = "no" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.Tool.PostJsonAsync($"/api/discrepancies/{id}/decline", new { reason = "no" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.DetailsAsync(id)).GetProperty("status").GetString().ShouldBe("proposed");
        (await api.Senior.PostJsonAsync($"/api/discrepancies/{id}/confirmation", new { })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Unknown_and_malformed_ids_and_missing_reasons_are_answered_without_a_500()
    {
        (await api.Editor.PostJsonAsync($"/api/discrepancies/{Guid.NewGuid()}/confirmation", new { })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Editor.PostJsonAsync($"/api/discrepancies/{Guid.NewGuid()}/decline", new { reason = "x" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.Editor.PostJsonAsync("/api/discrepancies/not-a-uuid/confirmation", new { })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await api.Editor.PostJsonAsync("/api/discrepancies/not-a-uuid/decline", new { reason = "x" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var id = await api.NewProposalAsync();
        var noReason = await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/decline", new { });
        ((int)noReason.StatusCode).ShouldBeOneOf(400, 422);
        (await noReason.ReadJsonAsync()).GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
        var garbage = await api.Editor.PostRawAsync($"/api/discrepancies/{id}/decline", "{ not json");
        ((int)garbage.StatusCode).ShouldBeOneOf(400, 422);
        (await api.DetailsAsync(id)).GetProperty("status").GetString().ShouldBe("proposed");
    }

    [Fact]
    public async Task A_stale_if_match_is_412_and_writes_nothing()
    {
        var id = await api.NewProposalAsync();
        var response = await api.Editor.PostJsonAsync($"/api/discrepancies/{id}/confirmation", new { }, ifMatch: "\"7\"");
        response.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        (await api.DetailsAsync(id)).GetProperty("status").GetString().ShouldBe("proposed");
    }

    [Fact]
    public async Task A_flagged_claim_that_contradicts_an_article_is_proposed_with_its_claim_id()
    {
        await api.IngestAsync("In 2023, the Shenzhen-based technology company Huawei launched the Mate 60 smartphone.", "Mate 60", "2024-04-01");
        var blog = await api.IngestAsync("Huawei put the Mate 60 smartphone on sale in 2021, years ahead of schedule.", "A blog", "2024-05-01");
        var claim = await api.Tool.PostJsonAsync("/api/claims", new
        {
            quote = "Huawei put the Mate 60 smartphone on sale in 2021",
            documentId = blog.GetProperty("id").GetGuid(),
            reason = "launch year",
            assertion = new { subject = "Huawei Mate 60", metric = "launch", value = "2021" },
        });
        claim.StatusCode.ShouldBe(HttpStatusCode.Created, await claim.Content.ReadAsStringAsync());
        var claimId = (await claim.ReadJsonAsync()).GetProperty("id").GetGuid();

        var proposal = (await api.ProposalsAfterCatchUpAsync())
            .Single(p => p.GetProperty("claimIds").EnumerateArray().Any(c => c.GetGuid() == claimId));
        proposal.GetProperty("kind").GetString().ShouldBe("date");
        var shown = await (await api.Auditor.GetAsync($"/api/claims/{claimId}")).ReadJsonAsync();
        shown.GetProperty("discrepancies").EnumerateArray().Single().GetProperty("status").GetString().ShouldBe("proposed");
    }
}
