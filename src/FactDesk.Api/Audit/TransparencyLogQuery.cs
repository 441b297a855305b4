using FactDesk.Api.Http;

namespace FactDesk.Api.Audit;

/// <summary>Whole-number query parameters of the transparency log's routes: a bad one is a 400 naming it, never a 500.</summary>
internal static class TransparencyLogQuery
{
    public static long? Number(HttpRequest request, Validation check, string name, long minimum, bool required)
    {
        if (!request.Query.TryGetValue(name, out var values))
        {
            if (required) check.Add(name, $"{name} is required: a whole number of at least {minimum}.");
            return null;
        }
        if (values.Count == 1 && long.TryParse(values[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= minimum)
            return n;
        check.Add(name, values.Count == 1 ? $"{name} must be a whole number of at least {minimum}." : $"Give {name} once.");
        return null;
    }

    public static string Base64(byte[] hash) => Convert.ToBase64String(hash);
}
