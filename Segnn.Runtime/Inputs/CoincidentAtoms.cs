using Segnn.Runtime.Graphs;

namespace Segnn.Runtime.Inputs;

/// <summary>
/// Finds two atoms of one system at (nearly) the same position, closer than <see cref="Tolerance"/>: in a periodic
/// cell also an atom and a periodic image of another. Small systems compare every pair; larger ones hash positions
/// into a grid of cells at least <see cref="Tolerance"/> wide and compare only neighbouring cells (expected O(N)).
/// </summary>
internal static class CoincidentAtoms
{
    /// <summary>Atoms closer than this (Å) are the same atom twice.</summary>
    public const double Tolerance = 1e-4;

    private const int BruteForceMaxAtoms = 48;
    private const int GridCellsPerAxis = 1 << 20;

    /// <summary>The first coincident pair of a non-periodic system, or null.</summary>
    public static Pair? Find(ReadOnlySpan<double> positions)
    {
        int n = positions.Length / 3;
        if (n <= BruteForceMaxAtoms)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = i + 1; j < n; j++)
                {
                    double dx = positions[3 * i] - positions[3 * j];
                    double dy = positions[3 * i + 1] - positions[3 * j + 1];
                    double dz = positions[3 * i + 2] - positions[3 * j + 2];
                    double d2 = dx * dx + dy * dy + dz * dz;
                    if (d2 < Tolerance * Tolerance)
                        return new Pair(i, j, Math.Sqrt(d2), 0, 0, 0);
                }
            }

            return null;
        }

        return FindInGrid(positions.ToArray(), n, n, null, null);
    }

    /// <summary>
    /// The first coincident pair of a system in <paramref name="cell"/>, images along its periodic axes included, or null.
    /// The cell must be at least 4 <see cref="Tolerance"/> thick along every periodic axis (so an atom never meets its
    /// own image, and two atoms meet at most through the images of one shift).
    /// </summary>
    public static Pair? Find(ReadOnlySpan<double> positions, PeriodicCell cell)
    {
        if (!cell.IsPeriodic)
            return Find(positions);
        int n = positions.Length / 3;
        var m = cell.Matrix;
        Span<double> inverse = stackalloc double[9];
        Invert(m, inverse);
        var pbc = cell.Pbc;
        var fractional = new double[3 * n];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                fractional[3 * i + k] = positions[3 * i] * inverse[k] + positions[3 * i + 1] * inverse[3 + k] + positions[3 * i + 2] * inverse[6 + k];
            }
        }

        if (n <= BruteForceMaxAtoms)
            return FindBruteForce(fractional, n, m, pbc);

        // Wrap into the cell along the periodic axes (point = position - s·cell), and add an image of every atom that
        // lies within Tolerance of a face, shifted across that face (and across the edges and corners it is near).
        Span<double> delta = stackalloc double[3];
        for (int k = 0; k < 3; k++)
            delta[k] = pbc[k] ? Tolerance / cell.PlaneSpacing(k) * (1 + 1e-6) + 1e-12 : 0;
        var points = new List<double>(3 * n + 16);
        var owners = new List<int>(n + 16);
        var shifts = new List<int>(3 * n + 16);
        var ghosts = new List<(int Atom, int E0, int E1, int E2)>();
        Span<int> s = stackalloc int[3];
        Span<int> near = stackalloc int[3];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                s[k] = 0;
                near[k] = 0;
                if (!pbc[k])
                    continue;
                double f = fractional[3 * i + k];
                double floor = Math.Floor(f);
                double u = f - floor;
                if (u >= 1)
                {
                    floor += 1;
                    u -= 1;
                }

                s[k] = (int)Math.Clamp(floor, -1e9, 1e9);
                near[k] = u < delta[k] ? 1 : u > 1 - delta[k] ? -1 : 0;
            }

            for (int c = 0; c < 3; c++)
                points.Add(positions[3 * i + c] - s[0] * m[c] - s[1] * m[3 + c] - s[2] * m[6 + c]);
            owners.Add(i);
            shifts.AddRange([-s[0], -s[1], -s[2]]);
            if (near[0] != 0 || near[1] != 0 || near[2] != 0)
            {
                for (int subset = 1; subset < 8; subset++)
                {
                    int e0 = (subset & 1) != 0 ? near[0] : 0, e1 = (subset & 2) != 0 ? near[1] : 0, e2 = (subset & 4) != 0 ? near[2] : 0;
                    bool valid = ((subset & 1) == 0 || e0 != 0) && ((subset & 2) == 0 || e1 != 0) && ((subset & 4) == 0 || e2 != 0);
                    if (valid)
                        ghosts.Add((i, e0, e1, e2));
                }
            }
        }

        foreach (var (atom, e0, e1, e2) in ghosts)
        {
            for (int c = 0; c < 3; c++)
                points.Add(points[3 * atom + c] + e0 * m[c] + e1 * m[3 + c] + e2 * m[6 + c]);
            owners.Add(atom);
            shifts.AddRange([shifts[3 * atom] + e0, shifts[3 * atom + 1] + e1, shifts[3 * atom + 2] + e2]);
        }

        return FindInGrid(points.ToArray(), n, owners.Count, owners.ToArray(), shifts.ToArray());
    }

    // Every pair, with the minimum image along periodic axes (exact here: two atoms within Tolerance differ in
    // fractional coordinates by less than a quarter from an integer).
    private static Pair? FindBruteForce(double[] f, int n, ReadOnlySpan<double> m, ReadOnlySpan<bool> pbc)
    {
        Span<double> df = stackalloc double[3];
        Span<int> shift = stackalloc int[3];
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                for (int k = 0; k < 3; k++)
                {
                    df[k] = f[3 * i + k] - f[3 * j + k];
                    double r = pbc[k] ? Math.Round(df[k]) : 0;
                    shift[k] = (int)Math.Clamp(r, -1e9, 1e9);
                    df[k] -= r;
                }

                double d2 = 0;
                for (int c = 0; c < 3; c++)
                {
                    double x = df[0] * m[c] + df[1] * m[3 + c] + df[2] * m[6 + c];
                    d2 += x * x;
                }

                if (d2 < Tolerance * Tolerance)
                    return new Pair(i, j, Math.Sqrt(d2), shift[0], shift[1], shift[2]);
            }
        }

        return null;
    }

    // Points 0..n-1 are the atoms (owner = itself), n..count-1 images of them (owners[p]); point p lies at atom
    // owners[p] + shifts[p]·cell. Atoms go into the grid one by one, each compared with those before it, then every
    // image is compared with the atoms other than its own.
    private static Pair? FindInGrid(double[] xyz, int n, int count, int[]? owners, int[]? shifts)
    {
        Span<double> min = [double.MaxValue, double.MaxValue, double.MaxValue];
        Span<double> max = [double.MinValue, double.MinValue, double.MinValue];
        for (int p = 0; p < count; p++)
        {
            for (int c = 0; c < 3; c++)
            {
                min[c] = Math.Min(min[c], xyz[3 * p + c]);
                max[c] = Math.Max(max[c], xyz[3 * p + c]);
            }
        }

        // Halves keep the extent finite for any finite coordinates; cells are at least Tolerance wide.
        double half = 0;
        for (int c = 0; c < 3; c++)
            half = Math.Max(half, max[c] * 0.5 - min[c] * 0.5);
        double halfCell = Math.Max(Tolerance, half / (GridCellsPerAxis / 2)) * 0.5;
        var head = new Dictionary<long, int>(n);
        var next = new int[n];
        Span<int> cell = stackalloc int[3];
        for (int p = 0; p < count; p++)
        {
            for (int c = 0; c < 3; c++)
                cell[c] = 1 + (int)Math.Clamp((xyz[3 * p + c] * 0.5 - min[c] * 0.5) / halfCell, 0, GridCellsPerAxis);
            int owner = p < n ? p : owners![p];
            for (int dx = -1; dx <= 1; dx++)
            {
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dz = -1; dz <= 1; dz++)
                    {
                        if (!head.TryGetValue(Key(cell[0] + dx, cell[1] + dy, cell[2] + dz), out int atom))
                            continue;
                        for (; atom >= 0; atom = next[atom])
                        {
                            if (atom == owner)
                                continue;
                            double ex = xyz[3 * atom] - xyz[3 * p];
                            double ey = xyz[3 * atom + 1] - xyz[3 * p + 1];
                            double ez = xyz[3 * atom + 2] - xyz[3 * p + 2];
                            double d2 = ex * ex + ey * ey + ez * ez;
                            if (d2 < Tolerance * Tolerance)
                                return MakePair(atom, owner, p, Math.Sqrt(d2), shifts);
                        }
                    }
                }
            }

            if (p < n)
            {
                long key = Key(cell[0], cell[1], cell[2]);
                next[p] = head.TryGetValue(key, out int first) ? first : -1;
                head[key] = p;
            }
        }

        return null;
    }

    // Atom `atom` coincides with point p, an image of `owner`: atom ≈ owner + (shift[p] - shift[atom])·cell.
    private static Pair MakePair(int atom, int owner, int p, double distance, int[]? shifts)
    {
        int s0 = 0, s1 = 0, s2 = 0;
        if (shifts is not null)
        {
            s0 = shifts[3 * p] - shifts[3 * atom];
            s1 = shifts[3 * p + 1] - shifts[3 * atom + 1];
            s2 = shifts[3 * p + 2] - shifts[3 * atom + 2];
        }

        return atom < owner ? new Pair(atom, owner, distance, s0, s1, s2) : new Pair(owner, atom, distance, -s0, -s1, -s2);
    }

    private static long Key(int x, int y, int z) => ((long)x << 42) | ((long)y << 21) | (long)z;

    private static void Invert(ReadOnlySpan<double> m, Span<double> inverse)
    {
        double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
        inverse[0] = (m[4] * m[8] - m[5] * m[7]) / det;
        inverse[1] = (m[2] * m[7] - m[1] * m[8]) / det;
        inverse[2] = (m[1] * m[5] - m[2] * m[4]) / det;
        inverse[3] = (m[5] * m[6] - m[3] * m[8]) / det;
        inverse[4] = (m[0] * m[8] - m[2] * m[6]) / det;
        inverse[5] = (m[2] * m[3] - m[0] * m[5]) / det;
        inverse[6] = (m[3] * m[7] - m[4] * m[6]) / det;
        inverse[7] = (m[1] * m[6] - m[0] * m[7]) / det;
        inverse[8] = (m[0] * m[4] - m[1] * m[3]) / det;
    }

    /// <summary>Atom <see cref="Second"/>, shifted by (S0, S1, S2) lattice vectors, is <see cref="Distance"/> Å from atom <see cref="First"/>.</summary>
    internal readonly record struct Pair(int First, int Second, double Distance, int S0, int S1, int S2)
    {
        public bool IsImage => S0 != 0 || S1 != 0 || S2 != 0;

        public string Describe(int[] atomicNumbers)
        {
            string first = $"{First} ({Elements.Symbol(atomicNumbers[First])})";
            string second = $"{Second} ({Elements.Symbol(atomicNumbers[Second])})";
            string what = IsImage
                ? $"atom {first} and the image of atom {second} shifted by ({S0}, {S1}, {S2}) lattice vectors are at the same position"
                : $"atoms {first} and {second} are at the same position";
            return $"{what} ({Distance:G3} Å apart; atoms closer than {Tolerance} Å are the same atom given twice)";
        }
    }
}
