using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tests;

namespace Segnn.Runtime.Tests.Inputs;

[TestClass]
public sealed class PeriodicStructureTests
{
    private const string SlabComment =
        "Lattice=\"5.1 0.0 0.0 2.55 4.4167 0.0 0.0 0.0 20.0\" Properties=species:S:1:pos:R:3:tags:I:1:fixed:I:1:forces:R:3 sid=3000123 energy=1.5 pbc=\"T T F\"";

    private const string SlabAtoms =
        "Pt 0.0 0.0 7.5 2 1 0.1 0.2 0.3\n" +
        "Pt 2.55 0.0 7.5 2 1 0 0 0\n" +
        "Pt 1.275 1.472 9.76 1 0 -0.1 0 0.5\n" +
        "O 1.275 1.472 11.5 0 0 0 0 -0.9\n";

    private static PeriodicCell Cubic(double a, bool x = true, bool y = true, bool z = true) => new([a, 0, 0, 0, a, 0, 0, 0, a], [x, y, z]);

    [TestMethod]
    public void FromFrameTakesTheCellTagsFixedMaskAndSid()
    {
        var frame = XyzReader.Read(new StringReader($"4\n{SlabComment}\n{SlabAtoms}"), "slab.xyz").Single();
        var slab = PeriodicStructure.FromFrame(frame);
        Assert.AreEqual("sid_3000123", slab.Name);
        CollectionAssert.AreEqual(new[] { 78, 78, 78, 8 }, slab.AtomicNumbers);
        Assert.AreSame(frame.Positions, slab.Positions);
        Assert.AreSame(frame.Cell, slab.Cell);
        CollectionAssert.AreEqual(new[] { true, true, false }, slab.Cell.Pbc.ToArray());
        CollectionAssert.AreEqual(new[] { 2, 2, 1, 0 }, slab.Tags);
        CollectionAssert.AreEqual(new[] { true, true, false, false }, slab.Fixed);
        Assert.AreEqual(4, slab.AtomCount);
        slab.Validate();
        CollectionAssert.AreEqual(new[] { 0.1, 0.2, 0.3, 0, 0, 0, -0.1, 0, 0.5, 0, 0, -0.9 }, frame.AtomColumns["forces"], "forces stay a frame column");
    }

    [TestMethod]
    public void TheNameIsTheNameInfoBeforeTheSid()
    {
        string comment = SlabComment.Replace("sid=3000123", "sid=7 name=\"Pt slab\"", StringComparison.Ordinal);
        var frame = XyzReader.Read(new StringReader($"4\n{comment}\n{SlabAtoms}"), "slab.xyz").Single();
        Assert.AreEqual("Pt slab", PeriodicStructure.FromFrame(frame).Name);
        var unnamed = XyzReader.Read(new StringReader("1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3\nCu 0 0 0\n"), "x.xyz").Single();
        var bulk = PeriodicStructure.FromFrame(unnamed);
        Assert.AreEqual("frame 0", bulk.Name);
        Assert.IsNull(bulk.Tags);
        Assert.IsNull(bulk.Fixed);
        CollectionAssert.AreEqual(new[] { true, true, true }, bulk.Cell.Pbc.ToArray());
    }

    [TestMethod]
    public void AseMoveMaskGivesTheFixedMask()
    {
        const string one = "3\nLattice=\"9 0 0 0 9 0 0 0 9\" Properties=species:S:1:pos:R:3:move_mask:L:1\nCu 0 0 0 F\nCu 2 0 0 T\nCu 0 2 0 T\n";
        CollectionAssert.AreEqual(new[] { true, false, false }, PeriodicStructure.FromFrame(XyzReader.Read(new StringReader(one), "m.xyz").Single()).Fixed);

        const string three = "2\nLattice=\"9 0 0 0 9 0 0 0 9\" Properties=species:S:1:pos:R:3:move_mask:L:3\nCu 0 0 0 F F F\nCu 2 0 0 T T T\n";
        CollectionAssert.AreEqual(new[] { true, false }, PeriodicStructure.FromFrame(XyzReader.Read(new StringReader(three), "m.xyz").Single()).Fixed);

        const string partial = "2\nLattice=\"9 0 0 0 9 0 0 0 9\" Properties=species:S:1:pos:R:3:move_mask:L:3\nCu 0 0 0 F F T\nCu 2 0 0 T T T\n";
        var error = Assert.ThrowsExactly<SegnnInputException>(() => PeriodicStructure.FromFrame(XyzReader.Read(new StringReader(partial), "m.xyz").Single()));
        StringAssert.Contains(error.Message, "atom 0 is free to move along some axes only");
    }

    [TestMethod]
    [DataRow("fixed:I:1", "2", "atom 0 has fixed = 2", DisplayName = "fixed not 0 or 1")]
    [DataRow("tags:R:1", "0.5", "atom 0 has tag 0.5, which is not an integer", DisplayName = "fractional tag")]
    [DataRow("tags:I:2", "1 2", "2 tags per atom", DisplayName = "two tags per atom")]
    public void MalformedTagsOrFixedAreRefused(string column, string value, string problem)
    {
        string text = $"1\nLattice=\"9 0 0 0 9 0 0 0 9\" Properties=species:S:1:pos:R:3:{column} name=bad\nCu 0 0 0 {value}\n";
        var error = Assert.ThrowsExactly<SegnnInputException>(() => PeriodicStructure.FromFrame(XyzReader.Read(new StringReader(text), "t.xyz").Single()));
        Assert.AreEqual("bad", error.SystemName);
        StringAssert.Contains(error.Message, problem);
    }

    [TestMethod]
    public void APeriodicFrameIsRefusedAsAMoleculeAndAMoleculeAsAPeriodicStructure()
    {
        var slab = XyzReader.Read(new StringReader($"4\n{SlabComment}\n{SlabAtoms}"), "slab.xyz").Single();
        var error = Assert.ThrowsExactly<SegnnInputException>(() => Molecule.FromFrame(slab));
        StringAssert.Contains(error.Message, "is a periodic structure (pbc \"T T F\"");
        StringAssert.Contains(error.Message, "slab.xyz:1");
        StringAssert.Contains(error.Message, "PeriodicStructure.FromFrame");

        var bulk = XyzReader.Read(new StringReader("1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3 pbc=\"F F T\"\nCu 0 0 0\n"), "wire.xyz").Single();
        StringAssert.Contains(Assert.ThrowsExactly<SegnnInputException>(() => Molecule.FromFrame(bulk)).Message, "pbc \"F F T\"");

        var molecule = XyzReader.Read(new StringReader("1\nname=atom pbc=\"F F F\"\nCu 0 0 0\n"), "atom.xyz").Single();
        error = Assert.ThrowsExactly<SegnnInputException>(() => PeriodicStructure.FromFrame(molecule));
        Assert.AreEqual("atom", error.SystemName);
        StringAssert.Contains(error.Message, "has no cell");
        StringAssert.Contains(error.Message, "Molecule.FromFrame");
    }

    [TestMethod]
    public void AnInvalidStructureIsNamedWithItsProblem()
    {
        var cell = Cubic(4);
        var cases = new (PeriodicStructure Structure, string Problem)[]
        {
            (new PeriodicStructure("s", [], [], cell), "no atoms"),
            (new PeriodicStructure("s", [29, 29], [0, 0, 0, 1, 1], cell), "2 atomic numbers but 5 coordinates"),
            (new PeriodicStructure("s", [29, 0], [0, 0, 0, 1, 1, 1], cell), "atom 1 has atomic number 0"),
            (new PeriodicStructure("s", [29, 29], [0, 0, 0, 1, double.NaN, 1], cell), "atom 1 has a non-finite y coordinate"),
            (new PeriodicStructure("s", [29, 29], [0, 0, 0, 1, 1, 1], null!), "has no cell"),
            (new PeriodicStructure("s", [29, 29], [0, 0, 0, 1, 1, 1], cell, Tags: [1]), "2 atoms but 1 tags"),
            (new PeriodicStructure("s", [29, 29], [0, 0, 0, 1, 1, 1], cell, Fixed: [true, false, true]), "2 atoms but 3 fixed flags"),
            (new PeriodicStructure("s", [29], [0, 0, 0], new PeriodicCell([4, 0, 0, 0, 4, 0, 0, 0, 1e-4], [true, true, true])), "only 0.0001 Å thick along lattice vector 3"),
        };
        foreach (var (structure, problem) in cases)
        {
            var error = Assert.ThrowsExactly<SegnnInputException>(structure.Validate, problem);
            StringAssert.StartsWith(error.Message, "s: ");
            StringAssert.Contains(error.Message, problem);
        }

        // The same thin axis is harmless when it is not periodic.
        new PeriodicStructure("s", [29], [0, 0, 0], new PeriodicCell([4, 0, 0, 0, 4, 0, 0, 0, 1e-4], [true, true, false])).Validate();
        var unnamed = Assert.ThrowsExactly<SegnnInputException>(new PeriodicStructure(" ", [], [], cell).Validate);
        Assert.AreEqual("(unnamed structure)", unnamed.SystemName);
    }

    [TestMethod]
    public void TheSlabsFilesReadFullyAsValidPeriodicStructures()
    {
        string folder = SharedData.Require("data/slabs-emt");
        var expected = new Dictionary<string, int>
        {
            ["bulk_train"] = 1000,
            ["bulk_valid"] = 150,
            ["bulk_test"] = 150,
            ["is2re_train"] = 3000,
            ["is2re_valid"] = 400,
            ["is2re_test_id"] = 400,
            ["is2re_test_ood_ads"] = 300,
            ["is2re_test_ood_cat"] = 300,
            ["is2re_train_relaxed"] = 3000,
            ["is2re_valid_relaxed"] = 400,
            ["is2re_test_id_relaxed"] = 400,
            ["is2re_test_ood_ads_relaxed"] = 300,
            ["is2re_test_ood_cat_relaxed"] = 300,
            ["s2ef_train"] = 12000,
            ["s2ef_valid"] = 1600,
            ["s2ef_test_id"] = 1600,
            ["s2ef_test_ood_ads"] = 1200,
            ["s2ef_test_ood_cat"] = 1200,
        };
        var sids = new HashSet<string>();
        foreach (var (name, count) in expected)
        {
            bool bulk = name.StartsWith("bulk", StringComparison.Ordinal);
            int frames = 0;
            foreach (var frame in XyzReader.ReadFile(Path.Combine(folder, name + ".extxyz.gz")))
            {
                var structure = PeriodicStructure.FromFrame(frame);
                structure.Validate();
                string where = $"{name} frame {frame.Index}";
                Assert.AreEqual("sid_" + frame.Info["sid"], structure.Name, where);
                Assert.AreEqual(bulk ? "T T T" : "T T F", structure.Cell.PbcText, where);
                Assert.AreEqual(3 * structure.AtomCount, frame.AtomColumns["forces"].Length, where);
                if (bulk)
                {
                    Assert.IsNull(structure.Tags, where);
                    Assert.IsTrue(frame.TryGetStress(out _), where);
                }
                else
                {
                    // README: tags 0 = adsorbate, 1 = top layer, 2, 3, ... below; fixed = the bottom two layers.
                    int[] tags = structure.Tags!;
                    int bottom = tags.Max();
                    Assert.IsGreaterThanOrEqualTo(3, bottom, where);
                    for (int i = 0; i < tags.Length; i++)
                        Assert.AreEqual(tags[i] >= bottom - 1, structure.Fixed![i], $"{where} atom {i}");
                    Assert.Contains(0, tags, where);
                }

                if (name.StartsWith("is2re", StringComparison.Ordinal) && !name.EndsWith("relaxed", StringComparison.Ordinal))
                    Assert.IsTrue(sids.Add(frame.Info["sid"]), $"{where}: sid unique over the initial files");
                frames++;
            }

            Assert.AreEqual(count, frames, name);
        }
    }
}
