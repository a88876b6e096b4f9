using System.Globalization;
using System.Text;
using Segnn.Runtime.Graphs;

namespace Segnn.Runtime.Inputs;

/// <summary>What an <see cref="ExtXyzWriter"/> writes with a structure besides its atoms: labels and extra info.</summary>
/// <remarks>
/// ASE (3.22) reads <see cref="Energy"/>, <see cref="Stress"/> and <see cref="Forces"/> into a single-point
/// calculator: <c>get_potential_energy()</c>, <c>get_stress()</c> and <c>get_forces()</c> return them.
/// </remarks>
public sealed class ExtXyzValues
{
    /// <summary>The energy (eV), written as <c>energy=</c>.</summary>
    public double? Energy { get; init; }

    /// <summary>
    /// The stress (eV/Å³, ASE's sign convention), as 6 Voigt numbers xx yy zz yz xz xy or 9 numbers of the 3×3 matrix
    /// row by row; written as ASE writes it, the 9 numbers of the 3×3 matrix (<c>stress="..."</c>).
    /// </summary>
    public double[]? Stress { get; init; }

    /// <summary>Forces (eV/Å), row-major [n, 3]; written as the column <c>forces:R:3</c>.</summary>
    public double[]? Forces { get; init; }

    /// <summary>
    /// More <c>key=value</c> info, in enumeration order. Values may be strings, integers, doubles (finite), bools
    /// (written T/F) and arrays of these numbers or bools (written as one quoted, blank-separated value). Keys are
    /// case-sensitive and may not contain blanks, <c>= " ' { } [ ] \</c>; <c>Lattice</c>, <c>Properties</c>,
    /// <c>pbc</c>, <c>name</c>, <c>energy</c> and <c>stress</c> are written from the structure and the properties above.
    /// ASE guesses the types of what it reads: a string that looks like a number or T/F comes back as one.
    /// </summary>
    public IReadOnlyDictionary<string, object>? Info { get; init; }

    /// <summary>
    /// More per-atom real columns, in enumeration order: row-major [n, k] values for a column <c>name:R:k</c>
    /// (k = length / n). Names follow the rules for info keys and may not contain ':'; the columns the writer writes
    /// itself (species, pos, tags, fixed, forces; and ASE's Z, numbers, symbols, positions, move_mask) are reserved.
    /// </summary>
    public IReadOnlyDictionary<string, double[]>? AtomColumns { get; init; }
}

/// <summary>
/// Writes molecules and periodic structures as extended XYZ that ASE 3.22's <c>ase.io.read(f, ':')</c> and
/// <see cref="XyzReader"/> read back: the cell as <c>Lattice=</c> (rows = lattice vectors) and <c>pbc=</c>, symbols
/// and positions, tags and the fixed mask of a <see cref="PeriodicStructure"/> as <c>tags:I:1</c> and
/// <c>fixed:I:1</c> (1 = fixed, as the slabs data have it), and the <see cref="ExtXyzValues"/>. Numbers are written in
/// the invariant culture with the shortest text that reads back to the same double. The writer writes to the
/// <see cref="TextWriter"/> it is given and neither flushes nor disposes it (writing a file atomically is the caller's job).
/// </summary>
public sealed class ExtXyzWriter
{
    private static readonly HashSet<string> ReservedKeys = new(StringComparer.Ordinal) { "Lattice", "Properties", "pbc", "name", "energy", "stress" };

    private static readonly HashSet<string> ReservedColumns = new(StringComparer.Ordinal)
    {
        "species", "pos", "tags", "fixed", "forces", "Z", "numbers", "symbols", "positions", "move_mask",
    };

    private readonly TextWriter _writer;
    private readonly StringBuilder _line = new();

    /// <summary>Creates a writer that writes to <paramref name="writer"/>.</summary>
    public ExtXyzWriter(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <summary>The number of frames written so far.</summary>
    public int FramesWritten { get; private set; }

    /// <summary>Writes a periodic structure (validated first) with its cell, tags and fixed mask, and <paramref name="values"/>.</summary>
    /// <exception cref="SegnnInputException">The structure is invalid.</exception>
    /// <exception cref="ArgumentException">A value cannot be written (wrong length, not finite, a reserved or malformed key, an unsupported type).</exception>
    public void Write(PeriodicStructure structure, ExtXyzValues? values = null)
    {
        ArgumentNullException.ThrowIfNull(structure);
        structure.Validate();
        WriteFrame(structure.Name, structure.AtomicNumbers, structure.Positions, structure.Cell, structure.Tags, structure.Fixed, values);
    }

    /// <summary>Writes a molecule (validated first), with no cell and <c>pbc="F F F"</c> as ASE does, and <paramref name="values"/>.</summary>
    /// <exception cref="SegnnInputException">The molecule is invalid.</exception>
    /// <exception cref="ArgumentException">A value cannot be written (wrong length, not finite, a reserved or malformed key, an unsupported type).</exception>
    public void Write(Molecule molecule, ExtXyzValues? values = null)
    {
        ArgumentNullException.ThrowIfNull(molecule);
        molecule.Validate();
        WriteFrame(molecule.Name, molecule.AtomicNumbers, molecule.Positions, null, null, null, values);
    }

    private void WriteFrame(string name, int[] atomicNumbers, double[] positions, PeriodicCell? cell, int[]? tags, bool[]? fixedMask, ExtXyzValues? values)
    {
        int n = atomicNumbers.Length;
        var columns = CheckValues(values, n);
        var line = _line.Clear();

        if (cell is not null)
        {
            line.Append("Lattice=\"");
            AppendReals(line, cell.Matrix);
            line.Append("\" ");
        }

        line.Append("Properties=species:S:1:pos:R:3");
        if (tags is not null)
            line.Append(":tags:I:1");
        if (fixedMask is not null)
            line.Append(":fixed:I:1");
        foreach (var (column, data) in columns)
            line.Append(':').Append(column).Append(":R:").Append((data.Length / n).ToString(CultureInfo.InvariantCulture));

        if (!string.IsNullOrWhiteSpace(name))
        {
            CheckText(name, "the name");
            line.Append(" name=");
            AppendString(line, name);
        }

        if (values?.Energy is double energy)
        {
            line.Append(" energy=");
            AppendReal(line, energy);
        }

        if (values?.Stress is { } stress)
        {
            // The 3×3 matrix as ASE writes it: reshape(9, order='F'), i.e. column after column.
            Span<double> m = stackalloc double[9];
            if (stress.Length == 6)
            {
                m[0] = stress[0];
                m[4] = stress[1];
                m[8] = stress[2];
                m[5] = m[7] = stress[3];
                m[2] = m[6] = stress[4];
                m[1] = m[3] = stress[5];
            }
            else
            {
                stress.CopyTo(m);
            }

            Span<double> columnOrder = stackalloc double[9];
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 3; j++)
                    columnOrder[i + 3 * j] = m[3 * i + j];
            }

            line.Append(" stress=\"");
            AppendReals(line, columnOrder);
            line.Append('"');
        }

        if (values?.Info is { } info)
        {
            foreach (var (key, value) in info)
            {
                line.Append(' ').Append(key).Append('=');
                AppendInfoValue(line, key, value);
            }
        }

        line.Append(" pbc=\"").Append(cell is null ? "F F F" : cell.PbcText).Append('"');

        _writer.Write(n.ToString(CultureInfo.InvariantCulture));
        _writer.Write('\n');
        _writer.Write(line);
        _writer.Write('\n');
        for (int i = 0; i < n; i++)
        {
            line.Clear();
            line.Append(Elements.Symbol(atomicNumbers[i]).PadRight(2));
            for (int c = 0; c < 3; c++)
                AppendReal(line.Append(' '), positions[3 * i + c]);
            if (tags is not null)
                line.Append(' ').Append(tags[i].ToString(CultureInfo.InvariantCulture));
            if (fixedMask is not null)
                line.Append(' ').Append(fixedMask[i] ? '1' : '0');
            foreach (var (_, data) in columns)
            {
                int k = data.Length / n;
                for (int c = 0; c < k; c++)
                    AppendReal(line.Append(' '), data[k * i + c]);
            }

            line.Append('\n');
            _writer.Write(line);
        }

        FramesWritten++;
    }

    // The atom columns in order (forces first), after checking every value.
    private static List<(string Name, double[] Data)> CheckValues(ExtXyzValues? values, int n)
    {
        var columns = new List<(string, double[])>();
        if (values is null)
            return columns;
        if (values.Energy is double energy && !double.IsFinite(energy))
            throw new ArgumentException($"the energy is not finite ({energy})", nameof(values));
        if (values.Stress is { } stress)
        {
            if (stress.Length is not (6 or 9))
                throw new ArgumentException($"the stress has {stress.Length} numbers; expected 6 (Voigt xx yy zz yz xz xy) or 9 (the 3×3 matrix row by row)", nameof(values));
            CheckFinite(stress, "the stress");
        }

        if (values.Forces is { } forces)
        {
            if (forces.Length != 3 * n)
                throw new ArgumentException($"the forces have {forces.Length} numbers for {n} atoms; expected {3 * n} (x, y, z per atom)", nameof(values));
            CheckFinite(forces, "the forces");
            columns.Add(("forces", forces));
        }

        if (values.AtomColumns is { } atomColumns)
        {
            foreach (var (name, data) in atomColumns)
            {
                CheckKey(name, "column");
                if (name.Contains(':', StringComparison.Ordinal) || ReservedColumns.Contains(name))
                    throw new ArgumentException($"'{name}' cannot be an extra column (':' is not allowed; species, pos, tags, fixed, forces, Z, numbers, symbols, positions and move_mask are written from the structure or reserved by ASE)", nameof(values));
                if (data is null || data.Length == 0 || data.Length % n != 0)
                    throw new ArgumentException($"column '{name}' has {data?.Length ?? 0} values for {n} atoms; expected a positive multiple of {n}", nameof(values));
                CheckFinite(data, $"column '{name}'");
                columns.Add((name, data));
            }
        }

        if (values.Info is { } info)
        {
            foreach (var (key, value) in info)
            {
                CheckKey(key, "info key");
                if (ReservedKeys.Contains(key))
                    throw new ArgumentException($"info key '{key}' is reserved: Lattice, Properties, pbc and name are written from the structure, energy and stress from ExtXyzValues.Energy and Stress", nameof(values));
                if (key == "virial" && value is not (double[] { Length: 9 } or float[] { Length: 9 } or int[] { Length: 9 } or long[] { Length: 9 }))
                    throw new ArgumentException("info key 'virial' must be 9 numbers (ASE reads it as a 3×3 matrix)", nameof(values));
            }
        }

        return columns;
    }

    private static void CheckKey(string key, string what)
    {
        if (string.IsNullOrEmpty(key))
            throw new ArgumentException($"an extended-XYZ {what} cannot be empty");
        foreach (char c in key)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '=' or '"' or '\'' or '{' or '}' or '[' or ']' or '\\')
                throw new ArgumentException($"extended-XYZ {what} '{key}' contains '{c}' (blanks, control characters and = \" ' {{ }} [ ] \\ are not allowed)");
        }
    }

    private static void CheckFinite(ReadOnlySpan<double> values, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"{what}: value {i} is not finite ({values[i]})");
        }
    }

    private static void CheckText(string text, string what)
    {
        if (text.AsSpan().IndexOfAny('\n', '\r') >= 0)
            throw new ArgumentException($"{what} contains a line break, which a comment line cannot hold");
    }

    private static void AppendInfoValue(StringBuilder line, string key, object? value)
    {
        switch (value)
        {
            case string text:
                CheckText(text, $"info '{key}'");
                AppendString(line, text);
                break;
            case bool flag:
                line.Append(flag ? 'T' : 'F');
                break;
            case double real:
                CheckFinite([real], $"info '{key}'");
                AppendReal(line, real);
                break;
            case float real:
                CheckFinite([real], $"info '{key}'");
                AppendReal(line, real);
                break;
            case int or long or short or sbyte or byte or ushort or uint or ulong:
                line.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case double[] reals:
                CheckFinite(reals, $"info '{key}'");
                AppendQuotedList(line, reals.Length, i => AppendReal(line, reals[i]));
                break;
            case float[] reals:
                CheckFinite(Array.ConvertAll(reals, r => (double)r), $"info '{key}'");
                AppendQuotedList(line, reals.Length, i => AppendReal(line, reals[i]));
                break;
            case int[] integers:
                AppendQuotedList(line, integers.Length, i => line.Append(integers[i].ToString(CultureInfo.InvariantCulture)));
                break;
            case long[] integers:
                AppendQuotedList(line, integers.Length, i => line.Append(integers[i].ToString(CultureInfo.InvariantCulture)));
                break;
            case bool[] flags:
                AppendQuotedList(line, flags.Length, i => line.Append(flags[i] ? 'T' : 'F'));
                break;
            default:
                throw new ArgumentException(
                    $"info '{key}' is a {value?.GetType().Name ?? "null"}; expected a string, an integer, a double, a bool or an array of numbers or bools");
        }
    }

    private static void AppendQuotedList(StringBuilder line, int count, Action<int> append)
    {
        if (count == 0)
            throw new ArgumentException("an info array cannot be empty");
        line.Append('"');
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
                line.Append(' ');
            append(i);
        }

        line.Append('"');
    }

    // Quoted (with \" and \\ escaped) when the value is empty or holds a blank or a character that ASE or XyzReader
    // would take for a delimiter, separator or escape.
    private static void AppendString(StringBuilder line, string text)
    {
        bool quote = text.Length == 0;
        foreach (char c in text)
            quote |= char.IsWhiteSpace(c) || c is '"' or '\'' or '{' or '}' or '[' or ']' or '=' or '\\' or ',';
        if (!quote)
        {
            line.Append(text);
            return;
        }

        line.Append('"');
        foreach (char c in text)
        {
            if (c is '"' or '\\')
                line.Append('\\');
            line.Append(c);
        }

        line.Append('"');
    }

    private static void AppendReals(StringBuilder line, ReadOnlySpan<double> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0)
                line.Append(' ');
            AppendReal(line, values[i]);
        }
    }

    // The shortest round-trip text, with ".0" added to an integral value so that ASE reads a float, not an int.
    private static void AppendReal(StringBuilder line, double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        line.Append(text);
        if (text.AsSpan().IndexOfAny('.', 'E', 'e') < 0)
            line.Append(".0");
    }
}
