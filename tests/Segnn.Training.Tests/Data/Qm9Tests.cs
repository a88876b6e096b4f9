using Segnn.Data.Atomistic;
using Segnn.Data.Molecules;
using Segnn.O3;
using Segnn.Tests;

namespace Segnn.Training.Tests.Data;

[TestClass]
public sealed class Qm9Tests
{
    [TestMethod]
    public void StandardHundredReadsWithUnitConversionsAndAtomReferences()
    {
        string path = SharedData.Require("data/qm9/standard-100/qm9_reduced_100.xyz");
        List<LabelledMolecule> molecules = Qm9.ReadStandard(path).ToList();
        Assert.HasCount(100, molecules);
        // methane: U0 = −40.47893 Ha, HOMO = −0.3877 Ha; atomisation U0 = U0 − (C + 4 H) references
        LabelledMolecule methane = molecules[0];
        CollectionAssert.AreEqual(new[] { 6, 1, 1, 1, 1 }, methane.Molecule.AtomicNumbers);
        Assert.AreEqual(-0.3877 * 27.211386246, methane.Scalars["homo"], 1e-9);
        Assert.AreEqual((-40.47893 - (-37.846772 + 4 * -0.500273)) * 27.211386246, methane.Scalars["U0"], 1e-9);
        Assert.AreEqual(13.21, methane.Scalars["alpha"], 1e-12);
        Assert.AreEqual(0.044749 * 27.211386246, methane.Scalars["zpve"], 1e-9);
        Assert.AreEqual(35.3641, methane.Scalars["r2"], 1e-12);
        Assert.AreEqual(6.469, methane.Scalars["Cv"], 1e-12);
        Assert.IsTrue(molecules.All(m => m.Scalars.Count == 12 && m.Scalars.Values.All(double.IsFinite)));
        // atomisation energies are negative and scale with size
        Assert.IsTrue(molecules.All(m => m.Scalars["U0"] < 0));
    }

    [TestMethod]
    public void OriginalPerMoleculeFormatWithMathematicaExponents()
    {
        string dir = Path.Combine(Path.GetTempPath(), "segnn-qm9-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            // dsgdb9nsd_000001.xyz as distributed (tabs, *^ exponents, Mulliken charges, three trailing lines, no final newline)
            File.WriteAllText(Path.Combine(dir, "dsgdb9nsd_000001.xyz"),
                "5\ngdb 1\t157.7118\t157.70997\t157.70699\t0.\t13.21\t-0.3877\t0.1171\t0.5048\t35.3641\t0.044749\t-40.47893\t-40.476062\t-40.475117\t-40.498597\t6.469\t\n" +
                "C\t-0.0126981359\t 1.0858041578\t 0.0080009958\t-0.535689\n" +
                "H\t 0.002150416\t-0.0060313176\t 0.0019761204\t 0.133921\n" +
                "H\t 1.0117308433\t 1.4637511618\t 0.0002765748\t 0.133922\n" +
                "H\t-0.540815069\t 1.4475266138\t-0.8766437152\t 0.133923\n" +
                "H\t-0.5238136345\t 1.4379326443\t 0.9063972942\t 0.133923\n" +
                "1341.307\t1341.3284\t1341.365\t1562.6731\t1562.7453\t3038.3205\t3151.6034\t3151.6788\t3151.7078\n" +
                "C\tC\t\nInChI=1S/CH4/h1H4\tInChI=1S/CH4/h1H4");
            File.WriteAllText(Path.Combine(dir, "dsgdb9nsd_000002.xyz"),
                "4\ngdb 2\t293.60975\t293.54111\t191.39397\t1.6256\t9.46\t-0.257\t0.0829\t0.3399\t26.1563\t0.034358\t-56.525887\t-56.523026\t-56.522082\t-56.544961\t6.316\t\n" +
                "N\t-0.0404260543\t 1.0241077531\t 0.0625637998\t-0.707143\n" +
                "H\t 0.0172574639\t 0.0125452063\t-0.0273771593\t 0.235712\n" +
                "H\t 0.9157893661\t 1.3587451948\t-0.0287577581\t 0.235712\n" +
                "H\t-0.5202473231\t 1.3435670883\t-0.7755612511\t 0.235719\n" +
                "894.3593\t1634.5904\t1634.6236\t3478.3327\t3573.6591\t3573.8208\n" +
                "N\tN\t\nInChI=1S/H3N/h1H3\tInChI=1S/H3N/h1H3\n");
            List<LabelledMolecule> molecules = Qm9.ReadStandard(dir).ToList();
            Assert.HasCount(2, molecules);
            Assert.AreEqual(1L, molecules[0].GdbId);
            Assert.AreEqual(2L, molecules[1].GdbId);
            Assert.AreEqual(1.6256, molecules[1].Scalars["mu"], 1e-12);
            Assert.AreEqual((-56.525887 - (-54.583861 + 3 * -0.500273)) * 27.211386246, molecules[1].Scalars["U0"], 1e-9);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void BadFilesFailWithFileAndLine()
    {
        string file = Path.Combine(Path.GetTempPath(), "segnn-bad-" + Guid.NewGuid().ToString("N") + ".xyz");
        try
        {
            File.WriteAllText(file, "2\ngdb 7\t1\t2\t3\t0.1\t10\t-0.3\t0.1\t0.4\t30\t0.04\t-40\t-40\t-40\t-40\t6\n C 0 0 0 -0.1\nH 0 0 x 0.1\n1 2\nC\tC\nInChI=1S\tInChI=1S\n");
            var ex = Assert.Throws<InvalidDataException>(() => Qm9.ReadStandard(file).ToList());
            StringAssert.Contains(ex.Message, Path.GetFileName(file));
            StringAssert.Contains(ex.Message, ":4:");
            File.WriteAllText(file, "1\nProperties=species:S:1:pos:R:3 alpha=3\nH 0 0 0\n");
            var missing = Assert.Throws<InvalidDataException>(() => Qm9.ReadStandard(file).ToList());
            StringAssert.Contains(missing.Message, "'mu'");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestMethod]
    public void SplitFilesSelectTheRightMolecules()
    {
        Qm9Split split = Qm9Split.Load(SharedData.Require("data/qm9/split"));
        Assert.HasCount(100_000, split.Train);
        Assert.HasCount(17_748, split.Valid);
        Assert.HasCount(13_083, split.Test);
        // the uncharacterised molecules are in no split
        foreach (long id in new long[] { 58, 61, 80 }) Assert.IsNull(split.SplitOf(id), $"id {id}");
        List<LabelledMolecule> mp2 = Qm9.ReadMp2(SharedData.Require("data/qm9/mp2-10k")).ToList();
        Assert.HasCount(10_000, mp2);
        var counts = mp2.GroupBy(m => split.SplitOf(m.GdbId) ?? "none").ToDictionary(g => g.Key, g => g.Count());
        Assert.IsFalse(counts.ContainsKey("none"), "every mp2 molecule is in the standard split");
        Assert.AreEqual(10_000, counts.Values.Sum());
        // roughly the split's proportions (100,000 / 130,831 of them train)
        Assert.AreEqual(10_000 * 100_000.0 / 130_831, counts["train"], 150);
        LabelledMolecule water = mp2.Single(m => m.GdbId == 3);
        Assert.AreEqual(-0.507894 * 27.211386246, water.Scalars["homo"], 1e-9);
        Assert.AreEqual(0.836025533701, Math.Sqrt(water.Vectors["dipole"].Sum(v => v * v)), 1e-4);
    }

    [TestMethod]
    public void StandardisationAndCompositionBaseline()
    {
        var rng = new Random(3);
        // synthetic molecules whose target is exactly linear in composition: the baseline must recover it
        var molecules = Enumerable.Range(0, 200).Select(i =>
        {
            int[] z = Enumerable.Range(0, 3 + rng.Next(10)).Select(_ => new[] { 1, 6, 7, 8 }[rng.Next(4)]).ToArray();
            double e = z.Sum(a => a switch { 1 => -13.6, 6 => -1030.0, 7 => -1485.0, _ => -2040.0 }) + 2.5;
            return new LabelledMolecule(i + 1, new Segnn.Runtime.Inputs.Molecule($"m{i}", z, new double[3 * z.Length]),
                new Dictionary<string, double> { ["e"] = e }, new Dictionary<string, double[]> { ["d"] = [1, -2, 0.5] });
        }).ToList();
        var baseline = CompositionBaseline.Fit(molecules, "e", [1, 6, 7, 8]);
        Assert.IsLessThan(1e-4, baseline.MeanAbsoluteError(molecules, "e")); // targets are ~1e4 eV
        TargetSpec[] specs = TargetStatistics.Standardise(molecules, [new LabelTarget("e", "eV", false), new LabelTarget("d", "e*bohr", true)]);
        double mean = molecules.Average(m => m.Scalars["e"]);
        Assert.AreEqual(mean, specs[0].Mean, 1e-9);
        Assert.AreEqual(molecules.Average(m => Math.Abs(m.Scalars["e"] - mean)), specs[0].Scale, 1e-9);
        Assert.AreEqual(0.0, specs[1].Mean);
        Assert.AreEqual((1 + 2 + 0.5) / 3.0, specs[1].Scale, 1e-12);
        Assert.AreEqual(Irreps.Parse("1x1o"), specs[1].Irreps);
    }
}
