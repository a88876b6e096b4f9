using System.Globalization;

namespace Segnn.Runtime.Inputs;

/// <summary>One column group of an extended-XYZ <c>Properties=name:type:count:...</c> declaration.</summary>
/// <param name="Name">Column name, case-sensitive.</param>
/// <param name="Type">S (string), R (real), I (integer) or L (logical).</param>
/// <param name="Count">Number of tokens the column spans.</param>
/// <param name="FirstToken">Index of its first token on an atom line.</param>
internal readonly record struct XyzColumn(string Name, char Type, int Count, int FirstToken);

/// <summary>The parsed <c>Properties=</c> of an extended-XYZ frame: where species, positions and the numeric columns are.</summary>
internal sealed class ColumnLayout
{
    private ColumnLayout(string text, int tokenCount, XyzColumn species, XyzColumn positions, XyzColumn[] numericColumns)
    {
        Text = text;
        TokenCount = tokenCount;
        Species = species;
        Positions = positions;
        NumericColumns = numericColumns;
    }

    public string Text { get; }

    /// <summary>Tokens on every atom line.</summary>
    public int TokenCount { get; }

    /// <summary>The species column: S:1 named species, or else I:1 named Z or numbers (atomic numbers).</summary>
    public XyzColumn Species { get; }

    /// <summary>The positions column, pos:R:3 (or positions:R:3).</summary>
    public XyzColumn Positions { get; }

    /// <summary>R, I and L columns other than the positions, in declaration order.</summary>
    public XyzColumn[] NumericColumns { get; }

    public static bool TryParse(string text, out ColumnLayout layout, out string? problem)
    {
        layout = null!;
        string[] fields = text.Split(':');
        if (fields.Length % 3 != 0)
        {
            problem = "expected name:type:count triples separated by ':'";
            return false;
        }

        var columns = new List<XyzColumn>(fields.Length / 3);
        var names = new HashSet<string>(StringComparer.Ordinal);
        int token = 0;
        for (int f = 0; f < fields.Length; f += 3)
        {
            string name = fields[f];
            string type = fields[f + 1];
            if (name.Length == 0)
            {
                problem = $"column {f / 3 + 1} has no name";
                return false;
            }

            if (type is not ("S" or "R" or "I" or "L"))
            {
                problem = $"column '{name}' has type '{type}'; expected S, R, I or L";
                return false;
            }

            if (!int.TryParse(fields[f + 2], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
            {
                problem = $"column '{name}' has count '{fields[f + 2]}'; expected a positive integer";
                return false;
            }

            if (!names.Add(name))
            {
                problem = $"column '{name}' is declared twice";
                return false;
            }

            columns.Add(new XyzColumn(name, type[0], count, token));
            token += count;
        }

        XyzColumn? species = Find(columns, c => c.Name == "species" && c.Type == 'S' && c.Count == 1)
            ?? Find(columns, c => c.Name is "Z" or "numbers" && c.Type == 'I' && c.Count == 1);
        if (species is null)
        {
            problem = "no species column (species:S:1, or atomic numbers as Z:I:1 or numbers:I:1)";
            return false;
        }

        XyzColumn? positions = Find(columns, c => c.Name is "pos" or "positions" && c.Type == 'R' && c.Count == 3);
        if (positions is null)
        {
            problem = "no positions column (pos:R:3)";
            return false;
        }

        var numeric = columns.Where(c => c.Type != 'S' && c != positions.Value).ToArray();
        layout = new ColumnLayout(text, token, species.Value, positions.Value, numeric);
        problem = null;
        return true;
    }

    private static XyzColumn? Find(List<XyzColumn> columns, Func<XyzColumn, bool> match)
    {
        foreach (var column in columns)
        {
            if (match(column))
                return column;
        }

        return null;
    }
}
