using Segnn.O3;

namespace Segnn.Training.Tests.O3;

[TestClass]
public sealed class SphericalHarmonicsTests
{
    // segnn.md §1.2: v = (1, 2, −2), lmax 3, component normalisation
    private static readonly double[] ComponentVector =
    [
        1.0,
        0.57735, 1.154701, -1.154701,
        -0.860663, 0.860663, 0.372678, -1.721326, 0.645497,
        0.852154, -1.518067, 0.660075, -0.685936, -1.320151, 1.13855, -0.154937,
    ];

    [TestMethod]
    public void MatchesSpecTestVectorComponent()
    {
        double[] y = SphericalHarmonics.Evaluate(3, 1, 2, -2, ShNormalization.Component);
        AssertClose(ComponentVector, y, 1e-6);
    }

    [TestMethod]
    public void IntegralIsComponentOverSqrt4Pi()
    {
        double[] y = SphericalHarmonics.Evaluate(3, 1, 2, -2, ShNormalization.Integral);
        AssertClose(ComponentVector.Select(v => v / Math.Sqrt(4 * Math.PI)).ToArray(), y, 1e-6);
        Assert.AreEqual(0.282095, y[0], 1e-6);
        Assert.AreEqual(-0.043707, y[^1], 1e-6);
    }

    [TestMethod]
    public void NormNormalizationHasUnitBlocks()
    {
        var rng = new Random(1);
        for (int t = 0; t < 10; t++)
        {
            double[] y = SphericalHarmonics.Evaluate(8, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, ShNormalization.Norm);
            for (int l = 0; l <= 8; l++)
            {
                double n2 = 0;
                for (int m = 0; m < 2 * l + 1; m++) n2 += y[l * l + m] * y[l * l + m];
                Assert.AreEqual(1.0, n2, 1e-12, $"l={l}");
            }
        }
    }

    [TestMethod]
    public void DegreeOneIsTheUnitVectorAndDegreeTwoMatchesPolynomials()
    {
        double x = 0.3, y = -0.5, z = 0.81;
        double r = Math.Sqrt(x * x + y * y + z * z);
        x /= r; y /= r; z /= r;
        double[] v = SphericalHarmonics.Evaluate(2, x, y, z, ShNormalization.Norm);
        AssertClose([1, x, y, z], v[..4], 1e-14);
        double s3 = Math.Sqrt(3);
        AssertClose([s3 * x * z, s3 * x * y, y * y - 0.5 * (x * x + z * z), s3 * y * z, s3 / 2 * (z * z - x * x)], v[4..9], 1e-14);
    }

    [TestMethod]
    public void ZeroVectorKeepsOnlyTheConstant()
    {
        double[] y = SphericalHarmonics.Evaluate(4, 0, 0, 0, ShNormalization.Component);
        Assert.AreEqual(1.0, y[0], 1e-15);
        for (int i = 1; i < y.Length; i++) Assert.AreEqual(0.0, y[i]);
    }

    [TestMethod]
    public void OrthonormalUnderQuadrature()
    {
        // ∫ Y_a Y_b dΩ = δ_ab for the integral normalisation, all l ≤ 8 (independent check of the normalisation constants)
        var (nodes, weights) = WignerD.GaussLegendre(10);
        int d = SphericalHarmonics.Dim(8);
        var gram = new double[d * d];
        for (int a = 0; a < nodes.Length; a++)
            for (int b = 0; b < 19; b++)
            {
                double st = Math.Sqrt(1 - nodes[a] * nodes[a]), phi = 2 * Math.PI * b / 19;
                double[] y = SphericalHarmonics.Evaluate(8, st * Math.Cos(phi), st * Math.Sin(phi), nodes[a], ShNormalization.Integral);
                double w = weights[a] * 2 * Math.PI / 19;
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++) gram[i * d + j] += w * y[i] * y[j];
            }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                Assert.AreEqual(i == j ? 1.0 : 0.0, gram[i * d + j], 1e-12, $"({i},{j})");
    }

    [TestMethod]
    public void EquivariantUnderRotationsAndInversionUpToDegree8()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 5; trial++)
        {
            Rotation r = Rotation.Random(rng);
            double x = rng.NextDouble() - 0.5, y = rng.NextDouble() - 0.5, z = rng.NextDouble() - 0.5;
            double[] before = SphericalHarmonics.Evaluate(8, x, y, z);
            var (rx, ry, rz) = r.Apply(x, y, z);
            double[] after = SphericalHarmonics.Evaluate(8, rx, ry, rz);
            double[] inverted = SphericalHarmonics.Evaluate(8, -x, -y, -z);
            for (int l = 0; l <= 8; l++)
            {
                double[] d = WignerD.Matrix(l, r);
                int n = 2 * l + 1;
                for (int i = 0; i < n; i++)
                {
                    double s = 0;
                    for (int j = 0; j < n; j++) s += d[i * n + j] * before[l * l + j];
                    Assert.AreEqual(after[l * l + i], s, 1e-10, $"l={l} rotation");
                    Assert.AreEqual((l % 2 == 0 ? 1 : -1) * before[l * l + i], inverted[l * l + i], 1e-12, $"l={l} inversion");
                }
            }
        }
    }

    internal static void AssertClose(double[] expected, double[] actual, double tol)
    {
        Assert.AreEqual(expected.Length, actual.Length, "length");
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], tol, $"index {i}");
    }
}
