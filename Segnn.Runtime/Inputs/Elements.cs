namespace Segnn.Runtime.Inputs;

/// <summary>
/// Chemical element symbols ↔ atomic numbers, H (1) to Og (118). Symbols are case-sensitive and canonical ("Cl", not
/// "CL" or "cl"), so that a misspelt symbol is reported instead of guessed.
/// </summary>
public static class Elements
{
    /// <summary>The largest atomic number known (oganesson).</summary>
    public const int MaxAtomicNumber = 118;

    private static readonly string[] SymbolTable =
    [
        "",
        "H", "He",
        "Li", "Be", "B", "C", "N", "O", "F", "Ne",
        "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar",
        "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
        "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe",
        "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
        "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn",
        "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr",
        "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og",
    ];

    private static readonly Dictionary<string, int> BySymbol = BuildIndex();

    // Lets readers look symbols up straight from a line buffer, without a string per atom.
    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> BySpan =
        BySymbol.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The canonical symbol of an element.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="atomicNumber"/> is not in 1…<see cref="MaxAtomicNumber"/>.</exception>
    public static string Symbol(int atomicNumber)
    {
        if (!IsValid(atomicNumber))
            throw new ArgumentOutOfRangeException(nameof(atomicNumber), atomicNumber, $"there is no element with atomic number {atomicNumber} (known: 1 to {MaxAtomicNumber})");
        return SymbolTable[atomicNumber];
    }

    /// <summary>Whether <paramref name="atomicNumber"/> is a known element (1…<see cref="MaxAtomicNumber"/>).</summary>
    public static bool IsValid(int atomicNumber) => atomicNumber >= 1 && atomicNumber <= MaxAtomicNumber;

    /// <summary>Looks up a canonical, case-sensitive symbol such as "C" or "Cl".</summary>
    /// <returns>false (and 0) for null, unknown or wrongly cased symbols.</returns>
    public static bool TryGetAtomicNumber(string? symbol, out int atomicNumber)
    {
        if (symbol is not null && BySymbol.TryGetValue(symbol, out atomicNumber))
            return true;
        atomicNumber = 0;
        return false;
    }

    /// <inheritdoc cref="TryGetAtomicNumber(string?, out int)"/>
    public static bool TryGetAtomicNumber(ReadOnlySpan<char> symbol, out int atomicNumber)
    {
        if (BySpan.TryGetValue(symbol, out atomicNumber))
            return true;
        atomicNumber = 0;
        return false;
    }

    /// <summary>The atomic number of a canonical, case-sensitive symbol.</summary>
    /// <exception cref="ArgumentException">The symbol is unknown (or wrongly cased).</exception>
    public static int AtomicNumber(string symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        if (TryGetAtomicNumber(symbol, out int z))
            return z;
        throw new ArgumentException($"unknown element symbol '{symbol}' (symbols are case-sensitive, e.g. 'C', 'Cl')", nameof(symbol));
    }

    private static Dictionary<string, int> BuildIndex()
    {
        var index = new Dictionary<string, int>(SymbolTable.Length, StringComparer.Ordinal);
        for (int z = 1; z < SymbolTable.Length; z++)
            index.Add(SymbolTable[z], z);
        return index;
    }
}
