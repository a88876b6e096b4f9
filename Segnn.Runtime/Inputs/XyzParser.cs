using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;
using Segnn.Runtime.Graphs;

namespace Segnn.Runtime.Inputs;

/// <summary>
/// Turns lines into <see cref="XyzFrame"/>s, one line at a time, so the same code serves the synchronous and the
/// asynchronous reader. Every problem is an <see cref="InvalidDataException"/> whose message starts "{source}:{line}: ".
/// </summary>
internal sealed class XyzParser
{
    public const string MullikenChargeColumn = "mulliken_charge";

    // The keys of the 15 QM9 properties, as the extended-XYZ QM9 files (e.g. standard-100) name them.
    public static readonly string[] Qm9PropertyKeys =
        ["A", "B", "C", "mu", "alpha", "epsHOMO", "epsLUMO", "epsgap", "<R2>", "zpve", "U0", "U", "H", "G", "Cv"];

    private const int Qm9TrailingLineCount = 3;
    private const int MaxPreallocatedAtoms = 1 << 16;
    private const int MaxInternedKeys = 4096;

    private static readonly string[] NoLines = [];
    private static readonly string[] Axes = ["x", "y", "z"];

    private readonly string _source;
    private readonly LineReader _lines;
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _keyLookup;
    private Range[] _tokens = new Range[16];
    private string? _lastPropertiesText;
    private ColumnLayout? _lastLayout;

    private Stage _stage = Stage.AtomCount;
    private int _frameIndex;
    private int _frameLine;
    private int _atomCount;
    private int _atomsRead;
    private XyzFormat _format;
    private string _comment = "";
    private Dictionary<string, string>? _info;
    private PeriodicCell? _cell;
    private ColumnLayout? _layout;
    private string[] _symbols = [];
    private double[] _positions = [];
    private double[][] _columns = [];
    private string[] _trailing = NoLines;
    private int _trailingRead;

    public XyzParser(TextReader reader, string source)
    {
        _source = source;
        _lines = new LineReader(reader, source);
        _keyLookup = _keys.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private enum Stage
    {
        AtomCount,
        Comment,
        Atoms,
        Trailing,
    }

    /// <summary>
    /// Parses buffered lines until a frame is complete (returned), the buffer runs dry (null, <paramref name="needsData"/>
    /// true: call <see cref="Fill"/> or <see cref="FillAsync"/>), or the input ends (null, false).
    /// </summary>
    public XyzFrame? TryAdvance(out bool needsData)
    {
        while (_lines.TryTakeLine(out var line))
        {
            var frame = Accept(line, _lines.LineNumber);
            if (frame is not null)
            {
                needsData = false;
                return frame;
            }
        }

        needsData = !_lines.IsAtEnd;
        if (!needsData)
            CheckComplete(_lines.LineNumber + 1);
        return null;
    }

    public void Fill() => _lines.Fill();

    public ValueTask FillAsync(CancellationToken cancellationToken) => _lines.FillAsync(cancellationToken);

    private XyzFrame? Accept(ReadOnlySpan<char> line, int lineNumber)
    {
        switch (_stage)
        {
            case Stage.AtomCount:
                // Blank lines between frames (and at the end) are common and harmless.
                if (line.IsWhiteSpace())
                    return null;
                BeginFrame(line, lineNumber);
                return null;
            case Stage.Comment:
                ParseHeader(line, lineNumber);
                return _atomCount == 0 ? AfterAtoms() : null;
            case Stage.Atoms:
                ParseAtom(line, lineNumber);
                return ++_atomsRead == _atomCount ? AfterAtoms() : null;
            default:
                _trailing[_trailingRead++] = line.ToString();
                return _trailingRead == _trailing.Length ? CompleteFrame() : null;
        }
    }

    private void BeginFrame(ReadOnlySpan<char> line, int lineNumber)
    {
        var text = line.Trim();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int count))
        {
            string what = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                ? "a non-negative atom count that fits an int"
                : "an atom count (a non-negative integer)";
            throw Error(lineNumber, $"expected {what} to start frame {_frameIndex}, found '{Shorten(line)}'");
        }

        _frameLine = lineNumber;
        _atomCount = count;
        _atomsRead = 0;
        _stage = Stage.Comment;
    }

    private void ParseHeader(ReadOnlySpan<char> line, int lineNumber)
    {
        _comment = line.ToString();
        _layout = null;
        _cell = null;
        _trailing = NoLines;
        _trailingRead = 0;
        var trimmed = line.TrimStart();
        if (trimmed.Length > 3 && trimmed.StartsWith("gdb", StringComparison.Ordinal) && (trimmed[3] == ' ' || trimmed[3] == '\t'))
        {
            _format = XyzFormat.Qm9;
            _info = ParseQm9Header(trimmed, lineNumber);
            _trailing = new string[Qm9TrailingLineCount];
        }
        else
        {
            _info = ParseKeyValues(line, lineNumber);
            if (_info is not null && _info.TryGetValue("Properties", out string? properties))
            {
                _format = XyzFormat.Extended;
                _layout = GetLayout(properties, lineNumber);
            }
            else
            {
                _format = XyzFormat.Plain;
            }

            _cell = ParseCell(_info, lineNumber);
        }

        int capacity = Math.Min(_atomCount, MaxPreallocatedAtoms);
        _symbols = new string[capacity];
        _positions = new double[3 * capacity];
        int numeric = _format switch
        {
            XyzFormat.Qm9 => 1,
            XyzFormat.Extended => _layout!.NumericColumns.Length,
            _ => 0,
        };
        _columns = numeric == 0 ? [] : new double[numeric][];
        for (int c = 0; c < numeric; c++)
            _columns[c] = new double[capacity * (_format == XyzFormat.Qm9 ? 1 : _layout!.NumericColumns[c].Count)];
        _stage = Stage.Atoms;
    }

    private Dictionary<string, string> ParseQm9Header(ReadOnlySpan<char> trimmed, int lineNumber)
    {
        int tokens = Tokenize(trimmed);
        int fields = tokens - 1;
        if (fields != 1 + Qm9PropertyKeys.Length)
        {
            throw Error(lineNumber,
                $"QM9 comment line: expected 'gdb' and {1 + Qm9PropertyKeys.Length} fields (id A B C mu alpha homo lumo gap r2 zpve U0 U H G Cv), found {fields} fields");
        }

        var info = new Dictionary<string, string>(1 + Qm9PropertyKeys.Length, StringComparer.Ordinal);
        var id = trimmed[_tokens[1]];
        if (!XyzNumbers.TryParseInt64(id, out _))
            throw Error(lineNumber, $"QM9 comment line: the molecule id '{Shorten(id)}' is not an integer");
        info["gdb_id"] = id.ToString();
        for (int k = 0; k < Qm9PropertyKeys.Length; k++)
        {
            var value = trimmed[_tokens[k + 2]];
            if (!XyzNumbers.TryParseDouble(value, out _))
                throw Error(lineNumber, $"QM9 comment line: property {Qm9PropertyKeys[k]} = '{Shorten(value)}' is not a number");
            info[Qm9PropertyKeys[k]] = XyzNumbers.Normalize(value);
        }

        return info;
    }

    // key=value pairs separated by blanks; a value may be "double quoted" (with \" and \\ escapes) or {braced}. Words
    // without '=' are free text and ignored. Malformed pairs are an error only in extended XYZ (a Properties= key),
    // where the comment line is data; a plain comment is free text.
    private Dictionary<string, string>? ParseKeyValues(ReadOnlySpan<char> line, int lineNumber)
    {
        Dictionary<string, string>? info = null;
        string? problem = null;
        int i = 0;
        while (true)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i]))
                i++;
            if (i >= line.Length)
                break;
            int keyStart = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i]) && line[i] != '=')
                i++;
            var key = line[keyStart..i];
            int j = i;
            while (j < line.Length && (line[j] == ' ' || line[j] == '\t'))
                j++;
            if (j >= line.Length || line[j] != '=')
            {
                // A bare word: skip it (and a stray '=' after it is handled by the next round).
                if (i == keyStart)
                    i++;
                continue;
            }

            j++;
            while (j < line.Length && (line[j] == ' ' || line[j] == '\t'))
                j++;
            string value;
            if (j < line.Length && (line[j] == '"' || line[j] == '{'))
            {
                char close = line[j] == '"' ? '"' : '}';
                value = ReadDelimited(line, j + 1, close, out i, out bool terminated);
                if (!terminated)
                    problem ??= $"the value of '{key.ToString()}' has no closing {close}";
            }
            else
            {
                int valueStart = j;
                while (j < line.Length && !char.IsWhiteSpace(line[j]))
                    j++;
                value = line[valueStart..j].ToString();
                i = j;
            }

            if (key.IsEmpty)
            {
                problem ??= "a value has no key";
                continue;
            }

            info ??= new Dictionary<string, string>(StringComparer.Ordinal);
            string name = Intern(key);
            if (!info.TryAdd(name, value))
            {
                problem ??= $"the key '{name}' appears twice";
                info[name] = value;
            }
        }

        if (problem is not null && info is not null && info.ContainsKey("Properties"))
            throw Error(lineNumber, $"extended-XYZ comment line: {problem}");
        return info;
    }

    private static string ReadDelimited(ReadOnlySpan<char> line, int start, char close, out int next, out bool terminated)
    {
        StringBuilder? escaped = null;
        int runStart = start;
        for (int i = start; i < line.Length; i++)
        {
            if (close == '"' && line[i] == '\\' && i + 1 < line.Length && (line[i + 1] == '"' || line[i + 1] == '\\'))
            {
                escaped ??= new StringBuilder();
                escaped.Append(line[runStart..i]).Append(line[i + 1]);
                i++;
                runStart = i + 1;
                continue;
            }

            if (line[i] == close)
            {
                next = i + 1;
                terminated = true;
                return escaped is null ? line[start..i].ToString() : escaped.Append(line[runStart..i]).ToString();
            }
        }

        next = line.Length;
        terminated = false;
        return escaped is null ? line[start..].ToString() : escaped.Append(line[runStart..]).ToString();
    }

    // Lattice= and pbc= as ASE 3.22 reads them: the Lattice is 9 numbers, the rows (lattice vectors) one after another;
    // a Lattice without pbc is periodic along all three; pbc is 1 flag (for all axes) or 3. A periodic axis needs a
    // Lattice; pbc="F F F" without one (what ASE writes for a molecule) is no cell.
    private PeriodicCell? ParseCell(Dictionary<string, string>? info, int lineNumber)
    {
        if (info is null)
            return null;
        info.TryGetValue("Lattice", out string? lattice);
        info.TryGetValue("pbc", out string? pbcText);
        if (lattice is null && pbcText is null)
            return null;
        Span<bool> pbc = [true, true, true];
        if (pbcText is not null && !PbcFlags.TryParse(pbcText, pbc, out string? pbcProblem))
            throw Error(lineNumber, $"pbc=\"{Shorten(pbcText)}\": {pbcProblem}");
        if (lattice is null)
        {
            if (pbc.Contains(true))
                throw Error(lineNumber, $"pbc=\"{Shorten(pbcText)}\" makes the frame periodic, but it has no Lattice= (periodic axes need the three lattice vectors)");
            return null;
        }

        Span<double> matrix = stackalloc double[9];
        int count = 0;
        foreach (var range in lattice.AsSpan().SplitAny(" \t,"))
        {
            var token = lattice.AsSpan()[range];
            if (token.IsEmpty)
                continue;
            if (count == 9)
            {
                count++;
                break;
            }

            if (!XyzNumbers.TryParseDouble(token, out matrix[count]))
                throw Error(lineNumber, $"Lattice=\"{Shorten(lattice)}\": '{Shorten(token)}' is not a number");
            count++;
        }

        if (count != 9)
            throw Error(lineNumber, $"Lattice=\"{Shorten(lattice)}\" has {(count > 9 ? "more than 9" : count.ToString(CultureInfo.InvariantCulture))} numbers; expected 9 (the three lattice vectors a1 a2 a3 b1 b2 b3 c1 c2 c3)");
        if (!PeriodicCell.TryValidate(matrix, pbc, out string? problem))
            throw Error(lineNumber, $"Lattice=\"{Shorten(lattice)}\": {problem}");
        return new PeriodicCell(matrix, pbc);
    }

    private ColumnLayout GetLayout(string properties, int lineNumber)
    {
        // Frames of one file nearly always share their Properties: parse it once.
        if (_lastLayout is not null && string.Equals(properties, _lastPropertiesText, StringComparison.Ordinal))
            return _lastLayout;
        if (!ColumnLayout.TryParse(properties, out var layout, out string? problem))
            throw Error(lineNumber, $"Properties={properties}: {problem}");
        _lastPropertiesText = properties;
        _lastLayout = layout;
        return layout;
    }

    private void ParseAtom(ReadOnlySpan<char> line, int lineNumber)
    {
        int atom = _atomsRead;
        if (atom == _symbols.Length)
            GrowAtoms();
        int tokens = Tokenize(line);
        switch (_format)
        {
            case XyzFormat.Extended:
                ParseExtendedAtom(line, tokens, atom, lineNumber);
                break;
            case XyzFormat.Qm9:
                ExpectTokens(line, tokens, 5, atom, lineNumber);
                _symbols[atom] = ParseElement(line[_tokens[0]], atom, lineNumber);
                ParseCoordinates(line, 1, atom, lineNumber);
                _columns[0][atom] = ParseReal(line[_tokens[4]], MullikenChargeColumn, atom, lineNumber);
                break;
            default:
                ExpectTokens(line, tokens, 4, atom, lineNumber);
                _symbols[atom] = ParseElement(line[_tokens[0]], atom, lineNumber);
                ParseCoordinates(line, 1, atom, lineNumber);
                break;
        }
    }

    private void ParseExtendedAtom(ReadOnlySpan<char> line, int tokens, int atom, int lineNumber)
    {
        var layout = _layout!;
        ExpectTokens(line, tokens, layout.TokenCount, atom, lineNumber);
        var species = layout.Species;
        var speciesToken = line[_tokens[species.FirstToken]];
        _symbols[atom] = species.Type == 'S'
            ? ParseElement(speciesToken, atom, lineNumber)
            : ParseAtomicNumber(speciesToken, species.Name, atom, lineNumber);
        ParseCoordinates(line, layout.Positions.FirstToken, atom, lineNumber);
        var numeric = layout.NumericColumns;
        for (int c = 0; c < numeric.Length; c++)
        {
            var column = numeric[c];
            double[] data = _columns[c];
            for (int k = 0; k < column.Count; k++)
            {
                var token = line[_tokens[column.FirstToken + k]];
                data[atom * column.Count + k] = column.Type switch
                {
                    'R' => ParseReal(token, column.Name, atom, lineNumber),
                    'I' => ParseInteger(token, column.Name, atom, lineNumber),
                    _ => ParseLogical(token, column.Name, atom, lineNumber),
                };
            }
        }
    }

    private void ExpectTokens(ReadOnlySpan<char> line, int tokens, int expected, int atom, int lineNumber)
    {
        if (tokens == expected)
            return;
        string layout = _format switch
        {
            XyzFormat.Qm9 => "El x y z q, the QM9 format",
            XyzFormat.Extended => $"as Properties={_layout!.Text} declares",
            _ => "symbol x y z",
        };
        string found = tokens == 0 ? "an empty line" : $"{tokens} columns: '{Shorten(line)}'";
        string hint = tokens == 1 && int.TryParse(line.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? $" (the frame at line {_frameLine} declares {_atomCount} atoms: too few atom lines?)"
            : tokens > expected && _format == XyzFormat.Plain
                ? " (declare extra columns with an extended-XYZ Properties= comment)"
                : "";
        throw Error(lineNumber, $"atom {atom + 1} of {_atomCount}: expected {expected} columns ({layout}), found {found}{hint}");
    }

    private void ParseCoordinates(ReadOnlySpan<char> line, int firstToken, int atom, int lineNumber)
    {
        for (int k = 0; k < 3; k++)
        {
            var token = line[_tokens[firstToken + k]];
            if (!XyzNumbers.TryParseDouble(token, out double value))
                throw Error(lineNumber, $"atom {atom + 1}: the {Axes[k]} coordinate '{Shorten(token)}' is not a number");
            if (!double.IsFinite(value))
                throw Error(lineNumber, $"atom {atom + 1}: the {Axes[k]} coordinate '{Shorten(token)}' is not finite");
            _positions[3 * atom + k] = value;
        }
    }

    private double ParseReal(ReadOnlySpan<char> token, string column, int atom, int lineNumber)
    {
        if (XyzNumbers.TryParseDouble(token, out double value))
            return value;
        throw Error(lineNumber, $"atom {atom + 1}: '{Shorten(token)}' in column '{column}' is not a number");
    }

    private double ParseInteger(ReadOnlySpan<char> token, string column, int atom, int lineNumber)
    {
        if (XyzNumbers.TryParseInt64(token, out long value))
            return value;
        throw Error(lineNumber, $"atom {atom + 1}: column '{column}' is an integer column, but '{Shorten(token)}' is not an integer");
    }

    private double ParseLogical(ReadOnlySpan<char> token, string column, int atom, int lineNumber)
    {
        if (token is "T" or "True" or "true" or "TRUE")
            return 1;
        if (token is "F" or "False" or "false" or "FALSE")
            return 0;
        throw Error(lineNumber, $"atom {atom + 1}: column '{column}' is a logical column, but '{Shorten(token)}' is neither T nor F");
    }

    // Files name elements by symbol or by atomic number; both become the canonical (interned) symbol.
    private string ParseElement(ReadOnlySpan<char> token, int atom, int lineNumber)
    {
        if (Elements.TryGetAtomicNumber(token, out int z))
            return Elements.Symbol(z);
        if (token.Length > 0 && char.IsAsciiDigit(token[0]))
            return ParseAtomicNumber(token, "species", atom, lineNumber);
        throw Error(lineNumber, $"atom {atom + 1}: unknown element '{Shorten(token)}' (element symbols are case-sensitive, e.g. 'C', 'Cl'; atomic numbers are accepted too)");
    }

    private string ParseAtomicNumber(ReadOnlySpan<char> token, string column, int atom, int lineNumber)
    {
        if (int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int z) && Elements.IsValid(z))
            return Elements.Symbol(z);
        throw Error(lineNumber, $"atom {atom + 1}: '{Shorten(token)}' in column '{column}' is not an atomic number (1 to {Elements.MaxAtomicNumber})");
    }

    private XyzFrame? AfterAtoms()
    {
        if (_format != XyzFormat.Qm9)
            return CompleteFrame();
        _stage = Stage.Trailing;
        return null;
    }

    private XyzFrame CompleteFrame()
    {
        IReadOnlyDictionary<string, double[]> columns = ReadOnlyDictionary<string, double[]>.Empty;
        if (_format == XyzFormat.Qm9)
        {
            columns = new Dictionary<string, double[]>(1, StringComparer.Ordinal) { [MullikenChargeColumn] = _columns[0] };
        }
        else if (_columns.Length > 0)
        {
            var named = new Dictionary<string, double[]>(_columns.Length, StringComparer.Ordinal);
            for (int c = 0; c < _columns.Length; c++)
                named[_layout!.NumericColumns[c].Name] = _columns[c];
            columns = named;
        }

        var frame = new XyzFrame(
            _source,
            _frameLine,
            _frameIndex,
            _format,
            _comment,
            _info ?? (IReadOnlyDictionary<string, string>)ReadOnlyDictionary<string, string>.Empty,
            _symbols,
            _positions,
            columns,
            _trailing)
        {
            Cell = _cell,
        };
        _frameIndex++;
        _stage = Stage.AtomCount;
        _info = null;
        _cell = null;
        _symbols = [];
        _positions = [];
        _columns = [];
        _trailing = NoLines;
        return frame;
    }

    private void CheckComplete(int lineNumber)
    {
        string frame = $"frame {_frameIndex} (line {_frameLine})";
        switch (_stage)
        {
            case Stage.Comment:
                throw Error(lineNumber, $"unexpected end of file: {frame} has an atom count but no comment line");
            case Stage.Atoms:
                throw Error(lineNumber, $"unexpected end of file: {frame} declares {_atomCount} atoms but the file ends after {_atomsRead} atom lines");
            case Stage.Trailing:
                throw Error(lineNumber,
                    $"unexpected end of file: QM9-format {frame} needs {Qm9TrailingLineCount} lines after the atoms (frequencies, SMILES, InChI), found {_trailingRead}");
        }
    }

    // Atom arrays start small and double up to the declared count, so a corrupt count cannot allocate gigabytes up front.
    private void GrowAtoms()
    {
        int capacity = (int)Math.Min(Math.Max(2L * _symbols.Length, 16), _atomCount);
        Array.Resize(ref _symbols, capacity);
        Array.Resize(ref _positions, 3 * capacity);
        for (int c = 0; c < _columns.Length; c++)
        {
            int width = _format == XyzFormat.Qm9 ? 1 : _layout!.NumericColumns[c].Count;
            Array.Resize(ref _columns[c], width * capacity);
        }
    }

    private int Tokenize(ReadOnlySpan<char> line)
    {
        int count = 0;
        int i = 0;
        while (true)
        {
            while (i < line.Length && (line[i] == ' ' || line[i] == '\t'))
                i++;
            if (i >= line.Length)
                return count;
            int start = i;
            while (i < line.Length && line[i] != ' ' && line[i] != '\t')
                i++;
            if (count == _tokens.Length)
                Array.Resize(ref _tokens, 2 * count);
            _tokens[count++] = new Range(start, i);
        }
    }

    private string Intern(ReadOnlySpan<char> key)
    {
        if (_keyLookup.TryGetValue(key, out string? known))
            return known;
        string name = key.ToString();
        if (_keys.Count < MaxInternedKeys)
            _keys.Add(name);
        return name;
    }

    private InvalidDataException Error(int lineNumber, string message) => new($"{_source}:{lineNumber}: {message}");

    private static string Shorten(ReadOnlySpan<char> text) =>
        text.Length <= 80 ? text.ToString() : string.Concat(text[..77], "...");
}
