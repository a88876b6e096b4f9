using Segnn.O3;

namespace Segnn.Training.Tests.O3;

[TestClass]
public sealed class WignerDTests
{
    [TestMethod]
    public void DegreeOneIsTheRotationMatrix()
    {
        var rng = new Random(3);
        for (int t = 0; t < 10; t++)
        {
            Rotation r = Rotation.Random(rng);
            SphericalHarmonicsTests.AssertClose(r.M, WignerD.Matrix(1, r), 1e-13);
        }
    }

    [TestMethod]
    public void OrthogonalAndAHomomorphismUpTo8()
    {
        var rng = new Random(5);
        Rotation a = Rotation.Random(rng), b = Rotation.Random(rng);
        for (int l = 0; l <= 8; l++)
        {
            int n = 2 * l + 1;
            double[] da = WignerD.Matrix(l, a), db = WignerD.Matrix(l, b), dab = WignerD.Matrix(l, a * b);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double dot = 0, prod = 0;
                    for (int k = 0; k < n; k++)
                    {
                        dot += da[i * n + k] * da[j * n + k];
                        prod += da[i * n + k] * db[k * n + j];
                    }
                    Assert.AreEqual(i == j ? 1.0 : 0.0, dot, 1e-12, $"l={l} D Dᵀ");
                    Assert.AreEqual(dab[i * n + j], prod, 1e-12, $"l={l} D(ab) = D(a)D(b)");
                }
        }
    }

    [TestMethod]
    public void RandomRotationsAreProperAndAxisAngleIsRightHanded()
    {
        var rng = new Random(9);
        Rotation r = Rotation.Random(rng);
        double det = r[0, 0] * (r[1, 1] * r[2, 2] - r[1, 2] * r[2, 1]) - r[0, 1] * (r[1, 0] * r[2, 2] - r[1, 2] * r[2, 0])
                     + r[0, 2] * (r[1, 0] * r[2, 1] - r[1, 1] * r[2, 0]);
        Assert.AreEqual(1.0, det, 1e-12);
        var (x, y, z) = Rotation.FromAxisAngle(0, 0, 1, Math.PI / 2).Apply(1, 0, 0);
        Assert.AreEqual(0, x, 1e-15);
        Assert.AreEqual(1, y, 1e-15);
        Assert.AreEqual(0, z, 1e-15);
    }

    [TestMethod]
    public void IrrepsRepresentationCarriesParity()
    {
        Irreps irreps = Irreps.Parse("2x0e+1x1o+1x1e");
        Rotation r = Rotation.Random(new Random(2));
        double[] features = [1, 2, 0.5, -1, 2, 3, 4, 5];
        double[] inverted = WignerD.Apply(irreps, Rotation.Identity, true, features);
        SphericalHarmonicsTests.AssertClose([1, 2, -0.5, 1, -2, 3, 4, 5], inverted, 1e-13);
        double[] rotated = WignerD.Apply(irreps, r, false, features);
        var (x, y, z) = r.Apply(0.5, -1, 2);
        SphericalHarmonicsTests.AssertClose([1, 2, x, y, z], rotated[..5], 1e-13);
    }
}
