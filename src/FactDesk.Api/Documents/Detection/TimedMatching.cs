using System.Text.RegularExpressions;

namespace FactDesk.Api.Documents.Detection;

/// <summary>
/// How every detection pattern is run. Articles come from clients, so a pattern that meets text it backtracks badly
/// on must not hold a request's CPU: each pattern carries <see cref="TimeoutMilliseconds"/>, and when it fires the
/// rest of that pattern's matches are dropped. Detection only proposes candidates, so finding fewer beats failing.
/// </summary>
internal static class TimedMatching
{
    /// <summary>Per match attempt; ordinary articles of a mebibyte take a few milliseconds per pattern.</summary>
    public const int TimeoutMilliseconds = 1000;

    /// <summary>The matches of <paramref name="regex"/> in order, stopping quietly if one attempt times out.</summary>
    public static IEnumerable<Match> SafeMatches(this Regex regex, string text)
    {
        var match = Attempt(() => regex.Match(text));
        while (match.Success)
        {
            yield return match;
            var previous = match;
            match = Attempt(previous.NextMatch);
        }
    }

    /// <summary>A match starting the search at <paramref name="start"/>, or a failed match if the attempt times out.</summary>
    public static Match SafeMatch(this Regex regex, string text, int start) => Attempt(() => regex.Match(text, start));

    /// <summary>Whether <paramref name="regex"/> occurs in <paramref name="text"/>; a timed-out attempt counts as no.</summary>
    public static bool SafeIsMatch(this Regex regex, string text) => Attempt(() => regex.Match(text)).Success;

    private static Match Attempt(Func<Match> match)
    {
        try
        {
            return match();
        }
        catch (RegexMatchTimeoutException)
        {
            return Match.Empty;
        }
    }
}
