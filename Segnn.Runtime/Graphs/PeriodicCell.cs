namespace Segnn.Runtime.Graphs;

/// <summary>
/// A simulation cell: three lattice vectors (the rows of a 3×3 matrix, in Å, as ASE's <c>Lattice=</c> writes them) and
/// which of them are periodic. A position r and its images r + n·cell (n integer, non-zero only along periodic axes) are
/// the same atom. Immutable; validated on construction (finite entries, a volume well away from zero).
/// </summary>
public sealed class PeriodicCell
{
    // |det| below this fraction of |a||b||c| is a singular cell: the three vectors are (nearly) coplanar.
    private const double SingularRatio = 1e-9;

    private readonly double[] _matrix;
    private readonly bool[] _pbc;

    /// <summary>Creates a cell; <paramref name="matrix"/> is row-major [3, 3] (row k = lattice vector k).</summary>
    /// <exception cref="ArgumentException">The matrix is not 9 finite numbers, pbc is not 3 flags, or the cell is singular.</exception>
    public PeriodicCell(ReadOnlySpan<double> matrix, ReadOnlySpan<bool> pbc)
    {
        if (!TryValidate(matrix, pbc, out string? problem))
            throw new ArgumentException(problem, nameof(matrix));
        _matrix = matrix.ToArray();
        _pbc = pbc.ToArray();
        Volume = Math.Abs(Determinant(_matrix));
    }

    /// <summary>Checks a cell without creating it; <paramref name="problem"/> says what is wrong (one sentence, no source name).</summary>
    public static bool TryValidate(ReadOnlySpan<double> matrix, ReadOnlySpan<bool> pbc, out string? problem)
    {
        problem = null;
        if (matrix.Length != 9)
            problem = $"a cell needs 9 numbers (three lattice vectors), not {matrix.Length}";
        else if (pbc.Length != 3)
            problem = $"pbc needs 3 flags (one per lattice vector), not {pbc.Length}";
        else
        {
            for (int i = 0; i < 9 && problem is null; i++)
            {
                if (!double.IsFinite(matrix[i]))
                    problem = $"the cell has a non-finite entry ({matrix[i]} in lattice vector {i / 3 + 1})";
            }

            if (problem is null)
            {
                double la = Length(matrix, 0), lb = Length(matrix, 1), lc = Length(matrix, 2);
                double det = Determinant(matrix);
                if (!(Math.Abs(det) > SingularRatio * la * lb * lc) || la == 0 || lb == 0 || lc == 0)
                    problem = $"the cell is singular (volume {Math.Abs(det):G3} Å³ for lattice vectors of length {la:G4}, {lb:G4}, {lc:G4} Å)";
            }
        }

        return problem is null;
    }

    /// <summary>Row-major [3, 3]: row k is lattice vector k.</summary>
    public ReadOnlySpan<double> Matrix => _matrix;

    /// <summary>Entry (row = lattice vector, column = Cartesian axis).</summary>
    public double this[int vector, int axis] => _matrix[3 * vector + axis];

    /// <summary>Which lattice vectors are periodic.</summary>
    public ReadOnlySpan<bool> Pbc => _pbc;

    /// <summary>True when at least one axis is periodic.</summary>
    public bool IsPeriodic => _pbc[0] || _pbc[1] || _pbc[2];

    /// <summary>|det(cell)|, Å³.</summary>
    public double Volume { get; }

    /// <summary>
    /// The distance between the two faces of the cell spanned by the other two lattice vectors: V / |a_j × a_k|. An atom
    /// meets images along <paramref name="axis"/> up to ceil(cutoff / spacing) cells away.
    /// </summary>
    public double PlaneSpacing(int axis)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(axis);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(axis, 2);
        int j = (axis + 1) % 3, k = (axis + 2) % 3;
        double cx = this[j, 1] * this[k, 2] - this[j, 2] * this[k, 1];
        double cy = this[j, 2] * this[k, 0] - this[j, 0] * this[k, 2];
        double cz = this[j, 0] * this[k, 1] - this[j, 1] * this[k, 0];
        return Volume / Math.Sqrt(cx * cx + cy * cy + cz * cz);
    }

    /// <summary>The pbc flags as ASE writes them, e.g. "T T F".</summary>
    public string PbcText => string.Join(' ', _pbc.Select(p => p ? 'T' : 'F'));

    private static double Length(ReadOnlySpan<double> m, int row) =>
        Math.Sqrt(m[3 * row] * m[3 * row] + m[3 * row + 1] * m[3 * row + 1] + m[3 * row + 2] * m[3 * row + 2]);

    private static double Determinant(ReadOnlySpan<double> m) =>
        m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
}
