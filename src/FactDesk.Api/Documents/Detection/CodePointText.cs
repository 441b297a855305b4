namespace FactDesk.Api.Documents.Detection;

/// <summary>Translates UTF-16 indices (what .NET strings and Regex use) into Unicode code-point offsets.</summary>
internal sealed class CodePointText
{
    private readonly string _text;
    private readonly int[] _codePointAt;

    public CodePointText(string text)
    {
        _text = text;
        _codePointAt = new int[text.Length + 1];
        var codePoint = 0;
        for (var i = 0; i < text.Length; i++)
        {
            _codePointAt[i] = codePoint;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                _codePointAt[++i] = codePoint;
            codePoint++;
        }
        _codePointAt[text.Length] = codePoint;
    }

    public int ToCodePoint(int utf16Index) => _codePointAt[utf16Index];

    /// <summary>The UTF-16 index where the code point at <paramref name="codePoint"/> starts.</summary>
    public int ToUtf16(int codePoint)
    {
        int low = 0, high = _codePointAt.Length - 1;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_codePointAt[middle] < codePoint) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    /// <summary>Up to <paramref name="codePoints"/> code points ending at <paramref name="utf16End"/>.</summary>
    public string Before(int utf16End, int codePoints)
    {
        var start = utf16End;
        for (var taken = 0; taken < codePoints && start > 0; taken++)
            start -= start >= 2 && char.IsLowSurrogate(_text[start - 1]) && char.IsHighSurrogate(_text[start - 2]) ? 2 : 1;
        return _text[start..utf16End];
    }

    /// <summary>Up to <paramref name="codePoints"/> code points starting at <paramref name="utf16Start"/>.</summary>
    public string After(int utf16Start, int codePoints)
    {
        var end = utf16Start;
        for (var taken = 0; taken < codePoints && end < _text.Length; taken++)
            end += end + 1 < _text.Length && char.IsHighSurrogate(_text[end]) && char.IsLowSurrogate(_text[end + 1]) ? 2 : 1;
        return _text[utf16Start..end];
    }
}
