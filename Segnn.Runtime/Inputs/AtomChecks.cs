namespace Segnn.Runtime.Inputs;

/// <summary>Checks and names shared by <see cref="Molecule"/> and <see cref="PeriodicStructure"/>.</summary>
internal static class AtomChecks
{
    /// <summary>Atoms present, three coordinates per atom, known elements, finite coordinates.</summary>
    public static void CheckAtoms(string name, int[]? atomicNumbers, double[]? positions)
    {
        if (atomicNumbers is null || positions is null)
            throw new SegnnInputException(name, atomicNumbers is null ? "has no atomic numbers (null)" : "has no positions (null)");
        if (atomicNumbers.Length == 0)
            throw new SegnnInputException(name, "has no atoms");
        if (positions.Length != 3 * atomicNumbers.Length)
            throw new SegnnInputException(name, $"has {atomicNumbers.Length} atomic numbers but {positions.Length} coordinates (expected {3 * atomicNumbers.Length}: x, y, z per atom)");
        for (int i = 0; i < atomicNumbers.Length; i++)
        {
            if (!Elements.IsValid(atomicNumbers[i]))
                throw new SegnnInputException(name, $"atom {i} has atomic number {atomicNumbers[i]}, which is not an element (1 to {Elements.MaxAtomicNumber})");
        }

        for (int k = 0; k < positions.Length; k++)
        {
            if (!double.IsFinite(positions[k]))
                throw new SegnnInputException(name, $"atom {k / 3} has a non-finite {"xyz"[k % 3]} coordinate ({positions[k]})");
        }
    }

    /// <summary>The atomic numbers of a frame's symbols.</summary>
    public static int[] AtomicNumbers(XyzFrame frame, string name)
    {
        var atomicNumbers = new int[frame.Symbols.Length];
        for (int i = 0; i < atomicNumbers.Length; i++)
        {
            if (!Elements.TryGetAtomicNumber(frame.Symbols[i], out atomicNumbers[i]))
                throw new SegnnInputException(name, $"atom {i} has unknown element symbol '{frame.Symbols[i]}'");
        }

        return atomicNumbers;
    }

    /// <summary>
    /// The name of a frame's system: its <c>name</c> info, else (with <paramref name="useSid"/>) <c>sid_{sid}</c>, else
    /// <c>gdb_{gdb_id}</c>, else the comment line when it is free text, else <c>frame {index}</c>.
    /// </summary>
    public static string NameOf(XyzFrame frame, bool useSid)
    {
        if (frame.Info.TryGetValue("name", out string? name) && !string.IsNullOrWhiteSpace(name))
            return name;
        if (useSid && frame.Info.TryGetValue("sid", out string? sid) && !string.IsNullOrWhiteSpace(sid))
            return "sid_" + sid;
        if (frame.Info.TryGetValue("gdb_id", out string? id) && !string.IsNullOrWhiteSpace(id))
            return "gdb_" + id;
        // A comment made of key=value pairs is metadata, not a name.
        if (frame.Info.Count == 0 && !string.IsNullOrWhiteSpace(frame.Comment))
            return frame.Comment.Trim();
        return $"frame {frame.Index}";
    }
}
