using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tasks;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Tasks;

/// <summary>
/// A periodic structure is the same physical system under wrapping atoms across a periodic boundary, translating it,
/// rotating cell and positions together, choosing another cell of the same lattice, and taking a supercell (whose
/// extensive energy is the cell's times the number of copies). The model's prediction must not tell them apart.
/// </summary>
[TestClass]
public sealed class PeriodicInvarianceTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    private static SegnnModel Model(ModelConfig config)
    {
        manual_seed(3);
        return new SegnnModel(config with { DType = Precision.Float64, Layers = 2, HiddenFeatures = 24 });
    }

    private static double[] Predict(SegnnModel model, params PeriodicStructure[] structures)
    {
        var batch = new BatchBuilder();
        foreach (PeriodicStructure s in structures)
            batch.Add(s.Positions, NeighbourList.Radius(s.Positions, s.Cell, model.Config.Cutoff!.Value), atomicNumbers: s.AtomicNumbers,
                tags: model.Config.TagFeatures ? s.Tags : default, cell: s.Cell);
        using var predictor = new TorchPredictor(model);
        return predictor.PredictColumns(batch);
    }

    private static PeriodicStructure Slab(int seed) =>
        SyntheticSystems.FccSlab(new Random(seed), [29, 78], 3.7, 2, 2, 3, adsorbate: [6, 8]);

    private static PeriodicStructure Bulk(int seed) => SyntheticSystems.FccBulk(new Random(seed), [29, 47], 3.8, 2, rattle: 0.1);

    private static double[] Vector(PeriodicCell cell, int k) => [cell[k, 0], cell[k, 1], cell[k, 2]];

    private static PeriodicStructure Move(PeriodicStructure s, Func<int, double[], double[]> move)
    {
        var p = new double[s.Positions.Length];
        for (int i = 0; i < s.AtomCount; i++) move(i, s.Positions[(3 * i)..(3 * i + 3)]).CopyTo(p, 3 * i);
        return s with { Positions = p };
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], tolerance * Math.Max(1, Math.Abs(expected[i])), $"{what}: value {i}");
    }

    public static IEnumerable<object[]> Cases =>
    [
        [Is2reTask.Id.Name],
        [BulkEnergyTask.Id.Name],
    ];

    private static (SegnnModel Model, PeriodicStructure Structure) Case(string task)
    {
        SegnnTask t = TaskRegistry.Parse(task);
        return (Model(t.DefaultConfig()), task == Is2reTask.Id.Name ? Slab(5) : Bulk(5));
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void WrappingTranslatingAndRotatingDoNotChangeTheEnergy(string task)
    {
        var (model, s) = Case(task);
        double[] reference = Predict(model, s);
        Assert.IsTrue(reference.All(double.IsFinite));

        // every other atom moved by a (periodic) lattice vector: the same structure
        var wrapped = Move(s, (i, p) =>
        {
            if (i % 2 == 1) return p;
            int k = i % 4 == 0 ? 0 : 1;
            double[] a = Vector(s.Cell, k);
            return [p[0] + a[0] * (k + 1), p[1] + a[1] * (k + 1), p[2] + a[2] * (k + 1)];
        });
        AssertClose(reference, Predict(model, wrapped), 1e-10, "wrapped");
        AssertClose(reference, Predict(model, Move(s, (_, p) => [p[0] + 0.37, p[1] - 1.9, p[2] + 0.6])), 1e-10, "translated");

        var rotation = Rotation.Random(new Random(9));
        (double, double, double) R(double x, double y, double z) => rotation.Apply(x, y, z);
        double[] cell = new double[9];
        for (int k = 0; k < 3; k++) (cell[3 * k], cell[3 * k + 1], cell[3 * k + 2]) = R(s.Cell[k, 0], s.Cell[k, 1], s.Cell[k, 2]);
        var rotated = Move(s, (_, p) => { var (x, y, z) = R(p[0], p[1], p[2]); return [x, y, z]; }) with { Cell = new PeriodicCell(cell, s.Cell.Pbc) };
        AssertClose(reference, Predict(model, rotated), 1e-10, "rotated with its cell");
        var inverted = Move(s, (_, p) => [-p[0], -p[1], -p[2]]) with { Cell = new PeriodicCell(s.Cell.Matrix.ToArray().Select(v => -v).ToArray(), s.Cell.Pbc) };
        AssertClose(reference, Predict(model, inverted), 1e-10, "inverted with its cell");
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void AnotherCellOfTheSameLatticeAndASupercellAgree(string task)
    {
        var (model, s) = Case(task);
        double[] reference = Predict(model, s);

        // a1' = a1 + a2 spans the same lattice (a unimodular change of basis)
        double[] m = s.Cell.Matrix.ToArray();
        for (int c = 0; c < 3; c++) m[c] += m[3 + c];
        AssertClose(reference, Predict(model, s with { Cell = new PeriodicCell(m, s.Cell.Pbc) }), 1e-10, "sheared cell of the same lattice");

        // a 2×2 supercell along the first two (periodic) axes: four copies, four times the extensive energy
        var p = new List<double>();
        var z = new List<int>();
        var tags = new List<int>();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                for (int a = 0; a < s.AtomCount; a++)
                {
                    for (int c = 0; c < 3; c++) p.Add(s.Positions[3 * a + c] + i * s.Cell[0, c] + j * s.Cell[1, c]);
                    z.Add(s.AtomicNumbers[a]);
                    if (s.Tags is not null) tags.Add(s.Tags[a]);
                }
        double[] big = s.Cell.Matrix.ToArray();
        for (int c = 0; c < 6; c++) big[c] *= 2;
        var supercell = new PeriodicStructure("2x2 supercell", z.ToArray(), p.ToArray(), new PeriodicCell(big, s.Cell.Pbc), s.Tags is null ? null : tags.ToArray());
        double[] four = reference.Select(e => 4 * e).ToArray();
        AssertClose(four, Predict(model, supercell), 1e-9, "2x2 supercell");

        // every atom of the supercell sees the same neighbour distances as its original in the cell
        EdgeList small = NeighbourList.Radius(s.Positions, s.Cell, model.Config.Cutoff!.Value);
        EdgeList large = NeighbourList.Radius(supercell.Positions, supercell.Cell, model.Config.Cutoff!.Value);
        Assert.AreEqual(4 * small.Count, large.Count, "four times the edges");
    }
}
