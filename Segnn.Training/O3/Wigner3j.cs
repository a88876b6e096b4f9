using System.Collections.Concurrent;
using System.Numerics;

namespace Segnn.O3;

/// <summary>
/// Real Wigner-3j (Clebsch–Gordan) tensors in e3nn 0.4.1's real spherical-harmonics basis: shape
/// (2l1+1)×(2l2+1)×(2l3+1), row-major [i,j,k], invariant under simultaneous rotation, unit Frobenius norm, e3nn 0.4.1 signs.
/// </summary>
/// <remarks>
/// Route: exact complex Clebsch–Gordan coefficients (Racah's formula in rational BigInteger arithmetic, so no cancellation
/// error at any l), then the unitary change to the textbook real basis. e3nn's basis is the textbook basis with its axes
/// relabelled by a cyclic permutation — a proper rotation — so invariant tensors are the same up to one sign per triple,
/// which the sign rule fixes: for sorted l1 ≤ l2 ≤ l3 the m = 0 centre element is positive when non-zero, else the first
/// non-zero element in row-major order; other orders follow by the permutation symmetry.
/// </remarks>
public static class Wigner3j
{
    private static readonly ConcurrentDictionary<(int, int, int), double[]> Cache = new();

    /// <summary>True when the triangle rule |l1−l2| ≤ l3 ≤ l1+l2 holds.</summary>
    public static bool Triangle(int l1, int l2, int l3) => l3 >= Math.Abs(l1 - l2) && l3 <= l1 + l2;

    /// <summary>The tensor, row-major [i,j,k]. Cached; do not mutate the returned array.</summary>
    public static double[] Get(int l1, int l2, int l3)
    {
        if (l1 < 0 || l2 < 0 || l3 < 0) throw new ArgumentOutOfRangeException(nameof(l1), "degrees must be >= 0");
        if (!Triangle(l1, l2, l3))
            throw new ArgumentException($"({l1},{l2},{l3}) violates the triangle rule |l1-l2| <= l3 <= l1+l2");
        return Cache.GetOrAdd((l1, l2, l3), k => Build(k.Item1, k.Item2, k.Item3));
    }

    /// <summary>Element [i,j,k] of <see cref="Get"/>.</summary>
    public static double Element(double[] tensor, int l2, int l3, int i, int j, int k) =>
        tensor[(i * (2 * l2 + 1) + j) * (2 * l3 + 1) + k];

    /// <summary>Computes every triple with all degrees ≤ <paramref name="lmax"/> into the cache (in parallel).</summary>
    public static int Precompute(int lmax)
    {
        var triples = new List<(int, int, int)>();
        for (int a = 0; a <= lmax; a++)
            for (int b = 0; b <= lmax; b++)
                for (int c = Math.Abs(a - b); c <= Math.Min(a + b, lmax); c++)
                    triples.Add((a, b, c));
        // canonical (sorted) triples first, so permutations are cheap lookups
        Parallel.ForEach(triples.Where(t => t.Item1 <= t.Item2 && t.Item2 <= t.Item3), t => Get(t.Item1, t.Item2, t.Item3));
        foreach (var t in triples) Get(t.Item1, t.Item2, t.Item3);
        return triples.Count;
    }

    private static double[] Build(int l1, int l2, int l3)
    {
        int[] ls = [l1, l2, l3];
        int[] order = [0, 1, 2];
        Array.Sort(order, (x, y) => ls[x] != ls[y] ? ls[x].CompareTo(ls[y]) : x.CompareTo(y));
        if (order[0] == 0 && order[1] == 1 && order[2] == 2) return Canonical(l1, l2, l3);

        // output axis a corresponds to canonical axis position(a)
        int[] position = new int[3];
        for (int p = 0; p < 3; p++) position[order[p]] = p;
        double[] canonical = Get(ls[order[0]], ls[order[1]], ls[order[2]]);
        int[] sortedLs = [ls[order[0]], ls[order[1]], ls[order[2]]];
        bool odd = PermutationIsOdd(position);
        double sign = odd && (l1 + l2 + l3) % 2 == 1 ? -1.0 : 1.0;

        int d1 = 2 * l1 + 1, d2 = 2 * l2 + 1, d3 = 2 * l3 + 1;
        int e1 = 2 * sortedLs[1] + 1, e2 = 2 * sortedLs[2] + 1;
        var result = new double[d1 * d2 * d3];
        Span<int> idx = stackalloc int[3];
        Span<int> cidx = stackalloc int[3];
        for (idx[0] = 0; idx[0] < d1; idx[0]++)
            for (idx[1] = 0; idx[1] < d2; idx[1]++)
                for (idx[2] = 0; idx[2] < d3; idx[2]++)
                {
                    for (int a = 0; a < 3; a++) cidx[position[a]] = idx[a];
                    double v = canonical[(cidx[0] * e1 + cidx[1]) * e2 + cidx[2]];
                    result[(idx[0] * d2 + idx[1]) * d3 + idx[2]] = v == 0 ? 0 : sign * v;
                }
        return result;
    }

    private static bool PermutationIsOdd(int[] p)
    {
        int inversions = 0;
        for (int i = 0; i < p.Length; i++)
            for (int j = i + 1; j < p.Length; j++)
                if (p[i] > p[j]) inversions++;
        return inversions % 2 == 1;
    }

    /// <summary>l1 ≤ l2 ≤ l3: real basis, normalised, sign rule applied.</summary>
    private static double[] Canonical(int l1, int l2, int l3)
    {
        int d1 = 2 * l1 + 1, d2 = 2 * l2 + 1, d3 = 2 * l3 + 1;
        // complex CG <l1 m1; l2 m2 | l3 m3>, indexed by m + l
        var cg = new double[d1 * d2 * d3];
        for (int m1 = -l1; m1 <= l1; m1++)
            for (int m2 = -l2; m2 <= l2; m2++)
            {
                int m3 = m1 + m2;
                if (Math.Abs(m3) > l3) continue;
                cg[((m1 + l1) * d2 + (m2 + l2)) * d3 + (m3 + l3)] = ClebschGordan(l1, m1, l2, m2, l3, m3);
            }

        // R[a,b,c] = Σ Q1[a,i] Q2[b,j] conj(Q3[c,k]) CG[i,j,k]; Q has two non-zeros per row
        var re = new double[d1 * d2 * d3];
        var im = new double[d1 * d2 * d3];
        var q1 = ChangeOfBasis(l1);
        var q2 = ChangeOfBasis(l2);
        var q3 = ChangeOfBasis(l3);
        for (int a = 0; a < d1; a++)
            for (int b = 0; b < d2; b++)
                for (int c = 0; c < d3; c++)
                {
                    Complex sum = Complex.Zero;
                    foreach (var (i, qa) in q1[a])
                        foreach (var (j, qb) in q2[b])
                            foreach (var (k, qc) in q3[c])
                            {
                                double v = cg[(i * d2 + j) * d3 + k];
                                if (v != 0) sum += qa * qb * Complex.Conjugate(qc) * v;
                            }
                    re[(a * d2 + b) * d3 + c] = sum.Real;
                    im[(a * d2 + b) * d3 + c] = sum.Imaginary;
                }
        double nre = re.Sum(v => v * v), nim = im.Sum(v => v * v);
        double[] r = nre >= nim ? re : im;
        double norm = Math.Sqrt(Math.Max(nre, nim));
        for (int t = 0; t < r.Length; t++)
        {
            r[t] /= norm;
            if (Math.Abs(r[t]) < 1e-14) r[t] = 0;
        }

        double center = r[(l1 * d2 + l2) * d3 + l3];
        double reference = center != 0 ? center : r.First(v => v != 0);
        if (reference < 0)
            for (int t = 0; t < r.Length; t++) r[t] = r[t] == 0 ? 0 : -r[t];
        return r;
    }

    /// <summary>Rows: real m = −l…l; entries (complex index m+l, coefficient).</summary>
    private static (int, Complex)[][] ChangeOfBasis(int l)
    {
        var q = new (int, Complex)[2 * l + 1][];
        double h = 1 / Math.Sqrt(2);
        for (int m = -l; m <= l; m++)
        {
            double sign = m % 2 == 0 ? 1 : -1; // (−1)^m
            if (m == 0) q[l] = [(l, Complex.One)];
            else if (m > 0) q[m + l] = [(-m + l, new Complex(h, 0)), (m + l, new Complex(sign * h, 0))];
            else q[m + l] = [(m + l, new Complex(0, h)), (-m + l, new Complex(0, -sign * h))];
        }
        return q;
    }

    /// <summary>Complex Clebsch–Gordan coefficient by Racah's formula, exact in rationals then one square root.</summary>
    public static double ClebschGordan(int j1, int m1, int j2, int m2, int j, int m)
    {
        if (m != m1 + m2 || !Triangle(j1, j2, j) || Math.Abs(m1) > j1 || Math.Abs(m2) > j2 || Math.Abs(m) > j) return 0;
        // C² = (2j+1) (j+j1−j2)!(j−j1+j2)!(j1+j2−j)!/(j1+j2+j+1)! · (j+m)!(j−m)!(j1−m1)!(j1+m1)!(j2−m2)!(j2+m2)! · S²
        BigInteger num = (2 * j + 1) * F(j + j1 - j2) * F(j - j1 + j2) * F(j1 + j2 - j)
                         * F(j + m) * F(j - m) * F(j1 - m1) * F(j1 + m1) * F(j2 - m2) * F(j2 + m2);
        BigInteger den = F(j1 + j2 + j + 1);
        // S = Σ_k (−1)^k / [k!(j1+j2−j−k)!(j1−m1−k)!(j2+m2−k)!(j−j2+m1+k)!(j−j1−m2+k)!] as a fraction over a common denominator
        int kMin = Math.Max(0, Math.Max(j2 - j - m1, j1 - j + m2));
        int kMax = Math.Min(j1 + j2 - j, Math.Min(j1 - m1, j2 + m2));
        BigInteger sNum = BigInteger.Zero, sDen = BigInteger.One;
        for (int k = kMin; k <= kMax; k++)
        {
            BigInteger d = F(k) * F(j1 + j2 - j - k) * F(j1 - m1 - k) * F(j2 + m2 - k) * F(j - j2 + m1 + k) * F(j - j1 - m2 + k);
            // sNum/sDen ± 1/d
            BigInteger term = k % 2 == 0 ? BigInteger.One : BigInteger.MinusOne;
            sNum = sNum * d + term * sDen;
            sDen *= d;
            BigInteger g = BigInteger.GreatestCommonDivisor(BigInteger.Abs(sNum), sDen);
            if (!g.IsZero && !g.IsOne)
            {
                sNum /= g;
                sDen /= g;
            }
        }
        if (sNum.IsZero) return 0;
        BigInteger n2 = num * sNum * sNum, d2 = den * sDen * sDen;
        return sNum.Sign * Math.Sqrt(RatioToDouble(n2, d2));
    }

    private static double RatioToDouble(BigInteger n, BigInteger d)
    {
        // scale so the integer quotient carries ~120 bits, then divide exactly in double
        long shift = 120 - ((long)n.GetBitLength() - (long)d.GetBitLength());
        BigInteger q = shift >= 0 ? (n << (int)shift) / d : n / (d << (int)-shift);
        return Math.ScaleB((double)q, (int)-shift);
    }

    private static readonly ConcurrentDictionary<int, BigInteger> Factorials = new();

    private static BigInteger F(int n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n));
        return Factorials.GetOrAdd(n, k =>
        {
            BigInteger r = BigInteger.One;
            for (int i = 2; i <= k; i++) r *= i;
            return r;
        });
    }
}
