using Segnn.O3;

namespace Segnn.Training.Tests.O3;

[TestClass]
public sealed class IrrepsTests
{
    [TestMethod]
    [DataRow("32x0e+32x1o", 128, 64)]
    [DataRow("0e+1o", 4, 2)]
    [DataRow("2x1e", 6, 2)]
    [DataRow("36x0e+36x1o+36x2e", 324, 108)]
    public void ParsePrintsBackAndCounts(string text, int dim, int numIrreps)
    {
        Irreps irreps = Irreps.Parse(text);
        Assert.AreEqual(dim, irreps.Dim);
        Assert.AreEqual(numIrreps, irreps.NumIrreps);
        string printed = irreps.ToString();
        Assert.AreEqual(irreps, Irreps.Parse(printed));
        Assert.AreEqual(printed, Irreps.Parse(printed).ToString());
    }

    [TestMethod]
    public void PrintsCanonicalForm()
    {
        Assert.AreEqual("1x0e+1x1o", Irreps.Parse("0e + 1o").ToString());
        Assert.AreEqual("2x1e", Irreps.Parse("2x1e").ToString());
        Assert.AreEqual("32x0e+32x1o", Irreps.Parse(" 32x0e+32x1o ").ToString());
    }

    [TestMethod]
    [DataRow("32x0e+", "empty term")]
    [DataRow("32x0q", "'32x0q'")]
    [DataRow("ax1o", "'ax1o'")]
    [DataRow("1o+-2x1e", "'-2x1e'")]
    [DataRow("3", "'3'")]
    [DataRow("x1o", "'x1o'")]
    [DataRow("1.5x1o", "'1.5x1o'")]
    public void RejectsMalformedStringsQuotingThePart(string text, string quoted)
    {
        var ex = Assert.ThrowsExactly<FormatException>(() => Irreps.Parse(text));
        StringAssert.Contains(ex.Message, quoted);
    }

    [TestMethod]
    public void LsAndSlices()
    {
        Irreps irreps = Irreps.Parse("2x0e+1x1o+1x2e");
        CollectionAssert.AreEqual(new[] { 0, 0, 1, 2 }, irreps.Ls.ToArray());
        var slices = irreps.Slices();
        Assert.AreEqual((0, 2), (slices[0].Start.Value, slices[0].End.Value));
        Assert.AreEqual((2, 5), (slices[1].Start.Value, slices[1].End.Value));
        Assert.AreEqual((5, 10), (slices[2].Start.Value, slices[2].End.Value));
    }

    [TestMethod]
    public void SimplifyMergesOnlyAdjacent()
    {
        Irreps x = Irreps.Parse("32x0e+32x1o+32x0e+32x1o+2x0e");
        Assert.AreEqual(5, x.Simplify().Count);
        Assert.AreEqual("64x0e+32x1o", Irreps.Parse("32x0e+32x0e+0x2e+32x1o").Simplify().ToString());
    }

    [TestMethod]
    public void SortIsStableOddBeforeEvenAndReturnsPermutation()
    {
        Irreps x = Irreps.Parse("1x1e+2x0e+3x1o+4x0o+5x0e");
        var (sorted, p, inv) = x.Sort();
        Assert.AreEqual("4x0o+2x0e+5x0e+3x1o+1x1e", sorted.ToString());
        CollectionAssert.AreEqual(new[] { 4, 1, 3, 0, 2 }, p);
        CollectionAssert.AreEqual(new[] { 3, 1, 4, 2, 0 }, inv);
        for (int i = 0; i < x.Count; i++) Assert.AreEqual(x[i], sorted[p[i]]);
    }

    [TestMethod]
    public void RepetitionAndSphericalHarmonics()
    {
        Assert.AreEqual("1x0e+1x1o+1x0e+1x1o", (Irreps.Parse("0e+1o") * 2).ToString());
        Assert.AreEqual(Irreps.Parse("0e+1o") * 2, 2 * Irreps.Parse("0e+1o"));
        Assert.AreEqual("1x0e+1x1o+1x2e+1x3o", Irreps.SphericalHarmonics(3).ToString());
        Assert.AreEqual(16, Irreps.SphericalHarmonics(3).Dim);
    }

    [TestMethod]
    public void SelectionRules()
    {
        Irrep e0 = Irrep.Parse("0e"), o1 = Irrep.Parse("1o"), e1 = Irrep.Parse("1e"), e2 = Irrep.Parse("2e"), o3 = Irrep.Parse("3o");
        Assert.IsTrue(Irrep.PathAllowed(o1, o1, e0));
        Assert.IsFalse(Irrep.PathAllowed(o1, o1, Irrep.Parse("0o")));
        Assert.IsTrue(Irrep.PathAllowed(o1, o1, e1));
        Assert.IsTrue(Irrep.PathAllowed(o1, o1, e2));
        Assert.IsFalse(Irrep.PathAllowed(o1, o1, o3));
        Assert.IsTrue(Irrep.PathAllowed(e2, o1, o3));
        Assert.IsFalse(Irrep.PathAllowed(e0, e2, o1));
    }
}
