using Segnn.Runtime.Inputs;

namespace Segnn.Runtime.Tests.Inputs;

[TestClass]
public sealed class MoleculeTests
{
    [TestMethod]
    public void AValidMoleculePasses()
    {
        var water = new Molecule("water", [8, 1, 1], [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0]);
        water.Validate();
        Assert.AreEqual(3, water.AtomCount);
    }

    [TestMethod]
    [DataRow(0, 0, double.NaN, "no atoms")]
    [DataRow(2, 5, double.NaN, "2 atomic numbers but 5 coordinates")]
    [DataRow(2, 6, double.NaN, "atom 1 has a non-finite y coordinate")]
    [DataRow(2, 6, double.PositiveInfinity, "atom 1 has a non-finite y coordinate")]
    public void AnInvalidMoleculeIsNamedWithItsProblem(int atoms, int coordinates, double bad, string problem)
    {
        var positions = new double[coordinates];
        if (coordinates == 3 * atoms && atoms > 1)
            positions[4] = bad;
        var molecule = new Molecule("broken-42", Enumerable.Repeat(6, atoms).ToArray(), positions);
        var error = Assert.ThrowsExactly<SegnnInputException>(molecule.Validate);
        StringAssert.StartsWith(error.Message, "broken-42: ");
        StringAssert.Contains(error.Message, problem);
        Assert.AreEqual("broken-42", error.SystemName);
    }

    [TestMethod]
    public void AnUnknownAtomicNumberIsRejected()
    {
        var error = Assert.ThrowsExactly<SegnnInputException>(new Molecule("m", [6, 0], new double[6]).Validate);
        StringAssert.Contains(error.Message, "atom 1 has atomic number 0");
    }

    [TestMethod]
    public void FromFrameNamesTheMolecule()
    {
        const string text = "1\nname=benzene_7 gdb_id=9\nC 0 0 0\n1\ngdb_id=12 energy=3\nC 0 0 0\n1\n  a free comment \nN 0 0 0\n1\nProperties=species:S:1:pos:R:3\nO 0 0 1.5\n";
        var molecules = XyzReader.Read(new StringReader(text), "names.xyz").Select(Molecule.FromFrame).ToList();
        CollectionAssert.AreEqual(new[] { "benzene_7", "gdb_12", "a free comment", "frame 3" }, molecules.Select(m => m.Name).ToArray());
        CollectionAssert.AreEqual(new[] { 8 }, molecules[3].AtomicNumbers);
        CollectionAssert.AreEqual(new[] { 0.0, 0.0, 1.5 }, molecules[3].Positions);
        foreach (var molecule in molecules)
            molecule.Validate();
    }
}
