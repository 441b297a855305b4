using System.Text;

namespace FactDesk.Bench;

/// <summary>A markdown table with padded columns, so the same text reads well on a console and in a results file.</summary>
public sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public override string ToString()
    {
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        void Line(IEnumerable<string> cells) => text.Append("| ").Append(string.Join(" | ", cells)).AppendLine(" |");
        Line(headers.Select((h, i) => h.PadRight(widths[i])));
        Line(widths.Select((w, i) => i == 0 ? new string('-', w) : new string('-', w - 1) + ":"));
        foreach (var row in _rows) Line(row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i])));
        return text.ToString();
    }
}
