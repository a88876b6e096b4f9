using System.Globalization;
using Segnn.Runtime.Graphs;

namespace Segnn.Runtime.Inputs;

/// <summary>The flavour of XYZ a frame was written in.</summary>
public enum XyzFormat
{
    /// <summary>Plain XYZ: <c>symbol x y z</c> lines; the comment may still carry <c>key=value</c> pairs.</summary>
    Plain,

    /// <summary>Extended XYZ: the comment has a <c>Properties=</c> key that declares the atom columns.</summary>
    Extended,

    /// <summary>
    /// The standard QM9 format (Ramakrishnan et al. 2014): a <c>gdb</c> comment line with 16 properties, <c>El x y z q</c>
    /// atom lines and three trailing lines (frequencies, SMILES, InChI).
    /// </summary>
    Qm9,
}

/// <summary>One frame (molecule, configuration) of an XYZ file, as written.</summary>
/// <remarks>
/// An extended-XYZ frame whose comment has <c>Lattice=</c> (and <c>pbc=</c>) carries a simulation cell,
/// <see cref="Cell"/>; its <see cref="Info"/> keeps the raw <c>Lattice</c> and <c>pbc</c> texts too.
/// </remarks>
/// <param name="Source">The file (or stream) name the frame was read from.</param>
/// <param name="LineNumber">1-based line of the frame's atom-count line.</param>
/// <param name="Index">0-based index of the frame within its source.</param>
/// <param name="Format">The flavour of XYZ of this frame.</param>
/// <param name="Comment">The raw comment line (line 2 of the frame).</param>
/// <param name="Info">
/// The <c>key=value</c> pairs of the comment line (double-quoted values may contain spaces; keys are case-sensitive as
/// written). For the standard QM9 format: <c>gdb_id</c> and the 15 properties under the keys of the extended-XYZ QM9
/// files, <c>A B C mu alpha epsHOMO epsLUMO epsgap &lt;R2&gt; zpve U0 U H G Cv</c>, in raw QM9 units, with Mathematica
/// exponents (<c>*^</c>) rewritten as <c>e</c>.
/// </param>
/// <param name="Symbols">Canonical element symbols, one per atom (atomic numbers in the file are converted).</param>
/// <param name="Positions">Row-major [n, 3] coordinates in Å.</param>
/// <param name="AtomColumns">
/// Extra numeric per-atom columns: the R, I and L (as 1/0) columns of an extended-XYZ <c>Properties=</c> other than
/// species and positions (a column with count &gt; 1 is flattened row-major), or <c>mulliken_charge</c> for the standard
/// QM9 format. String columns other than the species are not kept.
/// </param>
/// <param name="TrailingLines">Lines after the atoms that belong to the frame: for the standard QM9 format the frequencies, SMILES and InChI lines.</param>
public sealed record XyzFrame(
    string Source,
    int LineNumber,
    int Index,
    XyzFormat Format,
    string Comment,
    IReadOnlyDictionary<string, string> Info,
    string[] Symbols,
    double[] Positions,
    IReadOnlyDictionary<string, double[]> AtomColumns,
    string[] TrailingLines)
{
    /// <summary>The number of atoms.</summary>
    public int AtomCount => Symbols.Length;

    /// <summary>
    /// The cell, read as ASE 3.22 reads it: <c>Lattice="a1 a2 a3 b1 b2 b3 c1 c2 c3"</c> gives the lattice vectors (the
    /// rows), <c>pbc="T T F"</c> the periodic ones (one flag stands for all three; T, F, True, False, 1 and 0 are
    /// accepted); a <c>Lattice</c> without <c>pbc</c> is periodic along all three. Null when the frame has no
    /// <c>Lattice</c> (<c>pbc="F F F"</c> alone, as ASE writes for molecules, is no cell). The reader refuses a
    /// <c>Lattice</c> that is not 9 finite numbers or is singular, a malformed <c>pbc</c>, and a periodic <c>pbc</c>
    /// without a <c>Lattice</c>.
    /// </summary>
    public PeriodicCell? Cell { get; init; }

    /// <summary>Whether the frame has a cell that is periodic along at least one lattice vector.</summary>
    public bool IsPeriodic => Cell is { IsPeriodic: true };

    /// <summary>Reads an <see cref="Info"/> value as a number (invariant culture; Mathematica <c>*^</c> exponents accepted).</summary>
    /// <returns>false when the key is absent or its value is not a number.</returns>
    public bool TryGetInfoDouble(string key, out double value)
    {
        if (Info.TryGetValue(key, out string? text) && XyzNumbers.TryParseDouble(text, out value))
            return true;
        value = double.NaN;
        return false;
    }

    /// <summary>
    /// Reads an <see cref="Info"/> value as a vector of numbers separated by blanks or commas, e.g.
    /// <c>shear="0.01 -0.02 0.005"</c> (invariant culture; Mathematica <c>*^</c> exponents accepted).
    /// </summary>
    /// <returns>false (and an empty array) when the key is absent, its value is empty or a part of it is not a number.</returns>
    public bool TryGetInfoDoubles(string key, out double[] values)
    {
        values = [];
        if (!Info.TryGetValue(key, out string? text))
            return false;
        var span = text.AsSpan();
        var parsed = new List<double>();
        foreach (var range in span.SplitAny(" \t,"))
        {
            var token = span[range];
            if (token.IsEmpty)
                continue;
            if (!XyzNumbers.TryParseDouble(token, out double value))
                return false;
            parsed.Add(value);
        }

        if (parsed.Count == 0)
            return false;
        values = parsed.ToArray();
        return true;
    }

    /// <summary>
    /// Reads the <c>stress</c> info (eV/Å³ in ASE's convention) as ASE's <c>get_stress()</c> returns it: Voigt order
    /// xx yy zz yz xz xy. The value may be the 9 numbers of the 3×3 matrix (what ASE writes; ASE reads them in column
    /// order, which for a symmetric stress is the same as row order, and so does this) or 6 Voigt numbers.
    /// </summary>
    /// <returns>false (and an empty array) when there is no stress or it is neither 9 nor 6 numbers.</returns>
    public bool TryGetStress(out double[] voigt)
    {
        voigt = [];
        if (!TryGetInfoDoubles("stress", out double[] values))
            return false;
        if (values.Length == 6)
        {
            voigt = values;
            return true;
        }

        if (values.Length != 9)
            return false;
        // ASE: reshape((3, 3), order='F'), so m[i, j] = values[i + 3 j]; Voigt = m00 m11 m22 m12 m02 m01.
        voigt = [values[0], values[4], values[8], values[7], values[6], values[3]];
        return true;
    }

    /// <summary>Reads an <see cref="Info"/> value as an integer (invariant culture).</summary>
    /// <returns>false when the key is absent or its value is not an integer.</returns>
    public bool TryGetInfoInt64(string key, out long value)
    {
        if (Info.TryGetValue(key, out string? text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
            return true;
        value = 0;
        return false;
    }
}
