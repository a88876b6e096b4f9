using Segnn.O3;

namespace Segnn.Training.Tests.O3;

[TestClass]
public sealed class Wigner3jTests
{
    private const int LMax = 8;

    [TestMethod]
    public void CrossProductTripleIsPlusEpsilonOverSqrt6()
    {
        double[] c = Wigner3j.Get(1, 1, 1);
        double s = 1 / Math.Sqrt(6);
        int[,,] eps = new int[3, 3, 3];
        eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1;
        eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 3; k++)
                    Assert.AreEqual(eps[i, j, k] * s, c[(i * 3 + j) * 3 + k], 1e-15);
    }

    [TestMethod]
    public void IdentityTriples()
    {
        for (int l = 0; l <= LMax; l++)
        {
            int n = 2 * l + 1;
            double[] a = Wigner3j.Get(l, l, 0), b = Wigner3j.Get(0, l, l);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double expected = i == j ? 1 / Math.Sqrt(n) : 0;
                    Assert.AreEqual(expected, a[i * n + j], 1e-14);
                    Assert.AreEqual(expected, b[i * n + j], 1e-14);
                }
        }
    }

    [TestMethod]
    public void Sqrt5Times112MatchesSpecEntries()
    {
        double[] c = Wigner3j.Get(1, 1, 2);
        double At(int i, int j, int k) => Math.Sqrt(5) * c[(i * 3 + j) * 5 + k];
        var expected = new Dictionary<(int, int, int), double>
        {
            [(0, 0, 2)] = -0.408248,
            [(0, 0, 4)] = -0.707107,
            [(0, 1, 1)] = 0.707107,
            [(1, 0, 1)] = 0.707107,
            [(0, 2, 0)] = 0.707107,
            [(2, 0, 0)] = 0.707107,
            [(1, 1, 2)] = 0.816497,
            [(1, 2, 3)] = 0.707107,
            [(2, 1, 3)] = 0.707107,
            [(2, 2, 2)] = -0.408248,
            [(2, 2, 4)] = 0.707107,
        };
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 5; k++)
                    Assert.AreEqual(expected.GetValueOrDefault((i, j, k)), At(i, j, k), 1e-6, $"[{i},{j},{k}]");
    }

    /// <summary>out_k = Σ Cʹ_ijk a_i b_j with Cʹ = √(2l3+1)·w3j (segnn.md §9, weights 1).</summary>
    private static double[] Path(int l1, int l2, int l3, double[] a, double[] b)
    {
        double[] c = Wigner3j.Get(l1, l2, l3);
        int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1, n3 = 2 * l3 + 1;
        var r = new double[n3];
        for (int i = 0; i < n1; i++)
            for (int j = 0; j < n2; j++)
                for (int k = 0; k < n3; k++)
                    r[k] += Math.Sqrt(n3) * c[(i * n2 + j) * n3 + k] * a[i] * b[j];
        return r;
    }

    [TestMethod]
    public void SpecSection9Vectors()
    {
        double[] a = [1, 2, 3], b = [-1, 0.5, 2];
        SphericalHarmonicsTests.AssertClose([3.464102], Path(1, 1, 0, a, b), 1e-6);
        SphericalHarmonicsTests.AssertClose([1.767767, -3.535534, 1.767767], Path(1, 1, 1, a, b), 1e-6);
        SphericalHarmonicsTests.AssertClose([-0.707107, -1.06066, -1.224745, 3.889087, 4.949747], Path(1, 1, 2, a, b), 1e-6);

        double[] y = SphericalHarmonics.Evaluate(3, 1, 2, -2, ShNormalization.Component);
        double[] y2 = y[4..9], y3 = y[9..16];
        double[] expected = [-0.942809, -1.885618, -1.649916];
        SphericalHarmonicsTests.AssertClose(expected, Path(1, 2, 1, a, y2), 1e-6);
        SphericalHarmonicsTests.AssertClose(expected, Path(2, 1, 1, y2, a), 1e-6);
        SphericalHarmonicsTests.AssertClose([1, 2, -2], Path(2, 3, 1, y2, y3), 1e-6);
        SphericalHarmonicsTests.AssertClose([-1.028689, 1.028689, 0.445435, -2.057378, 0.771517], Path(2, 2, 2, y2, y2), 1e-6);

        double[] u = SphericalHarmonics.Evaluate(2, 0.2, -0.7, 0.4, ShNormalization.Component);
        double[] tp = Path(1, 1, 2, u[1..4], u[1..4]);
        SphericalHarmonicsTests.AssertClose(u[4..9].Select(v => 1.095445 * v).ToArray(), tp, 1e-6);
    }

    [TestMethod]
    public void UnitNormAndPermutationSymmetry()
    {
        for (int l1 = 0; l1 <= LMax; l1++)
            for (int l2 = 0; l2 <= LMax; l2++)
                for (int l3 = Math.Abs(l1 - l2); l3 <= Math.Min(LMax, l1 + l2); l3++)
                {
                    double[] c = Wigner3j.Get(l1, l2, l3);
                    Assert.AreEqual(1.0, Math.Sqrt(c.Sum(v => v * v)), 1e-12);
                    // odd permutation (swap 1 and 2) multiplies by (−1)^(l1+l2+l3)
                    double[] s = Wigner3j.Get(l2, l1, l3);
                    int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1, n3 = 2 * l3 + 1;
                    double sign = (l1 + l2 + l3) % 2 == 0 ? 1 : -1;
                    for (int i = 0; i < n1; i++)
                        for (int j = 0; j < n2; j++)
                            for (int k = 0; k < n3; k++)
                                Assert.AreEqual(sign * c[(i * n2 + j) * n3 + k], s[(j * n1 + i) * n3 + k], 1e-14);
                }
    }

    [TestMethod]
    public void InvariantUnderRotationsAndInversionForAllTriplesUpTo8()
    {
        var rng = new Random(11);
        Rotation[] rotations = [Rotation.Random(rng), Rotation.Random(rng)];
        double worst = 0;
        foreach (Rotation r in rotations)
        {
            var d = Enumerable.Range(0, LMax + 1).Select(l => WignerD.Matrix(l, r)).ToArray();
            for (int l1 = 0; l1 <= LMax; l1++)
                for (int l2 = 0; l2 <= LMax; l2++)
                    for (int l3 = Math.Abs(l1 - l2); l3 <= Math.Min(LMax, l1 + l2); l3++)
                    {
                        double[] c = Wigner3j.Get(l1, l2, l3);
                        double[] rotated = Contract(c, d[l1], d[l2], d[l3], l1, l2, l3);
                        for (int t = 0; t < c.Length; t++)
                            worst = Math.Max(worst, Math.Abs(rotated[t] - c[t]));
                        // improper element −R: D^(l,p)(−R) = p·D^l(R), so the tensor is invariant exactly when the
                        // selection rule p3 = p1·p2 holds, and flips sign otherwise
                        foreach (int p1 in new[] { 1, -1 })
                            foreach (int p2 in new[] { 1, -1 })
                                foreach (int p3 in new[] { 1, -1 })
                                {
                                    bool allowed = Irrep.PathAllowed(new Irrep(l1, p1), new Irrep(l2, p2), new Irrep(l3, p3));
                                    double factor = p1 * p2 * p3;
                                    Assert.AreEqual(allowed, factor == 1);
                                    if (allowed)
                                        for (int t = 0; t < c.Length; t++)
                                            worst = Math.Max(worst, Math.Abs(factor * rotated[t] - c[t]));
                                }
                    }
        }
        Assert.IsLessThan(1e-10, worst, $"max deviation {worst}");
    }

    /// <summary>C'[a,b,c] = Σ C[i,j,k] D1[a,i] D2[b,j] D3[c,k].</summary>
    internal static double[] Contract(double[] c, double[] d1, double[] d2, double[] d3, int l1, int l2, int l3)
    {
        int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1, n3 = 2 * l3 + 1;
        var t1 = new double[n1 * n2 * n3];
        for (int a = 0; a < n1; a++)
            for (int i = 0; i < n1; i++)
            {
                double w = d1[a * n1 + i];
                if (w == 0) continue;
                for (int jk = 0; jk < n2 * n3; jk++) t1[a * n2 * n3 + jk] += w * c[i * n2 * n3 + jk];
            }
        var t2 = new double[n1 * n2 * n3];
        for (int a = 0; a < n1; a++)
            for (int b = 0; b < n2; b++)
                for (int j = 0; j < n2; j++)
                {
                    double w = d2[b * n2 + j];
                    for (int k = 0; k < n3; k++) t2[(a * n2 + b) * n3 + k] += w * t1[(a * n2 + j) * n3 + k];
                }
        var t3 = new double[n1 * n2 * n3];
        for (int ab = 0; ab < n1 * n2; ab++)
            for (int cc = 0; cc < n3; cc++)
            {
                double s = 0;
                for (int k = 0; k < n3; k++) s += d3[cc * n3 + k] * t2[ab * n3 + k];
                t3[ab * n3 + cc] = s;
            }
        return t3;
    }
}
