namespace Segnn.Runtime.Inputs;

/// <summary>A molecule as a model consumes it: atomic numbers and row-major [n, 3] positions in Å.</summary>
/// <param name="Name">Names the molecule in error messages and outputs.</param>
/// <param name="AtomicNumbers">One atomic number per atom.</param>
/// <param name="Positions">Row-major [n, 3] coordinates in Å.</param>
public sealed record Molecule(string Name, int[] AtomicNumbers, double[] Positions)
{
    /// <summary>
    /// Two atoms of one system closer than this (Å) are refused as the same atom given twice. Far below any bond
    /// (H₂: 0.74 Å) and far above the rounding of written coordinates (10⁻⁸ Å at ASE's 8 decimals), so it catches a
    /// duplicated atom, also one duplicated across a cell boundary, and never two real atoms.
    /// </summary>
    public const double CoincidenceTolerance = CoincidentAtoms.Tolerance;

    /// <summary>The number of atoms.</summary>
    public int AtomCount => AtomicNumbers.Length;

    /// <summary>
    /// Checks that the molecule can be used: it has atoms, known elements, three finite coordinates per atom, and no
    /// two atoms at the same position (closer than <see cref="CoincidenceTolerance"/>).
    /// </summary>
    /// <exception cref="SegnnInputException">The molecule is invalid; the message names it and the problem.</exception>
    public void Validate()
    {
        string name = string.IsNullOrWhiteSpace(Name) ? "(unnamed molecule)" : Name;
        AtomChecks.CheckAtoms(name, AtomicNumbers, Positions);
        if (CoincidentAtoms.Find(Positions) is { } pair)
            throw new SegnnInputException(name, pair.Describe(AtomicNumbers));
    }

    /// <summary>
    /// The molecule of an XYZ frame. Its name is the frame's <c>name</c> info, else <c>gdb_{gdb_id}</c>, else the
    /// comment line when it is free text, else <c>frame {index}</c>. The positions array is shared with the frame.
    /// </summary>
    /// <exception cref="SegnnInputException">
    /// A symbol is not an element, or the frame is periodic (its <see cref="XyzFrame.Cell"/> is periodic along some
    /// axis): read it with <see cref="PeriodicStructure.FromFrame"/>, since as a molecule its cell would be lost. A
    /// frame whose cell is periodic along no axis (<c>pbc="F F F"</c>) is a molecule.
    /// </exception>
    public static Molecule FromFrame(XyzFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        string name = AtomChecks.NameOf(frame, useSid: false);
        if (frame.Cell is { IsPeriodic: true } cell)
        {
            throw new SegnnInputException(name,
                $"is a periodic structure (pbc \"{cell.PbcText}\", frame at {frame.Source}:{frame.LineNumber}), not a molecule: read it with PeriodicStructure.FromFrame (as a molecule its cell and periodic images would be lost)");
        }

        return new Molecule(name, AtomChecks.AtomicNumbers(frame, name), frame.Positions);
    }
}
