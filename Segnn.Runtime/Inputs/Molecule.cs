namespace Segnn.Runtime.Inputs;

/// <summary>A molecule as a model consumes it: atomic numbers and row-major [n, 3] positions in Å.</summary>
/// <param name="Name">Names the molecule in error messages and outputs.</param>
/// <param name="AtomicNumbers">One atomic number per atom.</param>
/// <param name="Positions">Row-major [n, 3] coordinates in Å.</param>
public sealed record Molecule(string Name, int[] AtomicNumbers, double[] Positions)
{
    /// <summary>The number of atoms.</summary>
    public int AtomCount => AtomicNumbers.Length;

    /// <summary>Checks that the molecule can be used: it has atoms, known elements, three finite coordinates per atom.</summary>
    /// <exception cref="SegnnInputException">The molecule is invalid; the message names it and the problem.</exception>
    public void Validate()
    {
        string name = string.IsNullOrWhiteSpace(Name) ? "(unnamed molecule)" : Name;
        if (AtomicNumbers is null || Positions is null)
            throw new SegnnInputException(name, AtomicNumbers is null ? "has no atomic numbers (null)" : "has no positions (null)");
        if (AtomicNumbers.Length == 0)
            throw new SegnnInputException(name, "has no atoms");
        if (Positions.Length != 3 * AtomicNumbers.Length)
            throw new SegnnInputException(name, $"has {AtomicNumbers.Length} atomic numbers but {Positions.Length} coordinates (expected {3 * AtomicNumbers.Length}: x, y, z per atom)");
        for (int i = 0; i < AtomicNumbers.Length; i++)
        {
            if (!Elements.IsValid(AtomicNumbers[i]))
                throw new SegnnInputException(name, $"atom {i} has atomic number {AtomicNumbers[i]}, which is not an element (1 to {Elements.MaxAtomicNumber})");
        }

        for (int k = 0; k < Positions.Length; k++)
        {
            if (!double.IsFinite(Positions[k]))
                throw new SegnnInputException(name, $"atom {k / 3} has a non-finite {"xyz"[k % 3]} coordinate ({Positions[k]})");
        }
    }

    /// <summary>
    /// The molecule of an XYZ frame. Its name is the frame's <c>name</c> info, else <c>gdb_{gdb_id}</c>, else the
    /// comment line when it is free text, else <c>frame {index}</c>. The positions array is shared with the frame.
    /// </summary>
    /// <exception cref="SegnnInputException">A symbol is not an element.</exception>
    public static Molecule FromFrame(XyzFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        string name = NameOf(frame);
        var atomicNumbers = new int[frame.Symbols.Length];
        for (int i = 0; i < atomicNumbers.Length; i++)
        {
            if (!Elements.TryGetAtomicNumber(frame.Symbols[i], out atomicNumbers[i]))
                throw new SegnnInputException(name, $"atom {i} has unknown element symbol '{frame.Symbols[i]}'");
        }

        return new Molecule(name, atomicNumbers, frame.Positions);
    }

    private static string NameOf(XyzFrame frame)
    {
        if (frame.Info.TryGetValue("name", out string? name) && !string.IsNullOrWhiteSpace(name))
            return name;
        if (frame.Info.TryGetValue("gdb_id", out string? id) && !string.IsNullOrWhiteSpace(id))
            return "gdb_" + id;
        // A comment made of key=value pairs is metadata, not a name.
        if (frame.Info.Count == 0 && !string.IsNullOrWhiteSpace(frame.Comment))
            return frame.Comment.Trim();
        return $"frame {frame.Index}";
    }
}
