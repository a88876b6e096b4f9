using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tests;

namespace Segnn.Runtime.Tests.Graphs;

[TestClass]
public sealed class NeighbourListTests
{
    [TestMethod]
    [DataRow(1, 10.0, 3.0, 1, false, DisplayName = "one atom")]
    [DataRow(2, 1.0, 3.0, 2, true, DisplayName = "tiny: two atoms")]
    [DataRow(7, 2.0, 1.0, 3, true, DisplayName = "tiny: seven atoms")]
    [DataRow(300, 15.0, 3.0, 4, true, DisplayName = "molecular density, cutoff 3")]
    [DataRow(2000, 22.5, 3.0, 5, true, DisplayName = "diamond density, cutoff 3")]
    [DataRow(2000, 22.5, 5.5, 6, true, DisplayName = "diamond density, cutoff 5.5")]
    [DataRow(1000, 10.0, 0.7, 7, true, DisplayName = "dense, short cutoff")]
    [DataRow(400, 8.0, 20.0, 8, true, DisplayName = "cutoff larger than the box")]
    [DataRow(500, 1000.0, 3.0, 9, false, DisplayName = "sparse: 500 atoms in 1000 Å")]
    [DataRow(3000, 300.0, 12.0, 10, true, DisplayName = "sparse with long cutoff")]
    public void CellListEqualsBruteForceOnRandomBoxes(int atoms, double box, double cutoff, int seed, bool expectEdges)
    {
        var positions = NeighbourListBenchmark.RandomPositions(atoms, box, seed);
        var brute = NeighbourList.RadiusBruteForce(positions, cutoff);
        var cells = NeighbourList.RadiusCellList(positions, cutoff);
        EdgeAssert.WellFormed(brute, atoms, "brute force");
        EdgeAssert.WellFormed(cells, atoms, "cell list");
        EdgeAssert.SameEdges(brute, cells, $"{atoms} atoms in {box} Å, cutoff {cutoff}");
        EdgeAssert.SameEdges(brute, NeighbourList.Radius(positions, cutoff), "Radius");
        if (expectEdges)
            Assert.IsGreaterThan(0, brute.Count, "the case should exercise some edges");
    }

    [TestMethod]
    public void CellListEqualsBruteForceOnDegenerateGeometries()
    {
        var random = new Random(11);
        var cases = new Dictionary<string, double[]>
        {
            ["two clusters 1e6 Å apart"] = Build(400, i => i < 200
                ? (random.NextDouble() * 6, random.NextDouble() * 6, random.NextDouble() * 6)
                : (1e6 + random.NextDouble() * 6, -1e6 + random.NextDouble() * 6, random.NextDouble() * 6)),
            ["flat sheet"] = Build(600, _ => (random.NextDouble() * 30, random.NextDouble() * 30, 0.0)),
            ["line"] = Build(600, _ => (random.NextDouble() * 400, 2.0, -5.0)),
            ["far from the origin"] = Build(500, _ => (-1e4 + random.NextDouble() * 15, 3e5 + random.NextDouble() * 15, random.NextDouble() * 15)),
            ["all atoms on one point"] = Build(90, _ => (1.25, -3.5, 7.0)),
            ["near the largest doubles"] = Build(100, i => (i % 2 == 0 ? 1.7e308 : -1.7e308, i * 0.5, 0.0)),
        };
        foreach (var (name, positions) in cases)
        {
            var brute = NeighbourList.RadiusBruteForce(positions, 2.5);
            var cells = NeighbourList.RadiusCellList(positions, 2.5);
            EdgeAssert.WellFormed(cells, positions.Length / 3, name);
            EdgeAssert.SameEdges(brute, cells, name);
        }

        int n = cases["all atoms on one point"].Length / 3;
        Assert.AreEqual(n * (n - 1), NeighbourList.RadiusCellList(cases["all atoms on one point"], 0.1).Count, "coincident atoms are all neighbours");
    }

    [TestMethod]
    public void CellListEqualsBruteForceOnQm9Molecules()
    {
        string path = SharedData.Require("data/qm9/geometries/qm9_geometries_part00.xyz.gz");
        int molecules = 0;
        long edges = 0;
        foreach (var frame in XyzReader.ReadFile(path).Take(1000))
        {
            var brute = NeighbourList.RadiusBruteForce(frame.Positions, 2.0);
            var cells = NeighbourList.RadiusCellList(frame.Positions, 2.0);
            EdgeAssert.WellFormed(cells, frame.AtomCount, frame.Info["name"]);
            EdgeAssert.SameEdges(brute, cells, frame.Info["name"]);
            EdgeAssert.SameEdges(brute, NeighbourList.Radius(frame.Positions, 2.0), frame.Info["name"]);
            molecules++;
            edges += cells.Count;
        }

        Assert.AreEqual(1000, molecules);
        Assert.IsGreaterThan(10_000L, edges, "bonded neighbours at 2 Å");
    }

    [TestMethod]
    [DataRow(0.0, DisplayName = "lattice at the origin")]
    [DataRow(-3.0, DisplayName = "lattice at -3")]
    [DataRow(1000.5, DisplayName = "lattice at 1000.5")]
    public void AtomsExactlyAtTheCutoffAreNeighbours(double origin)
    {
        // A 4x4x4 cubic lattice with spacing equal to the cutoff; all coordinates are exact binary fractions, so the
        // nearest neighbours sit exactly at the cutoff and the diagonals (1.5·√2) are beyond it.
        const int side = 4;
        const double spacing = 1.5;
        var positions = new double[3 * side * side * side];
        for (int i = 0; i < side * side * side; i++)
        {
            positions[3 * i] = origin + spacing * (i % side);
            positions[3 * i + 1] = origin + spacing * (i / side % side);
            positions[3 * i + 2] = origin + spacing * (i / (side * side));
        }

        var expected = new HashSet<(int, int)>();
        for (int a = 0; a < side * side * side; a++)
        {
            for (int b = 0; b < side * side * side; b++)
            {
                int manhattan = Math.Abs(a % side - b % side) + Math.Abs(a / side % side - b / side % side) + Math.Abs(a / (side * side) - b / (side * side));
                if (manhattan == 1)
                    expected.Add((b, a));
            }
        }

        Assert.HasCount(2 * 3 * side * side * (side - 1), expected);
        foreach (var (name, edges) in new[]
        {
            ("brute force", NeighbourList.RadiusBruteForce(positions, spacing)),
            ("cell list", NeighbourList.RadiusCellList(positions, spacing)),
            ("auto", NeighbourList.Radius(positions, spacing)),
        })
        {
            Assert.IsTrue(expected.SetEquals(EdgeAssert.Pairs(edges)), $"{name}: expected exactly the {expected.Count} nearest-neighbour edges, found {edges.Count}");
        }

        Assert.AreEqual(0, NeighbourList.RadiusCellList(positions, Math.BitDecrement(spacing)).Count, "just below the cutoff");
        Assert.AreEqual(0, NeighbourList.RadiusBruteForce(positions, Math.BitDecrement(spacing)).Count, "just below the cutoff");
    }

    [TestMethod]
    public void APairExactlyAtTheCutoffAlongADiagonalIsIncluded()
    {
        double[] positions = [0, 0, 0, 3, 4, 0, 30, 40, 0];
        foreach (var edges in new[] { NeighbourList.RadiusBruteForce(positions, 5), NeighbourList.RadiusCellList(positions, 5) })
            CollectionAssert.AreEquivalent(new[] { (1, 0), (0, 1) }, EdgeAssert.Pairs(edges).ToArray());
    }

    [TestMethod]
    public void FullyConnectedHasEveryOrderedPairOnce()
    {
        foreach (int n in new[] { 0, 1, 2, 7, 30 })
        {
            var edges = NeighbourList.FullyConnected(n);
            EdgeAssert.WellFormed(edges, n, $"fully connected {n}");
            Assert.AreEqual(n * (n - 1), edges.Count, $"n = {n}");
            var pairs = EdgeAssert.Pairs(edges);
            for (int s = 0; s < n; s++)
            {
                for (int r = 0; r < n; r++)
                    Assert.AreEqual(s != r, pairs.Contains((s, r)), $"n = {n}: edge {s} -> {r}");
            }
        }

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NeighbourList.FullyConnected(-1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NeighbourList.FullyConnected(100_000));
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    [DataRow(8)]
    [DataRow(59)]
    [DataRow(500)]
    public void KNearestEqualsABruteForceSort(int k)
    {
        // Integer coordinates in a small box make many equal distances, so the tie rule (lower index first) matters.
        var random = new Random(k);
        const int n = 60;
        var positions = new double[3 * n];
        for (int i = 0; i < positions.Length; i++)
            positions[i] = random.Next(0, 5);

        var edges = NeighbourList.KNearest(positions, k);
        EdgeAssert.WellFormed(edges, n, $"k = {k}");
        int per = Math.Min(k, n - 1);
        Assert.AreEqual(n * per, edges.Count);
        for (int r = 0; r < n; r++)
        {
            var expected = Enumerable.Range(0, n)
                .Where(s => s != r)
                .OrderBy(s => Distance2(positions, s, r))
                .ThenBy(s => s)
                .Take(per)
                .ToArray();
            CollectionAssert.AreEqual(expected, edges.Senders.AsSpan(r * per, per).ToArray(), $"receiver {r}");
        }
    }

    [TestMethod]
    public void KNearestBreaksTiesByTheLowerIndex()
    {
        double[] positions = [0, 0, 0, 1, 0, 0, -1, 0, 0];
        var edges = NeighbourList.KNearest(positions, 1);
        CollectionAssert.AreEqual(new[] { 1, 0, 0 }, edges.Senders);
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, edges.Receivers);
        Assert.AreEqual(0, NeighbourList.KNearest([1.0, 2.0, 3.0], 4).Count, "one atom has no neighbours");
    }

    [TestMethod]
    public void InvalidInputIsRejected()
    {
        double[] good = [0, 0, 0, 1, 1, 1];
        double[] nan = [0, 0, 0, 1, 1, 1, 2, double.NaN, 2];
        double[] inf = [double.PositiveInfinity, 0, 0];
        double[] ragged = [0, 0, 0, 1];
        foreach (var build in new Func<double[], EdgeList>[]
        {
            p => NeighbourList.Radius(p, 2),
            p => NeighbourList.RadiusBruteForce(p, 2),
            p => NeighbourList.RadiusCellList(p, 2),
            p => NeighbourList.KNearest(p, 2),
        })
        {
            var error = Assert.ThrowsExactly<ArgumentException>(() => build(nan));
            StringAssert.Contains(error.Message, "atom 2");
            error = Assert.ThrowsExactly<ArgumentException>(() => build(inf));
            StringAssert.Contains(error.Message, "atom 0");
            error = Assert.ThrowsExactly<ArgumentException>(() => build(ragged));
            StringAssert.Contains(error.Message, "multiple of 3");
            Assert.AreEqual(2, build(good).Count);
        }

        foreach (double cutoff in new[] { 0.0, -1.0, double.NaN, double.PositiveInfinity })
        {
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NeighbourList.Radius(good, cutoff), $"cutoff {cutoff}");
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NeighbourList.RadiusBruteForce(good, cutoff), $"cutoff {cutoff}");
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NeighbourList.RadiusCellList(good, cutoff), $"cutoff {cutoff}");
        }

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NeighbourList.KNearest(good, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NeighbourList.KNearest(good, -3));
    }

    [TestMethod]
    public void FarApartAtomsDoNotAllocateAHugeGrid()
    {
        // Cutoff-sized cells would number (1e6 / 1e-3)³ here; the cell list must stay within a small multiple of N.
        double[] pair = [0, 0, 0, 1e6, 1e6, 1e6];
        var spread = NeighbourListBenchmark.RandomPositions(2000, 1e8, 3);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.AreEqual(0, NeighbourList.RadiusCellList(pair, 1e-3).Count);
        Assert.AreEqual(0, NeighbourList.RadiusCellList(spread, 0.5).Count);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.IsLessThan(4L << 20, allocated, $"allocated {allocated} bytes");
    }

    [TestMethod]
    public void BenchmarkCountsTheSameEdgesAsBruteForce()
    {
        var result = NeighbourListBenchmark.Run(1500, NeighbourListBenchmark.DiamondDensity, 3.0, repeats: 3, seed: 7);
        var positions = NeighbourListBenchmark.RandomPositions(1500, result.BoxLength, 7);
        Assert.AreEqual(NeighbourList.RadiusBruteForce(positions, 3.0).Count, result.Edges);
        Assert.AreEqual(Math.Cbrt(1500 / NeighbourListBenchmark.DiamondDensity), result.BoxLength, 1e-9);
        Assert.IsTrue(result.MinMilliseconds > 0 && result.MinMilliseconds <= result.MedianMilliseconds && result.MedianMilliseconds <= result.MaxMilliseconds,
            $"timings {result.MinMilliseconds} / {result.MedianMilliseconds} / {result.MaxMilliseconds}");
        Assert.AreEqual(3, result.Repeats);
    }

    [TestMethod]
    public void EdgeListChecksItsInvariants()
    {
        var edges = new EdgeList([1, 0, 2], [0, 1, 1]);
        Assert.AreEqual(3, edges.Count);
        Assert.ThrowsExactly<ArgumentException>(() => new EdgeList([1, 0], [0]));
        Assert.ThrowsExactly<ArgumentException>(() => new EdgeList([1, 0], [1, 0]));
        Assert.ThrowsExactly<ArgumentException>(() => new EdgeList([-1], [0]));
    }

    private static double[] Build(int atoms, Func<int, (double X, double Y, double Z)> place)
    {
        var positions = new double[3 * atoms];
        for (int i = 0; i < atoms; i++)
            (positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]) = place(i);
        return positions;
    }

    private static double Distance2(double[] p, int s, int r)
    {
        double dx = p[3 * s] - p[3 * r], dy = p[3 * s + 1] - p[3 * r + 1], dz = p[3 * s + 2] - p[3 * r + 2];
        return dx * dx + dy * dy + dz * dz;
    }
}
