using Segnn.Runtime.Graphs;

namespace Segnn.Runtime.Tests.Graphs;

[TestClass]
public sealed class PeriodicNeighbourListTests
{
    private static readonly bool[] AllPeriodic = [true, true, true];

    [TestMethod]
    [DataRow(false, false, false)]
    [DataRow(true, false, false)]
    [DataRow(false, true, false)]
    [DataRow(false, false, true)]
    [DataRow(true, true, false)]
    [DataRow(true, false, true)]
    [DataRow(false, true, true)]
    [DataRow(true, true, true)]
    public void CellListEqualsBruteForceOnRandomTriclinicCells(bool pbc0, bool pbc1, bool pbc2)
    {
        bool[] pbc = [pbc0, pbc1, pbc2];
        var random = new Random(100 + (pbc0 ? 1 : 0) + (pbc1 ? 2 : 0) + (pbc2 ? 4 : 0));
        long edges = 0;
        for (int trial = 0; trial < 12; trial++)
        {
            double side = 3 + 7 * random.NextDouble();
            var cell = RandomCell(random, side, skew: 0.4, pbc);
            int atoms = random.Next(1, 45);
            // A third of the trials scatter atoms over several cells on every side: wrapping must fix up the shifts.
            double spread = trial % 3 == 0 ? 3 : 0;
            var positions = RandomPositionsIn(random, cell, atoms, spread);
            double cutoff = 1 + 5 * random.NextDouble();
            edges += CheckAgainstBruteForce(positions, cell, cutoff, $"trial {trial}, pbc {cell.PbcText}, {atoms} atoms, cutoff {cutoff:F3}");
        }

        Assert.IsGreaterThan(100L, edges, "the cases should exercise edges");
    }

    [TestMethod]
    [DataRow(200, 3.0, DisplayName = "diamond density, cutoff 3 (cutoff-sized cells)")]
    [DataRow(200, 6.0, DisplayName = "diamond density, cutoff 6 (half-cutoff cells)")]
    [DataRow(60, 9.0, DisplayName = "cutoff larger than the cell")]
    public void CellListEqualsBruteForceAtDiamondDensity(int atoms, double cutoff)
    {
        double box = Math.Cbrt(atoms / NeighbourListBenchmark.DiamondDensity);
        var cell = new PeriodicCell([box, 0, 0, 0, box, 0, 0, 0, box], AllPeriodic);
        var positions = NeighbourListBenchmark.RandomPositions(atoms, box, atoms);
        int edges = CheckAgainstBruteForce(positions, cell, cutoff, $"{atoms} atoms in a {box:F2} Å cube, cutoff {cutoff}");
        double expected = atoms * NeighbourListBenchmark.DiamondDensity * 4 * Math.PI / 3 * cutoff * cutoff * cutoff;
        Assert.AreEqual(expected, edges, 0.1 * expected, "a full sphere of neighbours around every atom");
    }

    [TestMethod]
    [DataRow(1.0, 5.0, 1, DisplayName = "1 Å cube, cutoff 5, one atom")]
    [DataRow(1.3, 6.0, 3, DisplayName = "1.3 Å triclinic, cutoff 6, three atoms")]
    [DataRow(2.0, 5.5, 5, DisplayName = "2 Å triclinic, cutoff 5.5, five atoms")]
    [DataRow(1.6, 6.0, 4, DisplayName = "1.6 Å triclinic, cutoff 6, four atoms")]
    public void TinyCellsMeetManyImages(double side, double cutoff, int atoms)
    {
        var random = new Random(atoms);
        var cell = atoms == 1 ? new PeriodicCell([side, 0, 0, 0, side, 0, 0, 0, side], AllPeriodic) : RandomCell(random, side, skew: 0.3, AllPeriodic);
        var positions = RandomPositionsIn(random, cell, atoms, spread: 1);
        CheckAgainstBruteForce(positions, cell, cutoff, $"{side} Å cell, cutoff {cutoff}");
        var edges = NeighbourList.Radius(positions, cell, cutoff);
        double volume = 4 * Math.PI / 3 * cutoff * cutoff * cutoff;
        double expected = atoms * atoms * volume / cell.Volume;
        Assert.AreEqual(expected, edges.Count, 0.15 * expected, "about N² · (4π/3)·cutoff³ / V edges when images fill the sphere");
    }

    [TestMethod]
    public void SingleAtomSeesExactlyItsLatticeWithinTheCutoff()
    {
        // One atom in a simple cubic cell of side 1.5 and cutoff 6: its neighbours are the lattice points n ≠ 0 with |n| ≤ 4.
        var cell = new PeriodicCell([1.5, 0, 0, 0, 1.5, 0, 0, 0, 1.5], AllPeriodic);
        double[] positions = [0.3, -0.2, 0.9];
        var edges = NeighbourList.Radius(positions, cell, 6.0);
        var expected = new HashSet<(int, int, int, int, int)>();
        for (int a = -4; a <= 4; a++)
        {
            for (int b = -4; b <= 4; b++)
            {
                for (int c = -4; c <= 4; c++)
                {
                    if (a * a + b * b + c * c <= 16 && (a, b, c) != (0, 0, 0))
                        expected.Add((0, 0, a, b, c));
                }
            }
        }

        Assert.IsTrue(expected.SetEquals(EdgeAssert.ImageEdges(edges).Keys), $"expected the {expected.Count} lattice points within 4 cells, found {edges.Count} edges");
        EdgeAssert.WellFormedPeriodic(edges, positions, cell, 6.0, "single atom");
        Assert.AreEqual(0, NeighbourList.Radius(positions, cell, 1.4).Count, "no image within a cutoff below the lattice spacing");
    }

    [TestMethod]
    public void StronglySkewedCellsAreExact()
    {
        // Lattice vectors 10–20° apart: plane spacings are a fraction of the vector lengths, so a cell list over the
        // vector lengths would miss images.
        var random = new Random(3);
        double[][] matrices =
        [
            [3, 0, 0, 2.9, 0.6, 0, 2.8, 0.4, 0.7],
            [5, 0, 0, -4.7, 1.2, 0, 0.3, -0.2, 2.5],
            [2, 1, 0.5, 2.2, 1.1, 0.9, 2.5, 0.6, 0.4],
        ];
        foreach (double[] matrix in matrices)
        {
            foreach (bool[] pbc in new[] { AllPeriodic, [true, true, false], [false, true, true] })
            {
                var cell = new PeriodicCell(matrix, pbc);
                var positions = RandomPositionsIn(random, cell, 12, spread: 1);
                CheckAgainstBruteForce(positions, cell, 3.5, $"skewed cell [{string.Join(", ", matrix)}], pbc {cell.PbcText}");
            }
        }
    }

    [TestMethod]
    public void AtomsFarOutsideTheCellGetShiftsForTheirGivenPositions()
    {
        var random = new Random(8);
        var cell = RandomCell(random, 6, skew: 0.3, AllPeriodic);
        var inside = RandomPositionsIn(random, cell, 30, spread: 0);
        var moved = (double[])inside.Clone();
        var offsets = new int[3 * 30];
        for (int i = 0; i < 30; i++)
        {
            for (int k = 0; k < 3; k++)
                offsets[3 * i + k] = random.Next(-2000, 2000);
            for (int c = 0; c < 3; c++)
            {
                for (int k = 0; k < 3; k++)
                    moved[3 * i + c] += offsets[3 * i + k] * cell[k, c];
            }
        }

        CheckAgainstBruteForce(moved, cell, 4.0, "atoms up to 2000 cells away");
        var near = NeighbourList.Radius(inside, cell, 4.0);
        var far = NeighbourList.Radius(moved, cell, 4.0);
        Assert.AreEqual(near.Count, far.Count);
        // Moving atom j by n_j cells changes the shift of edge j → i by n_i − n_j.
        var expected = new HashSet<(int, int, int, int, int)>();
        for (int e = 0; e < near.Count; e++)
        {
            int s = near.Senders[e], r = near.Receivers[e];
            expected.Add((s, r,
                near.Shifts![3 * e] - offsets[3 * s] + offsets[3 * r],
                near.Shifts[3 * e + 1] - offsets[3 * s + 1] + offsets[3 * r + 1],
                near.Shifts[3 * e + 2] - offsets[3 * s + 2] + offsets[3 * r + 2]));
        }

        Assert.IsTrue(expected.SetEquals(EdgeAssert.ImageEdges(far).Keys), "the shifts of moved atoms refer to where they are");
    }

    [TestMethod]
    [DataRow(0.0, DisplayName = "lattice at the origin")]
    [DataRow(-3.0, DisplayName = "lattice at -3")]
    [DataRow(1000.5, DisplayName = "lattice at 1000.5, hundreds of cells away")]
    public void AtomsExactlyAtTheCutoffAreNeighbours(double origin)
    {
        // A 4 × 4 × 3 simple cubic lattice with spacing 1.5 (= the cutoff) filling a periodic 6 × 6 × 4.5 cell: every
        // coordinate is an exact binary fraction, so each atom has exactly 6 neighbours at the cutoff, some across faces.
        const double spacing = 1.5;
        var cell = new PeriodicCell([4 * spacing, 0, 0, 0, 4 * spacing, 0, 0, 0, 3 * spacing], AllPeriodic);
        var positions = new double[3 * 48];
        for (int i = 0; i < 48; i++)
        {
            positions[3 * i] = origin + spacing * (i % 4);
            positions[3 * i + 1] = origin + spacing * (i / 4 % 4);
            positions[3 * i + 2] = origin + spacing * (i / 16);
        }

        foreach (var (name, edges) in new[]
        {
            ("cell list", NeighbourList.Radius(positions, cell, spacing)),
            ("brute force", NeighbourList.RadiusPeriodicBruteForce(positions, cell, spacing)),
        })
        {
            Assert.AreEqual(6 * 48, edges.Count, $"{name}: six neighbours each");
            for (int i = 0; i < 48; i++)
                Assert.AreEqual(6, edges.Receivers.Count(r => r == i), $"{name}: atom {i}");
            EdgeAssert.WellFormedPeriodic(edges, positions, cell, spacing, name);
        }

        Assert.AreEqual(0, NeighbourList.Radius(positions, cell, Math.BitDecrement(spacing)).Count, "just below the cutoff");
        Assert.AreEqual(0, NeighbourList.RadiusPeriodicBruteForce(positions, cell, Math.BitDecrement(spacing)).Count, "just below the cutoff");
    }

    [TestMethod]
    public void KnownCoordinationNumbers()
    {
        // fcc copper as its one-atom primitive cell (a = 3.61 Å): 12 nearest neighbours at a/√2 = 2.553 Å, 6 more at a.
        const double a = 3.61;
        var fcc = new PeriodicCell([0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0], AllPeriodic);
        Assert.AreEqual(12, NeighbourList.Radius([0.1, 0.2, 0.3], fcc, 3.0).Count);
        Assert.AreEqual(18, NeighbourList.Radius([0.1, 0.2, 0.3], fcc, 3.7).Count);

        // Diamond's 8-atom cubic cell (a = 3.567 Å): 4 neighbours at 1.545 Å, 12 more at 2.522 Å.
        const double d = 3.567;
        double[] fractions = [0, 0, 0, 0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0, 0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.25, 0.75, 0.75, 0.75, 0.25];
        var diamond = new PeriodicCell([d, 0, 0, 0, d, 0, 0, 0, d], AllPeriodic);
        double[] positions = fractions.Select(f => f * d).ToArray();
        var bonds = NeighbourList.Radius(positions, diamond, 1.6);
        Assert.AreEqual(8 * 4, bonds.Count);
        EdgeAssert.WellFormedPeriodic(bonds, positions, diamond, 1.6, "diamond bonds");
        Assert.AreEqual(8 * 16, NeighbourList.Radius(positions, diamond, 2.6).Count);
    }

    [TestMethod]
    public void DistancesPerAtomAreUnchangedByWrappingAndTranslation()
    {
        var random = new Random(21);
        foreach (bool[] pbc in new[] { AllPeriodic, [true, false, true] })
        {
            var cell = RandomCell(random, 7, skew: 0.35, pbc);
            var positions = RandomPositionsIn(random, cell, 40, spread: 0);
            var reference = EdgeAssert.DistancesPerAtom(NeighbourList.Radius(positions, cell, 4.5), positions, cell);

            var wrapped = (double[])positions.Clone();
            for (int i = 0; i < 40; i++)
            {
                for (int k = 0; k < 3; k++)
                {
                    int n = cell.Pbc[k] ? random.Next(-3, 4) : 0;
                    for (int c = 0; c < 3; c++)
                        wrapped[3 * i + c] += n * cell[k, c];
                }
            }

            var translated = positions.Select((x, i) => x + (i % 3 == 0 ? 13.7 : i % 3 == 1 ? -4.1 : 0.35)).ToArray();
            foreach (var (name, moved) in new[] { ("wrapped by lattice vectors", wrapped), ("translated", translated) })
            {
                var distances = EdgeAssert.DistancesPerAtom(NeighbourList.Radius(moved, cell, 4.5), moved, cell);
                for (int i = 0; i < 40; i++)
                    AssertSameDistances(reference[i], distances[i], $"pbc {cell.PbcText}, {name}, atom {i}");
            }
        }
    }

    [TestMethod]
    public void SupercellAtomsHaveThePrimitiveCellsNeighbours()
    {
        var random = new Random(5);
        var cell = RandomCell(random, 4, skew: 0.3, AllPeriodic);
        var positions = RandomPositionsIn(random, cell, 6, spread: 0);
        const double cutoff = 5.0;
        var primitive = EdgeAssert.DistancesPerAtom(NeighbourList.Radius(positions, cell, cutoff), positions, cell);

        // The 2 × 2 × 1 supercell: lattice vectors 0 and 1 doubled, four copies of each atom.
        var matrix = cell.Matrix.ToArray();
        for (int c = 0; c < 6; c++)
            matrix[c] *= 2;
        var supercell = new PeriodicCell(matrix, AllPeriodic);
        var copies = new double[4 * positions.Length];
        for (int copy = 0; copy < 4; copy++)
        {
            for (int i = 0; i < 6; i++)
            {
                for (int c = 0; c < 3; c++)
                    copies[3 * (6 * copy + i) + c] = positions[3 * i + c] + (copy % 2) * cell[0, c] + (copy / 2) * cell[1, c];
            }
        }

        var edges = NeighbourList.Radius(copies, supercell, cutoff);
        EdgeAssert.WellFormedPeriodic(edges, copies, supercell, cutoff, "supercell");
        var distances = EdgeAssert.DistancesPerAtom(edges, copies, supercell);
        for (int atom = 0; atom < 24; atom++)
            AssertSameDistances(primitive[atom % 6], distances[atom], $"supercell atom {atom}");
    }

    [TestMethod]
    public void WithoutPeriodicAxesItIsTheOpenRadiusGraphWithZeroShifts()
    {
        var positions = NeighbourListBenchmark.RandomPositions(300, 15, 4);
        var cell = new PeriodicCell([5, 0, 0, 0, 5, 0, 0, 0, 5], [false, false, false]);
        var periodic = NeighbourList.Radius(positions, cell, 3.0);
        EdgeAssert.SameEdges(NeighbourList.Radius(positions, 3.0), periodic, "pbc F F F");
        Assert.IsNotNull(periodic.Shifts);
        Assert.IsTrue(periodic.Shifts.All(s => s == 0), "no periodic axis, no shift");
    }

    [TestMethod]
    public void EmptyResultsStillCarryShifts()
    {
        var cell = new PeriodicCell([3, 0, 0, 0, 3, 0, 0, 0, 3], [true, false, false]);
        foreach (var edges in new[]
        {
            NeighbourList.Radius([], cell, 2.0),
            NeighbourList.Radius([0, 0, 0, 0, 10, 0], cell, 2.0),
            NeighbourList.RadiusPeriodicBruteForce([0, 0, 0, 0, 10, 0], cell, 2.0),
        })
        {
            Assert.AreEqual(0, edges.Count);
            Assert.AreSame(EdgeList.EmptyPeriodic, edges);
        }
    }

    [TestMethod]
    public void TheOrderIsDeterministic()
    {
        var random = new Random(2);
        var cell = RandomCell(random, 5, skew: 0.3, AllPeriodic);
        var positions = RandomPositionsIn(random, cell, 200, spread: 1);
        var first = NeighbourList.Radius(positions, cell, 3.0);
        var second = NeighbourList.Radius(positions, cell, 3.0);
        CollectionAssert.AreEqual(first.Senders, second.Senders);
        CollectionAssert.AreEqual(first.Receivers, second.Receivers);
        CollectionAssert.AreEqual(first.Shifts, second.Shifts);
        EdgeAssert.WellFormedPeriodic(first, positions, cell, 3.0, "200 atoms");
    }

    [TestMethod]
    public void InvalidInputIsRejected()
    {
        var cell = new PeriodicCell([3, 0, 0, 0, 3, 0, 0, 0, 3], AllPeriodic);
        double[] nan = [0, 0, 0, 1, 1, 1, 2, double.NaN, 2];
        double[] inf = [double.PositiveInfinity, 0, 0];
        double[] ragged = [0, 0, 0, 1];
        double[] farAway = [0, 0, 0, 3e9, 0, 0];
        foreach (var build in new Func<double[], PeriodicCell?, double, EdgeList>[]
        {
            (p, c, r) => NeighbourList.Radius(p, c!, r),
            (p, c, r) => NeighbourList.RadiusPeriodicBruteForce(p, c!, r),
        })
        {
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => build(nan, cell, 2)).Message, "atom 2");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => build(inf, cell, 2)).Message, "atom 0");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => build(ragged, cell, 2)).Message, "multiple of 3");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => build(farAway, cell, 2)).Message, "atom 1");
            Assert.ThrowsExactly<ArgumentNullException>(() => build([0, 0, 0], null, 2));
            foreach (double cutoff in new[] { 0.0, -1.0, double.NaN, double.PositiveInfinity })
                Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => build([0, 0, 0], cell, cutoff), $"cutoff {cutoff}");
            // A 0.01 Å cell with a 10 Å cutoff needs 2000³ images: refused before any of them is built.
            var tiny = new PeriodicCell([0.01, 0, 0, 0, 0.01, 0, 0, 0, 0.01], AllPeriodic);
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => build([0, 0, 0], tiny, 10)).Message, "image");
        }

        // Along non-periodic axes the atoms may be far apart, but not beyond what single precision can hold.
        var open = new PeriodicCell([3, 0, 0, 0, 3, 0, 0, 0, 3], [false, false, false]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => NeighbourList.Radius([0, 0, 0, 0, 0, 1e35], open, 2)).Message, "span");

        // 4000 atoms in a 4 Å cell with a 12 Å cutoff: 2 million images, but about 1.8 billion edges.
        var crowded = NeighbourListBenchmark.RandomPositions(4000, 4, 1);
        var small = new PeriodicCell([4, 0, 0, 0, 4, 0, 0, 0, 4], AllPeriodic);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NeighbourList.Radius(crowded, small, 12)).Message, "edges");
    }

    [TestMethod]
    public void PeriodicBenchmarkCountsTheSameEdgesAsBruteForce()
    {
        var result = NeighbourListBenchmark.RunPeriodic(400, NeighbourListBenchmark.DiamondDensity, 3.0, repeats: 3, seed: 9);
        Assert.AreEqual(NeighbourListMethod.Periodic, result.Method);
        var positions = NeighbourListBenchmark.RandomPositions(400, result.BoxLength, 9);
        double box = result.BoxLength;
        var cell = new PeriodicCell([box, 0, 0, 0, box, 0, 0, 0, box], AllPeriodic);
        Assert.AreEqual(NeighbourList.RadiusPeriodicBruteForce(positions, cell, 3.0).Count, result.Edges);
        // No surface: every atom has a full sphere of neighbours, about density · 4π/3 · 27 ≈ 19.9.
        Assert.AreEqual(NeighbourListBenchmark.DiamondDensity * 4 * Math.PI / 3 * 27, result.MeanNeighbours, 1.5);
    }

    private static int CheckAgainstBruteForce(double[] positions, PeriodicCell cell, double cutoff, string context)
    {
        var brute = NeighbourList.RadiusPeriodicBruteForce(positions, cell, cutoff);
        var cells = NeighbourList.Radius(positions, cell, cutoff);
        EdgeAssert.WellFormedPeriodic(brute, positions, cell, cutoff, $"{context}: brute force");
        EdgeAssert.WellFormedPeriodic(cells, positions, cell, cutoff, $"{context}: cell list");
        EdgeAssert.SameImageEdges(brute, cells, context);
        return cells.Count;
    }

    // A random cell: the diagonal near `side`, off-diagonal entries up to ±skew·side.
    private static PeriodicCell RandomCell(Random random, double side, double skew, bool[] pbc)
    {
        while (true)
        {
            var m = new double[9];
            for (int i = 0; i < 9; i++)
                m[i] = (i % 4 == 0 ? side * (0.8 + 0.4 * random.NextDouble()) : 0) + skew * side * (2 * random.NextDouble() - 1);
            if (PeriodicCell.TryValidate(m, pbc, out _) && Math.Abs(Det(m)) > 0.2 * side * side * side)
                return new PeriodicCell(m, pbc);
        }
    }

    // Atoms at fractional coordinates uniform in [−spread, 1 + spread)³ of the cell.
    private static double[] RandomPositionsIn(Random random, PeriodicCell cell, int atoms, double spread)
    {
        var positions = new double[3 * atoms];
        for (int i = 0; i < atoms; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                double f = -spread + (1 + 2 * spread) * random.NextDouble();
                for (int c = 0; c < 3; c++)
                    positions[3 * i + c] += f * cell[k, c];
            }
        }

        return positions;
    }

    private static double Det(double[] m) =>
        m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);

    private static void AssertSameDistances(double[] expected, double[] actual, string context)
    {
        Assert.HasCount(expected.Length, actual, $"{context}: neighbour count");
        for (int n = 0; n < expected.Length; n++)
            Assert.AreEqual(expected[n], actual[n], 1e-9, $"{context}: neighbour {n}");
    }
}
