using System.Text.RegularExpressions;
using FactDesk.Api.Documents.Detection;

namespace FactDesk.Api.Documents.Conflicts;

/// <summary>
/// What a statement measures, in comparable form: the kind of value, the unit, the named things it is about
/// (<see cref="Subject"/>: the names nearest the value) and every content word of its clause (<see cref="Words"/>,
/// lower-cased and crudely stemmed so "released" meets "release"). <see cref="Label"/> is for people ("Deepseek-R1 release").
/// </summary>
public sealed record MeasureKey(string Kind, string? Unit, IReadOnlyList<string> Subject, IReadOnlyList<string> Words, string Label)
{
    /// <summary>Names inside the value's own words ("over 400 open <em>Qwen</em> models"): the other statement must name them too.</summary>
    public IReadOnlyList<string> Decisive { get; init; } = [];

    /// <summary>Tokens holding a digit ("r1", "v3", "60"): model and product names that must not differ for two statements to be about one thing.</summary>
    public IEnumerable<string> Identifiers => Words.Where(w => w.Any(char.IsDigit));

    /// <summary>True when the key names something: a statement about nothing nameable ("Then came January.") is never compared.</summary>
    public bool IsAboutSomething => Subject.Count > 0;
}

/// <summary>
/// Derives <see cref="MeasureKey"/>s from article sentences and from structured assertions. Pure and explainable:
/// the clause around the value, its content words, and its capitalised names.
/// </summary>
public static partial class MeasureKeys
{
    /// <summary>How many name runs nearest the value make up the subject: one misses "Qwen overtook Llama ... on Hugging Face"; three drifts into other clauses.</summary>
    private const int SubjectRuns = 2;

    /// <summary>A clause of fewer content words ("V3") is widened to its neighbours so the key says what is measured.</summary>
    private const int MinWords = 3;

    /// <summary>Words that carry no measure: grammar, hedges, value verbs, and the words dates and amounts are written with.</summary>
    private static readonly HashSet<string> NoiseWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as", "into", "onto",
        "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "its", "it", "it's", "this", "that", "these",
        "those", "than", "then", "so", "such", "per", "which", "who", "whose", "where", "when", "while", "not", "no", "more",
        "less", "most", "least", "also", "only", "just", "even", "yet", "thus", "his", "her", "hers", "our", "ours", "their",
        "theirs", "them", "they", "we", "us", "he", "she", "i", "you", "your", "my", "does", "did", "do", "will", "would", "can",
        "could", "may", "might", "must", "should", "shall", "about", "over", "under", "some", "around", "roughly", "nearly",
        "almost", "approximately", "circa", "up", "out", "there", "here", "all", "each", "every", "any", "both", "either",
        "neither", "other", "another", "same", "very", "much", "many", "few", "little", "own", "alone", "still", "already",
        "now", "currently", "today", "recently", "recent", "since", "until", "through", "during", "before", "after", "between",
        "against", "among", "via", "like", "what", "how", "why", "if", "because", "though", "although", "however", "meanwhile",
        "indeed", "instance", "example", "came", "come", "comes", "saw", "see", "sees", "became", "become", "becomes", "got",
        "get", "gets", "made", "make", "makes", "said", "says", "say", "according", "reportedly", "reported", "estimated",
        "worth", "cost", "costs", "total", "totalled", "totaled", "mere", "some", "further", "furthermore", "then", "later",
        "earlier", "first", "last", "next", "this", "year", "years", "month", "months", "week", "weeks", "day", "days", "ago",
        "decade", "decades", "century", "date", "time", "times", "early", "late", "mid", "fall", "autumn", "spring", "summer",
        "winter", "january", "february", "march", "april", "june", "july", "august", "september", "october", "november",
        "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "quarter", "half",
        "hundred", "hundreds", "thousand", "thousands", "million", "millions", "billion", "billions", "trillion", "trillions",
        "bn", "mn", "tn", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "twenty", "thirty", "forty", "fifty", "dozen", "dozens", "tens", "percent", "per-cent", "cent", "dollar", "dollars",
        "yuan", "renminbi", "rmb", "euro", "euros", "pound", "pounds", "yen", "usd", "cny", "eur", "gbp", "jpy", "hkd", "us$",
        "equivalent", "nearly", "least", "exceeding", "exceeded", "exceeds", "exceed", "above", "below", "upwards", "plus",
    };

    /// <summary>Capitalised words that start sentences or clauses without naming anything.</summary>
    private static readonly HashSet<string> NotNames = new(StringComparer.Ordinal)
    {
        "the", "a", "an", "and", "but", "or", "in", "on", "at", "by", "for", "then", "this", "that", "these", "those", "it",
        "its", "there", "here", "as", "when", "while", "after", "before", "since", "during", "last", "next", "currently",
        "now", "meanwhile", "indeed", "however", "although", "though", "if", "so", "thus", "still", "even", "only", "also",
        "starting", "from", "to", "of", "with", "we", "they", "he", "she", "i", "you", "our", "their", "his", "her", "my",
        "what", "how", "why", "who", "which", "some", "many", "most", "all", "each", "every", "both", "one", "two", "three",
        "compared", "recognizing", "consider", "take", "q", "a:", "did", "do", "does", "is", "are", "was", "were",
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december", "about", "over", "nearly", "around", "roughly", "almost", "just", "more", "less", "under", "above",
    };

    /// <summary>
    /// Names so common in coverage of one beat that sharing them says nothing ("China" in every sentence about Chinese AI).
    /// They still count as words, and as a subject when nothing more specific is near the value.
    /// </summary>
    public static readonly IReadOnlySet<string> BroadNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "china", "chinese", "us", "u.s", "usa", "america", "american", "americans", "united", "states", "west", "western",
        "world", "global", "ai", "beijing", "washington", "europe", "european", "eu", "asia", "asian",
    };

    /// <summary>The key of a detected value: <paramref name="expressionStart"/> is where the value's words start in <paramref name="sentence"/>.</summary>
    public static MeasureKey FromSentence(string kind, string? unit, string sentence, int expressionStart, int expressionLength)
    {
        expressionStart = Math.Clamp(expressionStart, 0, sentence.Length);
        expressionLength = Math.Clamp(expressionLength, 0, sentence.Length - expressionStart);
        var clauses = Clauses(sentence);
        var home = clauses.FindIndex(c => c.Start <= expressionStart && expressionStart < Math.Max(c.End, c.Start + 1));
        if (home < 0) home = clauses.Count - 1;

        // Widen from the value's own clause until it names something: "amassing over one billion downloads" is about
        // the Qwen models named in the clause before it.
        int first = home, last = home;
        var tokens = TokensOf(sentence, clauses[first].Start, clauses[last].End);
        while ((!tokens.Any(t => t.IsName && !t.IsBroad) || tokens.Count < MinWords) && (first > 0 || last < clauses.Count - 1))
        {
            if (first > 0) first--;
            else last++;
            tokens = TokensOf(sentence, clauses[first].Start, clauses[last].End);
        }

        var words = tokens.Select(t => t.Stem).Where(IsContentStem).Distinct().ToList();
        var unitStem = NormaliseUnit(unit);
        if (unitStem is not null)
            foreach (var part in unitStem.Split(' '))
                if (!words.Contains(part)) words.Add(part);

        var expressionMiddle = expressionStart + expressionLength / 2;
        var runs = NameRuns(tokens)
            // "second only to Japan": the name inside a rank is the competitor, not what is ranked.
            .Where(run => kind != ClaimKinds.Ranking || Distance(run, expressionStart, expressionStart + expressionLength, expressionMiddle) > 0)
            .OrderBy(run => run.Any(t => t.IsBroad) ? 1 : 0)
            .ThenBy(run => Distance(run, expressionStart, expressionStart + expressionLength, expressionMiddle))
            .ToList();
        var specific = runs.Where(r => !r.All(t => t.IsBroad)).Take(SubjectRuns).ToList();
        var chosen = specific.Count > 0 ? specific : runs.Take(1).ToList();
        var subject = chosen.SelectMany(r => r).Select(t => t.Stem).Distinct().ToList();

        var decisive = kind == ClaimKinds.Ranking ? [] : tokens
            .Where(t => t.IsName && !t.IsBroad && t.Start < expressionStart + expressionLength && expressionStart < t.End)
            .Select(t => t.Stem).Distinct().ToList();

        var label = Label(chosen.FirstOrDefault(), tokens, subject);
        return new MeasureKey(kind, unitStem, subject, words, label) { Decisive = decisive };
    }

    /// <summary>The key of a flagged claim's structured assertion: the subject names the thing, the metric what is measured.</summary>
    public static MeasureKey FromAssertion(string kind, string? unit, string? subject, string? metric)
    {
        var subjectTokens = TokensOf(subject ?? "", 0, (subject ?? "").Length).Select(t => t.Stem).Where(IsContentStem).Distinct().ToList();
        var metricTokens = TokensOf(metric ?? "", 0, (metric ?? "").Length).Select(t => t.Stem).Where(IsContentStem).ToList();
        var words = subjectTokens.Concat(metricTokens).Distinct().ToList();
        var unitStem = NormaliseUnit(unit);
        if (unitStem is not null)
            foreach (var part in unitStem.Split(' '))
                if (!words.Contains(part)) words.Add(part);
        var label = string.Join(' ', new[] { subject?.Trim(), metric?.Trim() }.Where(s => !string.IsNullOrEmpty(s)));
        return new MeasureKey(kind, unitStem, subjectTokens, words, label.Length == 0 ? kind : label);
    }

    /// <summary>A unit as compared: lower-case, stemmed word by word ("open models" and "model" meet on "model").</summary>
    public static string? NormaliseUnit(string? unit)
    {
        if (string.IsNullOrWhiteSpace(unit)) return null;
        var stems = WordPattern().Matches(unit).Select(m => Stem(m.Value.ToLowerInvariant())).Where(s => s.Length > 0).ToArray();
        return stems.Length == 0 ? unit.Trim().ToLowerInvariant() : string.Join(' ', stems);
    }

    /// <summary>
    /// A crude suffix stripper: enough to meet "released"/"releases"/"release" and "models"/"model" without a dictionary.
    /// Only ever compared with itself, so odd stems ("releas") do no harm.
    /// </summary>
    public static string Stem(string word)
    {
        var w = word.Trim('\'', '’', '.', '-');
        if (w.EndsWith("'s", StringComparison.Ordinal) || w.EndsWith("’s", StringComparison.Ordinal)) w = w[..^2];
        if (w.Any(char.IsDigit) || w.Length <= 3) return w;
        if (w.EndsWith("ies", StringComparison.Ordinal) && w.Length > 4) w = w[..^3] + "y";
        else if (w.EndsWith("sses", StringComparison.Ordinal)) w = w[..^2];
        else if (w.EndsWith("ing", StringComparison.Ordinal) && w.Length > 5) w = w[..^3];
        else if (w.EndsWith("ed", StringComparison.Ordinal) && w.Length > 4) w = w[..^2];
        else if (w.EndsWith('s') && !w.EndsWith("ss", StringComparison.Ordinal) && !w.EndsWith("us", StringComparison.Ordinal)) w = w[..^1];
        if (w.EndsWith('e') && w.Length > 4) w = w[..^1];
        return w;
    }

    private static bool IsContentStem(string stem) => stem.Length > 1 || stem.Any(char.IsDigit) && stem.Any(char.IsLetter);

    private sealed record Token(string Text, string Stem, int Start, int End, bool IsName, bool IsBroad);

    private static List<Token> TokensOf(string text, int start, int end)
    {
        var tokens = new List<Token>();
        foreach (Match m in WordPattern().Matches(text[start..end]))
        {
            // Hyphenated names split ("Deepseek-R1" is the words "deepseek" and "r1"); hyphenated modifiers do too.
            var offset = 0;
            foreach (var part in m.Value.Split('-'))
            {
                var partStart = start + m.Index + offset;
                offset += part.Length + 1;
                var trimmed = part.Trim('\'', '’', '.');
                if (trimmed.Length == 0) continue;
                var lower = trimmed.ToLowerInvariant();
                if (lower.All(char.IsDigit)) continue; // bare numbers are values, never the measure
                if (lower.EndsWith("'s", StringComparison.Ordinal) || lower.EndsWith("’s", StringComparison.Ordinal))
                    lower = lower[..^2];
                var stem = Stem(lower);
                if (NoiseWords.Contains(lower) || NoiseWords.Contains(stem) || stem.Length == 0) continue;
                var isName = (char.IsUpper(trimmed[0]) || trimmed.Any(char.IsDigit) && trimmed.Any(char.IsLetter)) && !NotNames.Contains(lower);
                tokens.Add(new Token(trimmed, stem, partStart, partStart + part.Length, isName, BroadNames.Contains(lower)));
            }
        }
        return tokens;
    }

    /// <summary>Runs of adjacent names ("Big Fund", "Hugging Face"): one named thing each.</summary>
    private static IEnumerable<List<Token>> NameRuns(List<Token> tokens)
    {
        List<Token>? run = null;
        Token? previous = null;
        foreach (var token in tokens)
        {
            var adjacent = previous is not null && token.Start - previous.End <= 2;
            if (token.IsName && run is not null && adjacent && previous!.IsName) run.Add(token);
            else if (token.IsName) { if (run is not null) yield return run; run = [token]; }
            else if (run is not null) { yield return run; run = null; }
            previous = token;
        }
        if (run is not null) yield return run;
    }

    private static int Distance(List<Token> run, int start, int end, int middle)
    {
        var runStart = run[0].Start;
        var runEnd = run[^1].End;
        if (runStart < end && start < runEnd) return 0;
        return Math.Min(Math.Abs(runStart - middle), Math.Abs(runEnd - middle));
    }

    // For people: the nearest name as written, then the first few other content words ("Deepseek R1 release").
    private static string Label(List<Token>? name, List<Token> tokens, List<string> subject)
    {
        static string Plain(string text) => text.EndsWith("'s", StringComparison.Ordinal) || text.EndsWith("’s", StringComparison.Ordinal) ? text[..^2] : text;
        var named = name is null ? "" : string.Join(' ', name.Select(t => Plain(t.Text)));
        var metric = tokens.Where(t => !t.IsName && !subject.Contains(t.Stem)).Select(t => Plain(t.Text).ToLowerInvariant()).Distinct().Take(3);
        return string.Join(' ', new[] { named }.Concat(metric).Where(s => s.Length > 0));
    }

    /// <summary>Clauses of a sentence: split at commas, semicolons, colons, dashes used as breaks and parentheses.</summary>
    private static List<(int Start, int End)> Clauses(string sentence)
    {
        var clauses = new List<(int Start, int End)>();
        var start = 0;
        foreach (Match m in ClauseBreak().Matches(sentence))
        {
            clauses.Add((start, m.Index));
            start = m.Index + m.Length;
        }
        clauses.Add((start, sentence.Length));
        return clauses.Where(c => c.End > c.Start).DefaultIfEmpty((0, sentence.Length)).ToList();
    }

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}'’.\-]*")]
    private static partial Regex WordPattern();

    // Commas inside numbers ("1,000") are not breaks; dashes between spaces, em dashes and parentheses are.
    [GeneratedRegex(@",(?=\s)|;|:(?=\s)|\s[—–-]\s|—|[()]")]
    private static partial Regex ClauseBreak();
}
