using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tasks;
using static TorchSharp.torch;

namespace Segnn.Export.Tests;

/// <summary>
/// An equivariant force field as one plain ONNX file: energy, forces and stress from the exported graph agree with
/// TorchSharp's autograd, forces rotate with the structure, and the file uses standard operators only.
/// </summary>
[TestClass]
public sealed class ForceExportTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    private static SegnnModel Model(Precision precision = Precision.Float32)
    {
        manual_seed(21);
        return new SegnnModel(new S2efTask().DefaultConfig() with { Layers = 2, HiddenFeatures = 16, DType = precision });
    }

    [TestMethod]
    public void ExportedForcesAndStressEqualAutograd()
    {
        SegnnModel model = Model();
        ExportReport report = ExportPipeline.Run(model, null);
        Assert.IsTrue(report.Accepted, report.Refusal);
        CollectionAssert.IsSubsetOf(new[] { "energy", "forces", "stress" }, report.Parity.Onnx.Keys.ToArray());
        double scale = report.Parity.Torch["forces"].Max(Math.Abs);
        double worst = report.Parity.Onnx["forces"].Zip(report.Parity.Torch["forces"]).Max(p => Math.Abs(p.First - p.Second));
        Assert.IsLessThan(1e-4, worst / scale, $"forces: ONNX Runtime against TorchSharp autograd, relative {worst / scale:E2}");
        var proto = Segnn.Export.Onnx.Proto.ModelProto.Parser.ParseFrom(report.Model);
        Assert.IsTrue(proto.Graph.Node.All(n => n.Domain is "" or "ai.onnx"), "standard operators only: " + string.Join(", ", proto.Graph.Node.Where(n => n.Domain is not ("" or "ai.onnx")).Select(n => n.Domain + "::" + n.OpType).Distinct()));
    }

    [TestMethod]
    public void ExportedForcesRotateAndSumToZero()
    {
        using SegnnSession session = SegnnSession.Load(Exporter.Export(Model()), new SessionSettings { IntraOpThreads = 2 });
        PeriodicStructure s = SyntheticSystems.FccSlab(new Random(3), [29, 78], 3.8, 3, 2, 3, adsorbate: [8, 1], rattle: 0.1);
        SystemPrediction p = session.Predict(s);
        double[] forces = p.Outputs["forces"];
        double scale = forces.Max(Math.Abs);
        for (int c = 0; c < 3; c++) Assert.AreEqual(0, Enumerable.Range(0, s.AtomCount).Sum(i => forces[3 * i + c]), 1e-4 * scale * s.AtomCount, $"axis {c}");
        var r = Segnn.O3.Rotation.Random(new Random(4));
        double[] Rotate(ReadOnlySpan<double> v)
        {
            var o = new double[v.Length];
            for (int i = 0; i < v.Length; i += 3) (o[i], o[i + 1], o[i + 2]) = r.Apply(v[i], v[i + 1], v[i + 2]);
            return o;
        }
        SystemPrediction q = session.Predict(s with { Positions = Rotate(s.Positions), Cell = new PeriodicCell(Rotate(s.Cell.Matrix), s.Cell.Pbc) });
        double[] expected = Rotate(forces);
        for (int i = 0; i < forces.Length; i++) Assert.AreEqual(expected[i], q.Outputs["forces"][i], 1e-4 * scale, $"force component {i}");
        Assert.AreEqual(p.Outputs["energy"][0], q.Outputs["energy"][0], 1e-5 * Math.Max(1, Math.Abs(p.Outputs["energy"][0])));
    }

    [TestMethod]
    public void ExportedForceFieldPredictsStructuresWithoutEdges()
    {
        // a lone atom in a cell wider than the cutoff has no edge at all: the backward's sums over edges are empty
        SegnnModel model = Model();
        using SegnnSession session = SegnnSession.Load(Exporter.Export(model), new SessionSettings { IntraOpThreads = 2 });
        double wide = 3 * model.Config.Cutoff!.Value;
        var lone = new PeriodicStructure("lone", [29], [0.3, -0.2, 0.1], new PeriodicCell([wide, 0, 0, 0, wide, 0, 0, 0, wide], [true, true, true]));
        PeriodicStructure bulk = SyntheticSystems.FccBulk(new Random(5), [29, 78], 3.8, 2, rattle: 0.1);
        var batch = new BatchBuilder();
        foreach (PeriodicStructure s in new[] { lone, bulk })
            batch.Add(s.Positions, NeighbourList.Radius(s.Positions, s.Cell, model.Config.Cutoff!.Value), atomicNumbers: s.AtomicNumbers, cell: s.Cell);
        Assert.AreEqual(batch.EdgeCount, NeighbourList.Radius(bulk.Positions, bulk.Cell, model.Config.Cutoff!.Value).Count, "the lone atom has no edge");
        using var torch = new TorchPredictor(model);
        IReadOnlyDictionary<string, double[]> expected = torch.Predict(batch);

        SystemPrediction alone = session.Predict(lone);
        Assert.AreEqual(expected["energy"][0], alone.Outputs["energy"][0], 1e-5 * Math.Max(1, Math.Abs(expected["energy"][0])), "lone atom energy against TorchSharp");
        CollectionAssert.AreEqual(new double[3], alone.Outputs["forces"], "a lone atom feels no force");
        CollectionAssert.AreEqual(new double[9], alone.Outputs["stress"], "nor any stress");

        IReadOnlyList<SystemPrediction> both = session.Predict([lone, bulk]);
        Assert.AreEqual(alone.Outputs["energy"][0], both[0].Outputs["energy"][0], 1e-5 * Math.Max(1, Math.Abs(alone.Outputs["energy"][0])), "batched with an edged structure");
        double[] forces = both[1].Outputs["forces"], reference = expected["forces"].Skip(3).ToArray();
        double scale = reference.Max(Math.Abs);
        Assert.IsGreaterThan(0, scale, "the bulk has forces");
        for (int i = 0; i < forces.Length; i++) Assert.AreEqual(reference[i], forces[i], 1e-4 * scale, $"bulk force component {i} beside an edge-less structure");
    }

    [TestMethod]
    public void Float64ExportForcesAndStressAreItsOwnEnergysDerivatives()
    {
        SegnnModel model = Model(Precision.Float64);
        ExportReport report = ExportPipeline.Run(model, null, new ExportOptions { Precision = Precision.Float64 });
        Assert.IsLessThan(1e-10, report.Parity.MaxAbsDiff, "float64 file against TorchSharp float64 autograd");
        using SegnnSession session = SegnnSession.Load(report.Model);
        Assert.AreEqual(Precision.Float64, session.Metadata.Precision);
        PeriodicStructure s = SyntheticSystems.FccBulk(new Random(8), [29, 47], 3.9, 2, rattle: 0.12);
        double Energy(PeriodicStructure x) => session.Predict(x).Outputs["energy"][0];
        SystemPrediction p = session.Predict(s);
        double[] forces = p.Outputs["forces"], stress = p.Outputs["stress"];
        const double h = 1e-5;
        double fScale = forces.Max(Math.Abs), fWorst = 0;
        for (int k = 0; k < forces.Length; k += 5)
        {
            double[] plus = (double[])s.Positions.Clone(), minus = (double[])s.Positions.Clone();
            plus[k] += h;
            minus[k] -= h;
            fWorst = Math.Max(fWorst, Math.Abs(-(Energy(s with { Positions = plus }) - Energy(s with { Positions = minus })) / (2 * h) - forces[k]));
        }
        Assert.IsLessThan(1e-6, fWorst / fScale, $"forces against central differences of the file's energy: relative {fWorst / fScale:E2}");
        double sScale = stress.Max(Math.Abs), sWorst = 0;
        foreach (var (a, b) in new[] { (0, 0), (1, 2), (0, 1) })
        {
            PeriodicStructure Strained(double sign)
            {
                var eps = new double[9];
                eps[3 * a + b] += a == b ? sign * h : sign * h / 2;
                if (a != b) eps[3 * b + a] += sign * h / 2;
                double[] Apply(ReadOnlySpan<double> rows)
                {
                    var r = new double[rows.Length];
                    for (int i = 0; i < rows.Length; i += 3)
                        for (int c = 0; c < 3; c++) r[i + c] = rows[i + c] + rows[i] * eps[c] + rows[i + 1] * eps[3 + c] + rows[i + 2] * eps[6 + c];
                    return r;
                }
                return s with { Positions = Apply(s.Positions), Cell = new PeriodicCell(Apply(s.Cell.Matrix), s.Cell.Pbc) };
            }
            double numeric = (Energy(Strained(1)) - Energy(Strained(-1))) / (2 * h) / s.Cell.Volume;
            sWorst = Math.Max(sWorst, Math.Abs(numeric - stress[3 * a + b]));
        }
        Assert.IsLessThan(1e-6, sWorst / sScale, $"stress against strain differences of the file's energy: relative {sWorst / sScale:E2}");
    }
}
