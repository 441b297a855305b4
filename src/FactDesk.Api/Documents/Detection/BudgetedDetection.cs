using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FactDesk.Api.Documents.Detection;

/// <summary>
/// What detection found within its CPU budget. <see cref="NotScannedFrom"/> is the code point where it stopped (null
/// when it read the whole text): candidates past it were never looked for, which is not the same as none being there.
/// </summary>
public sealed record Detection(IReadOnlyList<CandidateClaim> Candidates, int? NotScannedFrom)
{
    public bool IsComplete => NotScannedFrom is null;
}

/// <summary>
/// Runs <see cref="ClaimDetector"/> over a text in stretches of about <see cref="StretchLength"/> characters, cut at a
/// paragraph or sentence end, until the text ends or the budget of CPU time spent on this thread is used up. An
/// article shorter than a stretch is read exactly as <see cref="ClaimDetector.Detect"/> reads it; a megabyte of figures
/// costs at most the budget and one stretch.
/// </summary>
public static class BudgetedDetection
{
    public const int StretchLength = 32_000;
    public static readonly TimeSpan DefaultBudget = TimeSpan.FromMilliseconds(500);

    public static Detection Detect(string text, DateOnly publishedOn, TimeSpan budget)
    {
        var started = ThreadCpuTime.Now();
        var codePoints = new CodePointText(text);
        var found = new List<CandidateClaim>();
        var at = 0;
        while (at < text.Length)
        {
            if (at > 0 && ThreadCpuTime.Now() - started >= budget) return new Detection(found, codePoints.ToCodePoint(at));
            var end = StretchEnd(text, at);
            var offset = codePoints.ToCodePoint(at);
            foreach (var candidate in ClaimDetector.Detect(text[at..end], publishedOn, includeAll: true))
            {
                // Enough for any article: from the sentence that did not fit on, the text is reported as not scanned.
                if (found.Count >= ClaimDetector.MaxCandidates)
                {
                    var cut = candidate.Start + offset;
                    found.RemoveAll(c => c.Start >= cut);
                    return new Detection(found, cut);
                }
                found.Add(Shift(candidate, offset, codePoints, text));
            }
            at = end;
        }
        return new Detection(found, null);
    }

    /// <summary>Where a stretch starting at <paramref name="start"/> ends: the first paragraph or sentence end past its length.</summary>
    private static int StretchEnd(string text, int start)
    {
        if (text.Length - start <= StretchLength) return text.Length;
        var from = start + StretchLength;
        var limit = Math.Min(text.Length, from + ClaimDetector.MaxSentenceLength);
        for (var i = from; i < limit - 1; i++)
        {
            if (text[i] == '\n' || (text[i] is '.' or '!' or '?' && char.IsWhiteSpace(text[i + 1]))) return i + 1;
        }
        // No sentence end near: a table or a list, where cutting inside costs at most the value cut in two.
        return char.IsHighSurrogate(text[limit - 1]) ? limit - 1 : limit;
    }

    /// <summary>Moves a candidate found in a stretch to its place in the whole text, with context from the whole text.</summary>
    private static CandidateClaim Shift(CandidateClaim found, int offset, CodePointText codePoints, string text)
    {
        if (offset == 0) return found;
        var start = codePoints.ToUtf16(found.Start + offset);
        var end = codePoints.ToUtf16(found.End + offset);
        return found with
        {
            Start = found.Start + offset,
            End = found.End + offset,
            ExpressionStart = found.ExpressionStart + offset,
            ExpressionEnd = found.ExpressionEnd + offset,
            Prefix = codePoints.Before(start, ClaimDetector.ContextLength),
            Suffix = codePoints.After(end, ClaimDetector.ContextLength),
        };
    }
}

/// <summary>CPU time used by the calling thread (Linux); elsewhere, elapsed time as the nearest stand-in.</summary>
internal static class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clock, out TimeSpec time);

    private static readonly bool Available = OperatingSystem.IsLinux() && Probe();

    private static bool Probe()
    {
        try { return clock_gettime(ClockThreadCpuTimeId, out _) == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    public static TimeSpan Now()
    {
        if (Available && clock_gettime(ClockThreadCpuTimeId, out var time) == 0)
            return TimeSpan.FromTicks(time.Seconds * TimeSpan.TicksPerSecond + time.Nanoseconds / 100);
        return Stopwatch.GetElapsedTime(0);
    }
}
