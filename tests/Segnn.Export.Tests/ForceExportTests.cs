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
}
