using System.Text;

namespace FactDesk.Api.Http;

/// <summary>A request body that can say what is wrong with it, field by field.</summary>
public interface IValidatable
{
    void Validate(Validation check);
}

/// <summary>Collects field-level messages; the pipeline answers 400 with them when any were added.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    /// <summary>Every rule a check applied, by field: the OpenAPI document describes request bodies from these, so the two cannot drift.</summary>
    public IReadOnlyDictionary<string, FieldRule> Rules => _rules;
    private readonly Dictionary<string, FieldRule> _rules = new(StringComparer.Ordinal);

    /// <summary>Notes the rule of a check written by hand in a request's Validate, for the OpenAPI document.</summary>
    public void Describe(string field, FieldRule rule) => Note(field, known => known with
    {
        Required = known.Required || rule.Required, MaxLength = rule.MaxLength ?? known.MaxLength, MinLength = rule.MinLength ?? known.MinLength,
        Allowed = rule.Allowed ?? known.Allowed, Format = rule.Format ?? known.Format, Pattern = rule.Pattern ?? known.Pattern,
    });

    private void Note(string field, Func<FieldRule, FieldRule> rule) =>
        _rules[field] = rule(_rules.TryGetValue(field, out var known) ? known : new FieldRule());

    public bool IsValid => _errors.Count == 0;

    public IDictionary<string, string[]> Errors => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    /// <summary>
    /// Required text: present, with at least one visible character (a quote of only zero-width spaces or bidi controls
    /// is blank to a reader), at most <paramref name="maxLength"/> characters, no control characters.
    /// </summary>
    public void Text(string field, string? value, int maxLength, bool required = true)
    {
        Note(field, r => r with { Required = r.Required || required, MaxLength = maxLength, VisibleText = true });
        if (value is null || !HasVisibleCharacter(value))
        {
            if (required) Add(field, $"{field} is required.");
            return;
        }
        if (value.Length > maxLength) Add(field, $"{field} must be at most {maxLength} characters.");
        if (value.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
            Add(field, $"{field} must not contain control characters.");
    }

    /// <summary>True when the text holds a character that shows: not white space, not a format character (zero-width, bidi), not a control.</summary>
    public static bool HasVisibleCharacter(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (Rune.IsWhiteSpace(rune) || category is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.Control
                    or System.Globalization.UnicodeCategory.Surrogate or System.Globalization.UnicodeCategory.OtherNotAssigned
                    or System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.EnclosingMark)
                continue;
            // Hangul fillers and braille blank are letters or symbols by category, blank on screen.
            if (rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800) continue;
            return true;
        }
        return false;
    }

    /// <summary>An optional or required choice among kebab-case names.</summary>
    public void OneOf(string field, string? value, IReadOnlyCollection<string> allowed, bool required = false)
    {
        Note(field, r => r with { Required = r.Required || required, Allowed = allowed });
        if (value is null)
        {
            if (required) Add(field, $"{field} is required: one of {string.Join(", ", allowed)}.");
            return;
        }
        if (!allowed.Contains(value)) Add(field, $"{field} must be one of {string.Join(", ", allowed)}.");
    }

    /// <summary>An absolute http or https URL.</summary>
    public void Url(string field, string? value, bool required = false)
    {
        Note(field, r => r with { Required = r.Required || required, MaxLength = MaxUrlLength, Format = "uri" });
        if (value is null)
        {
            if (required) Add(field, $"{field} is required.");
            return;
        }
        if (value.Length > MaxUrlLength || value.Any(char.IsControl) || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            Add(field, $"{field} must be an absolute http or https URL of at most {MaxUrlLength} characters.");
    }

    public const int MaxUrlLength = 2048;

    /// <summary>A list of at most <paramref name="maxItems"/> distinct entries; when required, at least one.</summary>
    public void Items<T>(string field, IReadOnlyCollection<T>? values, int maxItems, bool required = false, bool distinct = true)
    {
        Note(field, r => r with { Required = r.Required || required, MinItems = required ? 1 : null, MaxItems = maxItems, UniqueItems = distinct });
        if (values is null || values.Count == 0)
        {
            if (required) Add(field, $"{field} is required.");
            return;
        }
        if (values.Count > maxItems) Add(field, $"{field} may hold at most {maxItems} entries.");
        if (distinct && values.Distinct().Count() != values.Count) Add(field, $"{field} must not repeat an entry.");
    }

    /// <summary>Optional text of <paramref name="minLength"/> to <paramref name="maxLength"/> characters matching <paramref name="pattern"/> (a regular expression), explained by <paramref name="message"/>.</summary>
    public void Matches(string field, string? value, string pattern, int minLength, int maxLength, string message)
    {
        Note(field, r => r with { Pattern = pattern, MinLength = minLength, MaxLength = maxLength });
        // The whole value must match: .NET's '$' also matches before a final newline, JSON Schema's does not.
        if (value is not null && (value.Length < minLength || value.Length > maxLength
                || System.Text.RegularExpressions.Regex.Match(value, pattern) is not { Success: true } match || match.Length != value.Length))
            Add(field, message);
    }

    public void Required<T>(string field, T? value) where T : struct
    {
        Note(field, r => r with { Required = true });
        if (value is null) Add(field, $"{field} is required.");
    }
}

/// <summary>What a request field must be, as the checks above apply it; null where a check says nothing.</summary>
public sealed record FieldRule
{
    public bool Required { get; init; }
    public int? MaxLength { get; init; }
    public int? MinLength { get; init; }
    /// <summary>Text that must hold a visible character when given (at least one character long).</summary>
    public bool VisibleText { get; init; }
    public IReadOnlyCollection<string>? Allowed { get; init; }
    public string? Format { get; init; }
    public string? Pattern { get; init; }
    public int? MinItems { get; init; }
    public int? MaxItems { get; init; }
    public bool UniqueItems { get; init; }
}

/// <summary>Kebab-case names of enum values, as they travel in JSON.</summary>
public static class EnumNames<T> where T : struct, Enum
{
    public static readonly IReadOnlyCollection<string> All = Enum.GetNames<T>().Select(System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName).ToArray();

    public static T Parse(string name) => Enum.GetValues<T>().Single(v => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(v.ToString()) == name);

    public static string Name(T value) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
