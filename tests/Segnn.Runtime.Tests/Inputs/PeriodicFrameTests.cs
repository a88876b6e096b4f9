using System.Globalization;
using Segnn.Runtime.Inputs;
using Segnn.Tests;

namespace Segnn.Runtime.Tests.Inputs;

/// <summary>Lattice= and pbc= of extended XYZ, read as ASE 3.22 reads them, and the vector info accessors.</summary>
[TestClass]
public sealed class PeriodicFrameTests
{
    private static XyzFrame ReadOne(string comment, string atoms = "Cu 0 0 0\n", int count = 1) =>
        XyzReader.Read(new StringReader($"{count}\n{comment}\n{atoms}"), "cell.xyz").Single();

    [TestMethod]
    public void TheLatticeRowsAreTheLatticeVectorsAndPbcTheirPeriodicity()
    {
        var frame = ReadOne("Lattice=\"7.8436 0.0 0.1 -0.5 8.3193 0.0 0.25 0.0 19.1597\" Properties=species:S:1:pos:R:3 pbc=\"T T F\"");
        Assert.IsNotNull(frame.Cell);
        CollectionAssert.AreEqual(new[] { 7.8436, 0.0, 0.1, -0.5, 8.3193, 0.0, 0.25, 0.0, 19.1597 }, frame.Cell.Matrix.ToArray());
        Assert.AreEqual(-0.5, frame.Cell[1, 0], "vector b, x component");
        CollectionAssert.AreEqual(new[] { true, true, false }, frame.Cell.Pbc.ToArray());
        Assert.IsTrue(frame.IsPeriodic);
        Assert.AreEqual("T T F", frame.Info["pbc"], "the raw text stays in Info");
    }

    [TestMethod]
    [DataRow(null, new[] { true, true, true }, DisplayName = "Lattice without pbc: periodic along all three (ASE)")]
    [DataRow("\"T T F\"", new[] { true, true, false }, DisplayName = "T T F")]
    [DataRow("\"F T F\"", new[] { false, true, false }, DisplayName = "F T F")]
    [DataRow("T", new[] { true, true, true }, DisplayName = "one T for all three")]
    [DataRow("F", new[] { false, false, false }, DisplayName = "one F for all three")]
    [DataRow("\"True False True\"", new[] { true, false, true }, DisplayName = "True/False words")]
    [DataRow("\"T,T,F\"", new[] { true, true, false }, DisplayName = "commas")]
    [DataRow("{T F F}", new[] { true, false, false }, DisplayName = "braces")]
    [DataRow("\"1 1 0\"", new[] { true, true, false }, DisplayName = "1 and 0")]
    public void PbcIsReadAsAseReadsIt(string? pbc, bool[] expected)
    {
        string comment = "Lattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3" + (pbc is null ? "" : " pbc=" + pbc);
        var frame = ReadOne(comment);
        Assert.IsNotNull(frame.Cell);
        CollectionAssert.AreEqual(expected, frame.Cell.Pbc.ToArray());
        Assert.AreEqual(expected.Contains(true), frame.IsPeriodic);
    }

    [TestMethod]
    public void AMoleculeWithPbcFffButNoLatticeHasNoCell()
    {
        var frame = ReadOne("Properties=species:S:1:pos:R:3 energy=-1 pbc=\"F F F\"");
        Assert.IsNull(frame.Cell);
        Assert.IsFalse(frame.IsPeriodic);
        Assert.AreEqual("frame 0", Molecule.FromFrame(frame).Name);

        var plain = ReadOne("just a comment");
        Assert.IsNull(plain.Cell);
    }

    [TestMethod]
    public void ANonPeriodicCellIsKeptAndTheFrameIsAMolecule()
    {
        var frame = ReadOne("Lattice=\"12 0 0 0 12 0 0 0 12\" Properties=species:S:1:pos:R:3 pbc=\"F F F\"", "O 6 6 6\nH 6.96 6 6\n", 2);
        Assert.IsNotNull(frame.Cell);
        Assert.IsFalse(frame.IsPeriodic);
        Assert.AreEqual(1728.0, frame.Cell.Volume, 1e-9);
        var molecule = Molecule.FromFrame(frame);
        CollectionAssert.AreEqual(new[] { 8, 1 }, molecule.AtomicNumbers);
        molecule.Validate();
    }

    [TestMethod]
    [DataRow("Lattice=\"5 0 0 0 5 0 0 0\"", "has 8 numbers; expected 9", "Lattice=", DisplayName = "Lattice of 8 numbers")]
    [DataRow("Lattice=\"5 0 0 0 5 0 0 0 5 1\"", "more than 9 numbers", "Lattice=", DisplayName = "Lattice of 10 numbers")]
    [DataRow("Lattice=\"5 0 0 0 5 0 0 0 x\"", "'x' is not a number", "Lattice=", DisplayName = "Lattice with a word")]
    [DataRow("Lattice=\"5 0 0 0 5 0 0 0 NaN\"", "non-finite", "Lattice=", DisplayName = "Lattice with NaN")]
    [DataRow("Lattice=\"5 0 0 0 5 0 0 0 1e999\"", "non-finite", "Lattice=", DisplayName = "Lattice overflowing")]
    [DataRow("Lattice=\"5 0 0 0 5 0 0 0 0\"", "singular", "Lattice=", DisplayName = "Lattice with a zero vector")]
    [DataRow("Lattice=\"1 0 0 0 1 0 1 1 0\"", "singular", "Lattice=", DisplayName = "Lattice of coplanar vectors")]
    [DataRow("Lattice=\"\"", "has 0 numbers", "Lattice=", DisplayName = "empty Lattice")]
    [DataRow("pbc=\"T T F\"", "no Lattice", "pbc=", DisplayName = "periodic pbc without a Lattice")]
    [DataRow("pbc=T", "no Lattice", "pbc=", DisplayName = "pbc T without a Lattice")]
    [DataRow("Lattice=\"5 0 0 0 5 0 0 0 5\" pbc=\"T T\"", "found 2", "pbc=", DisplayName = "two pbc flags")]
    [DataRow("Lattice=\"5 0 0 0 5 0 0 0 5\" pbc=\"T T F T\"", "more than 3", "pbc=", DisplayName = "four pbc flags")]
    [DataRow("Lattice=\"5 0 0 0 5 0 0 0 5\" pbc=\"t t f\"", "'t' is not a periodicity flag", "pbc=", DisplayName = "lower-case t")]
    [DataRow("Lattice=\"5 0 0 0 5 0 0 0 5\" pbc=yes", "'yes' is not a periodicity flag", "pbc=", DisplayName = "pbc=yes")]
    [DataRow("Lattice=\"5 0 0 0 5 0 0 0 5\" pbc=\"\"", "found 0", "pbc=", DisplayName = "empty pbc")]
    public void AMalformedCellIsRefusedWithTheFileAndLine(string keys, string problem, string named)
    {
        foreach (string properties in new[] { " Properties=species:S:1:pos:R:3", "" })
        {
            string text = $"1\n{keys}{properties}\nH 0 0 0\n";
            var error = Assert.ThrowsExactly<InvalidDataException>(() => XyzReader.Read(new StringReader(text), "bad.xyz").ToList(), properties);
            StringAssert.StartsWith(error.Message, "bad.xyz:2: ");
            StringAssert.Contains(error.Message, problem);
            StringAssert.Contains(error.Message, named);
        }
    }

    [TestMethod]
    public void VectorInfoValuesAndTheStressAreReadAsAseReadsThem()
    {
        var frame = ReadOne(
            "Properties=species:S:1:pos:R:3 shear=\"0.019 -0.011 -7.3e-3\" one=2.5 list=\"1,2, 3\" word=abc mixed=\"1 x\" stress=\"1 6 5 6 2 4 5 4 3\"");
        Assert.IsTrue(frame.TryGetInfoDoubles("shear", out double[] shear));
        CollectionAssert.AreEqual(new[] { 0.019, -0.011, -0.0073 }, shear);
        Assert.IsTrue(frame.TryGetInfoDoubles("one", out double[] one));
        CollectionAssert.AreEqual(new[] { 2.5 }, one);
        Assert.IsTrue(frame.TryGetInfoDoubles("list", out double[] list));
        CollectionAssert.AreEqual(new[] { 1.0, 2.0, 3.0 }, list);
        Assert.IsFalse(frame.TryGetInfoDoubles("word", out double[] word));
        Assert.IsEmpty(word);
        Assert.IsFalse(frame.TryGetInfoDoubles("mixed", out _));
        Assert.IsFalse(frame.TryGetInfoDoubles("absent", out _));

        // xx yy zz yz xz xy of the symmetric matrix [[1 6 5] [6 2 4] [5 4 3]].
        Assert.IsTrue(frame.TryGetStress(out double[] voigt));
        CollectionAssert.AreEqual(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0 }, voigt);

        var six = ReadOne("Properties=species:S:1:pos:R:3 stress=\"1 2 3 4 5 6\"");
        Assert.IsTrue(six.TryGetStress(out double[] given));
        CollectionAssert.AreEqual(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0 }, given);

        // ASE reads the 9 numbers in column order: of a non-symmetric matrix it keeps the entries m12, m02, m01 of that reading.
        var skew = ReadOne("Properties=species:S:1:pos:R:3 stress=\"11 21 31 12 22 32 13 23 33\"");
        Assert.IsTrue(skew.TryGetStress(out double[] skewVoigt));
        CollectionAssert.AreEqual(new[] { 11.0, 22.0, 33.0, 23.0, 13.0, 12.0 }, skewVoigt);

        foreach (string bad in new[] { "stress=\"1 2 3\"", "stress=\"1 2 3 4 5 6 7 8 9 10\"", "stress=high", "energy=1" })
            Assert.IsFalse(ReadOne($"Properties=species:S:1:pos:R:3 {bad}").TryGetStress(out _), bad);
    }

    [TestMethod]
    public void TheSlabsFramesCarryTheirCellsAsWritten()
    {
        string folder = SharedData.Require("data/slabs-emt");
        foreach (var (file, pbc) in new[] { ("is2re_test_id.extxyz.gz", "T T F"), ("bulk_test.extxyz.gz", "T T T") })
        {
            int frames = 0;
            foreach (var frame in XyzReader.ReadFile(Path.Combine(folder, file)))
            {
                string where = $"{file} frame {frame.Index}";
                Assert.IsNotNull(frame.Cell, where);
                double[] written = frame.Info["Lattice"].Split(' ').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
                CollectionAssert.AreEqual(written, frame.Cell.Matrix.ToArray(), where);
                Assert.AreEqual(pbc, frame.Cell.PbcText, where);
                Assert.AreEqual(pbc, frame.Info["pbc"], where);
                Assert.IsTrue(frame.IsPeriodic);
                Assert.IsTrue(frame.TryGetInfoDouble("energy", out _) || frame.TryGetInfoDouble("energy_initial", out _), where);
                if (pbc == "T T T")
                {
                    Assert.IsTrue(frame.TryGetStress(out double[] voigt), where);
                    Assert.HasCount(6, voigt);
                    double[] nine = frame.Info["stress"].Split(' ').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
                    CollectionAssert.AreEqual(new[] { nine[0], nine[4], nine[8], nine[5], nine[2], nine[1] }, voigt, "the written stress is symmetric");
                    Assert.IsTrue(frame.TryGetInfoDoubles("shear", out double[] shear));
                    Assert.HasCount(3, shear);
                }

                frames++;
            }

            Assert.IsGreaterThan(100, frames, file);
        }
    }
}
