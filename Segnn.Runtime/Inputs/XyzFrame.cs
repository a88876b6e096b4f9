using System.Globalization;

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

    /// <summary>Reads an <see cref="Info"/> value as a number (invariant culture; Mathematica <c>*^</c> exponents accepted).</summary>
    /// <returns>false when the key is absent or its value is not a number.</returns>
    public bool TryGetInfoDouble(string key, out double value)
    {
        if (Info.TryGetValue(key, out string? text) && XyzNumbers.TryParseDouble(text, out value))
            return true;
        value = double.NaN;
        return false;
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
