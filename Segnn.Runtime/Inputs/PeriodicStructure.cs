using Segnn.Runtime.Graphs;

namespace Segnn.Runtime.Inputs;

/// <summary>
/// A periodic structure (a slab, a bulk crystal): atomic numbers, row-major [n, 3] positions in Å and the cell whose
/// periodic lattice vectors repeat it, with the per-atom tags and fixed mask of surface-catalysis data where known.
/// </summary>
/// <param name="Name">Names the structure in error messages and outputs.</param>
/// <param name="AtomicNumbers">One atomic number per atom.</param>
/// <param name="Positions">Row-major [n, 3] Cartesian coordinates in Å (need not be wrapped into the cell).</param>
/// <param name="Cell">The lattice vectors and which of them are periodic.</param>
/// <param name="Tags">Optional integer tag per atom (e.g. 0 = adsorbate, 1 = surface layer, 2, 3, … = layers below).</param>
/// <param name="Fixed">Optional per-atom mask: true for an atom held fixed (e.g. the bottom layers of a slab).</param>
public sealed record PeriodicStructure(string Name, int[] AtomicNumbers, double[] Positions, PeriodicCell Cell, int[]? Tags = null, bool[]? Fixed = null)
{
    /// <summary>The number of atoms.</summary>
    public int AtomCount => AtomicNumbers?.Length ?? 0;

    /// <summary>
    /// Checks that the structure can be used: it has a cell and atoms, known elements, three finite coordinates per
    /// atom, one tag and one fixed flag per atom where given, a cell at least 4 × <see cref="Molecule.CoincidenceTolerance"/>
    /// thick along its periodic axes, and no two atoms at the same position (closer than
    /// <see cref="Molecule.CoincidenceTolerance"/>), an atom and any periodic image of another included.
    /// </summary>
    /// <exception cref="SegnnInputException">The structure is invalid; the message names it and the problem.</exception>
    public void Validate()
    {
        string name = string.IsNullOrWhiteSpace(Name) ? "(unnamed structure)" : Name;
        AtomChecks.CheckAtoms(name, AtomicNumbers, Positions);
        if (Cell is null)
            throw new SegnnInputException(name, "has no cell (null)");
        int n = AtomicNumbers.Length;
        if (Tags is not null && Tags.Length != n)
            throw new SegnnInputException(name, $"has {n} atoms but {Tags.Length} tags (expected one per atom)");
        if (Fixed is not null && Fixed.Length != n)
            throw new SegnnInputException(name, $"has {n} atoms but {Fixed.Length} fixed flags (expected one per atom)");
        for (int k = 0; k < 3; k++)
        {
            double spacing = Cell.PlaneSpacing(k);
            if (Cell.Pbc[k] && !(spacing >= 4 * CoincidentAtoms.Tolerance))
                throw new SegnnInputException(name, $"the cell is only {spacing:G3} Å thick along lattice vector {k + 1}, so every atom (nearly) coincides with its own periodic image");
        }

        if (CoincidentAtoms.Find(Positions, Cell) is { } pair)
            throw new SegnnInputException(name, pair.Describe(AtomicNumbers));
    }

    /// <summary>
    /// The structure of an extended-XYZ frame with a cell (<c>Lattice=</c>). Its name is the frame's <c>name</c> info,
    /// else <c>sid_{sid}</c>, else <c>gdb_{gdb_id}</c>, else the comment line when it is free text, else
    /// <c>frame {index}</c>. Tags come from a <c>tags</c> column; the fixed mask from a <c>fixed</c> column (1 = fixed,
    /// 0 = free) or else from ASE's <c>move_mask</c> (logical, T = free to move; with 3 flags per atom an atom is fixed
    /// when all three are F). The positions array is shared with the frame.
    /// </summary>
    /// <exception cref="SegnnInputException">
    /// The frame has no cell, a symbol is not an element, or the tags or fixed columns are malformed.
    /// </exception>
    public static PeriodicStructure FromFrame(XyzFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        string name = AtomChecks.NameOf(frame, useSid: true);
        if (frame.Cell is null)
        {
            throw new SegnnInputException(name,
                $"has no cell (no Lattice= in its comment line; frame at {frame.Source}:{frame.LineNumber}), so it is not a periodic structure: read it with Molecule.FromFrame");
        }

        int[] atomicNumbers = AtomChecks.AtomicNumbers(frame, name);
        int n = atomicNumbers.Length;
        int[]? tags = null;
        if (frame.AtomColumns.TryGetValue("tags", out double[]? tagValues))
        {
            if (tagValues.Length != n)
                throw new SegnnInputException(name, $"has {tagValues.Length / Math.Max(n, 1)} tags per atom; expected one (tags:I:1)");
            tags = new int[n];
            for (int i = 0; i < n; i++)
            {
                double t = tagValues[i];
                if (!(Math.Round(t) == t && t >= int.MinValue && t <= int.MaxValue))
                    throw new SegnnInputException(name, $"atom {i} has tag {t}, which is not an integer");
                tags[i] = (int)t;
            }
        }

        bool[]? fixedMask = null;
        if (frame.AtomColumns.TryGetValue("fixed", out double[]? fixedValues))
        {
            if (fixedValues.Length != n)
                throw new SegnnInputException(name, $"has {fixedValues.Length / Math.Max(n, 1)} fixed values per atom; expected one (fixed:I:1, 1 = fixed)");
            fixedMask = new bool[n];
            for (int i = 0; i < n; i++)
            {
                if (fixedValues[i] is not (0 or 1))
                    throw new SegnnInputException(name, $"atom {i} has fixed = {fixedValues[i]}; expected 1 (fixed) or 0 (free)");
                fixedMask[i] = fixedValues[i] == 1;
            }
        }
        else if (frame.AtomColumns.TryGetValue("move_mask", out double[]? moveMask))
        {
            fixedMask = FromMoveMask(name, moveMask, n);
        }

        return new PeriodicStructure(name, atomicNumbers, frame.Positions, frame.Cell, tags, fixedMask);
    }

    // ASE's move_mask: L:1 (T = free) gives FixAtoms; L:3 per axis gives FixCartesian.
    private static bool[] FromMoveMask(string name, double[] moveMask, int n)
    {
        var fixedMask = new bool[n];
        if (moveMask.Length == n)
        {
            for (int i = 0; i < n; i++)
                fixedMask[i] = moveMask[i] == 0;
            return fixedMask;
        }

        if (moveMask.Length != 3 * n)
            throw new SegnnInputException(name, $"has {moveMask.Length / Math.Max(n, 1)} move_mask flags per atom; expected 1 or 3");
        for (int i = 0; i < n; i++)
        {
            int free = (moveMask[3 * i] != 0 ? 1 : 0) + (moveMask[3 * i + 1] != 0 ? 1 : 0) + (moveMask[3 * i + 2] != 0 ? 1 : 0);
            if (free is 1 or 2)
                throw new SegnnInputException(name, $"atom {i} is free to move along some axes only (move_mask), which a per-atom fixed mask cannot represent");
            fixedMask[i] = free == 0;
        }

        return fixedMask;
    }
}
