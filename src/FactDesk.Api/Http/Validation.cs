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
        if (value is null)
        {
            if (required) Add(field, $"{field} is required.");
            return;
        }
        if (value.Length > 2048 || value.Any(char.IsControl) || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            Add(field, $"{field} must be an absolute http or https URL of at most 2048 characters.");
    }

    public void Required<T>(string field, T? value) where T : struct
    {
        if (value is null) Add(field, $"{field} is required.");
    }
}

/// <summary>Kebab-case names of enum values, as they travel in JSON.</summary>
public static class EnumNames<T> where T : struct, Enum
{
    public static readonly IReadOnlyCollection<string> All = Enum.GetNames<T>().Select(System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName).ToArray();

    public static T Parse(string name) => Enum.GetValues<T>().Single(v => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(v.ToString()) == name);

    public static string Name(T value) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
