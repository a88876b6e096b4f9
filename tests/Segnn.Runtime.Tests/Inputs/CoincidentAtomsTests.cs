using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tests;

namespace Segnn.Runtime.Tests.Inputs;

/// <summary>Two atoms at (nearly) the same position, directly or through a periodic image, are refused by name.</summary>
[TestClass]
public sealed class CoincidentAtomsTests
{
    // A skewed cell, so that fractional and Cartesian directions differ.
    private static readonly double[] Skewed = [9.0, 0.0, 0.0, 3.1, 8.2, 0.0, -1.4, 0.9, 10.5];

    [TestMethod]
    public void AMoleculeWithAnAtomGivenTwiceIsRefusedNamingBoth()
    {
        var water = new Molecule("wet", [8, 1, 1, 1], [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0, 0.96, 0.00002, 0]);
        var error = Assert.ThrowsExactly<SegnnInputException>(water.Validate);
        Assert.AreEqual("wet", error.SystemName);
        StringAssert.Contains(error.Message, "atoms 1 (H) and 3 (H) are at the same position");
        StringAssert.Contains(error.Message, "2E-05 Å apart");

        // Just beyond the tolerance is two atoms (nonsense chemistry, but not this check's business).
        new Molecule("close", [1, 1], [0, 0, 0, 0, 0, 1.01 * Molecule.CoincidenceTolerance]).Validate();
        Assert.ThrowsExactly<SegnnInputException>(new Molecule("closer", [1, 1], [0, 0, 0, 0, 0, 0.99 * Molecule.CoincidenceTolerance]).Validate);
    }

    [TestMethod]
    [DataRow(30, DisplayName = "every pair")]
    [DataRow(3000, DisplayName = "grid")]
    public void LargeAndSmallMoleculesFindThePlantedPair(int atoms)
    {
        var (z, positions) = RandomAtoms(atoms, 1.2 * Math.Cbrt(atoms), seed: atoms);
        new Molecule("random", z, positions).Validate();

        int first = atoms / 3, second = 2 * atoms / 3;
        for (int c = 0; c < 3; c++)
            positions[3 * second + c] = positions[3 * first + c] + (c == 1 ? 3e-5 : 0);
        var error = Assert.ThrowsExactly<SegnnInputException>(new Molecule("random", z, positions).Validate);
        StringAssert.Contains(error.Message, $"atoms {first} (");
        StringAssert.Contains(error.Message, $") and {second} (");
    }

    [TestMethod]
    public void AFlatLargeMoleculePassesAndItsDuplicateIsFound()
    {
        // 2500 atoms on a 50 × 50 grid in the plane x = 0 (a sort along x would see them all at once).
        int n = 2500;
        var positions = new double[3 * n];
        for (int i = 0; i < n; i++)
        {
            positions[3 * i + 1] = 1.4 * (i % 50);
            positions[3 * i + 2] = 1.4 * (i / 50);
        }

        var z = Enumerable.Repeat(6, n).ToArray();
        new Molecule("graphene-ish", z, positions).Validate();
        positions[3 * 2499 + 1] = positions[3 * 17 + 1] + 1e-9;
        positions[3 * 2499 + 2] = positions[3 * 17 + 2];
        StringAssert.Contains(Assert.ThrowsExactly<SegnnInputException>(new Molecule("graphene-ish", z, positions).Validate).Message, "atoms 17 (C) and 2499 (C)");
    }

    [TestMethod]
    [DataRow(20, DisplayName = "every pair")]
    [DataRow(1500, DisplayName = "grid")]
    public void AnAtomOnAnotherAtomsImageAcrossAnyFaceEdgeOrCornerIsRefused(int atoms)
    {
        var cell = new PeriodicCell(Skewed, [true, true, true]);
        var rng = new Random(atoms);
        int checkedShifts = 0;
        for (int s0 = -1; s0 <= 1; s0++)
        {
            for (int s1 = -1; s1 <= 1; s1++)
            {
                for (int s2 = -1; s2 <= 1; s2++)
                {
                    if (s0 == 0 && s1 == 0 && s2 == 0)
                        continue;
                    int[] shift = [s0, s1, s2];
                    var fractional = RandomFractional(atoms, rng);
                    int a = atoms / 4, b = 3 * atoms / 4;
                    // Atom a at atom b + shift·cell, both inside the cell: along a shifted axis, b sits just inside
                    // one face and a just inside the opposite one.
                    for (int k = 0; k < 3; k++)
                    {
                        double mid = 0.3 + 0.4 * rng.NextDouble();
                        fractional[3 * b + k] = shift[k] switch { 1 => 2e-7, -1 => 1 - 2e-7, _ => mid };
                        fractional[3 * a + k] = shift[k] switch { 1 => 1 - 1e-7, -1 => 1e-7, _ => mid + 1e-7 };
                    }

                    var structure = Structure(fractional, cell);
                    var error = Assert.ThrowsExactly<SegnnInputException>(structure.Validate, $"shift ({s0}, {s1}, {s2})");
                    StringAssert.Contains(error.Message, $"atom {a} (Cu) and the image of atom {b} (Cu) shifted by ({s0}, {s1}, {s2}) lattice vectors are at the same position");

                    // Along a non-periodic axis the image does not exist.
                    int open = Array.FindIndex(shift, s => s != 0);
                    bool[] pbc = [true, true, true];
                    pbc[open] = false;
                    Structure(fractional, new PeriodicCell(Skewed, pbc)).Validate();
                    checkedShifts++;
                }
            }
        }

        Assert.AreEqual(26, checkedShifts);
    }

    [TestMethod]
    [DataRow(20, DisplayName = "every pair")]
    [DataRow(1500, DisplayName = "grid")]
    public void PositionsOutsideTheCellAreComparedThroughTheirImages(int atoms)
    {
        var cell = new PeriodicCell(Skewed, [true, true, false]);
        var fractional = RandomFractional(atoms, new Random(7));
        Structure(fractional, cell).Validate();
        int a = 3, b = atoms - 2;
        // Atom b far outside the cell (3 cells along a, -2 along b), on top of atom a's image.
        fractional[3 * b] = fractional[3 * a] + 3;
        fractional[3 * b + 1] = fractional[3 * a + 1] - 2;
        fractional[3 * b + 2] = fractional[3 * a + 2] + 1e-7;
        var error = Assert.ThrowsExactly<SegnnInputException>(Structure(fractional, cell).Validate);
        StringAssert.Contains(error.Message, $"atom {a} (Cu) and the image of atom {b} (Cu) shifted by (-3, 2, 0) lattice vectors");

        // Shifted along the open axis instead, it is another place.
        fractional[3 * b] = fractional[3 * a];
        fractional[3 * b + 1] = fractional[3 * a + 1];
        fractional[3 * b + 2] = fractional[3 * a + 2] + 1;
        Structure(fractional, cell).Validate();
    }

    [TestMethod]
    public void AtomsOnTheCellFacesOfASlabAreNotTheirOwnImages()
    {
        // An fcc(100)-like slab whose atoms sit exactly on the faces x = 0 and y = 0 of the cell.
        int nx = 10, ny = 10, layers = 4;
        double a = 2.55;
        var positions = new List<double>();
        for (int l = 0; l < layers; l++)
        {
            for (int i = 0; i < nx; i++)
            {
                for (int j = 0; j < ny; j++)
                {
                    double shift = l % 2 == 0 ? 0 : a / 2;
                    positions.AddRange([i * a + shift, j * a + shift, 5 + 1.8 * l]);
                }
            }
        }

        var cell = new PeriodicCell([nx * a, 0, 0, 0, ny * a, 0, 0, 0, 25], [true, true, false]);
        int n = positions.Count / 3;
        new PeriodicStructure("slab", Enumerable.Repeat(29, n).ToArray(), positions.ToArray(), cell).Validate();
        var small = new PeriodicCell([2 * a, 0, 0, 0, 2 * a, 0, 0, 0, 25], [true, true, false]);
        new PeriodicStructure("small slab", [29, 29, 29, 29], [0, 0, 5, a, 0, 5, 0, a, 5, a, a, 5], small).Validate();

        // One more atom exactly one cell vector away from atom 0 is atom 0 again.
        positions.AddRange([nx * a, 0, 5]);
        var error = Assert.ThrowsExactly<SegnnInputException>(new PeriodicStructure("slab", Enumerable.Repeat(29, n + 1).ToArray(), positions.ToArray(), cell).Validate);
        StringAssert.Contains(error.Message, $"atom 0 (Cu) and the image of atom {n} (Cu) shifted by (-1, 0, 0) lattice vectors");
    }

    [TestMethod]
    public void AllQm9MoleculesPass()
    {
        string folder = SharedData.Require("data/qm9/geometries");
        int count = 0;
        foreach (string part in Directory.GetFiles(folder, "qm9_geometries_part*.xyz.gz"))
        {
            foreach (var frame in XyzReader.ReadFile(part))
            {
                Molecule.FromFrame(frame).Validate();
                count++;
            }
        }

        foreach (var frame in XyzReader.ReadFile(SharedData.Require("data/qm9/standard-100/qm9_reduced_100.xyz")))
            Molecule.FromFrame(frame).Validate();
        Assert.AreEqual(128_744, count);
    }

    private static PeriodicStructure Structure(double[] fractional, PeriodicCell cell)
    {
        int n = fractional.Length / 3;
        var positions = new double[3 * n];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < 3; c++)
                positions[3 * i + c] = fractional[3 * i] * cell[0, c] + fractional[3 * i + 1] * cell[1, c] + fractional[3 * i + 2] * cell[2, c];
        }

        return new PeriodicStructure("cu", Enumerable.Repeat(29, n).ToArray(), positions, cell);
    }

    // Atoms in the cell, at least ~0.01 (fractional) from each other and from the faces.
    private static double[] RandomFractional(int n, Random rng)
    {
        var f = new double[3 * n];
        for (int i = 0; i < 3 * n; i++)
            f[i] = 0.01 + 0.98 * rng.NextDouble();
        return f;
    }

    private static (int[] Z, double[] Positions) RandomAtoms(int n, double box, int seed)
    {
        var rng = new Random(seed);
        var positions = new double[3 * n];
        for (int i = 0; i < positions.Length; i++)
            positions[i] = box * rng.NextDouble();
        return (Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 6 : 1).ToArray(), positions);
    }
}
