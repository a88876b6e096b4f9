using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tasks;
using static TorchSharp.torch;

namespace Segnn.Export.Tests;

/// <summary>Periodic models through the exporter and ONNX Runtime: parity with TorchSharp, invariance, and the runtime's refusals.</summary>
[TestClass]
public sealed class PeriodicExportTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    private static SegnnModel Is2reModel()
    {
        manual_seed(12);
        return new SegnnModel(new Is2reTask().DefaultConfig() with { Layers = 2, HiddenFeatures = 24 });
    }

    [TestMethod]
    public void ExportedPeriodicModelAgreesWithTorchSharpAndIsInvariant()
    {
        SegnnModel model = Is2reModel();
        ExportReport report = ExportPipeline.Run(model, null);
        Assert.IsTrue(report.Accepted, report.Refusal);
        Assert.IsLessThan(1e-4, report.Parity.MaxAbsDiff);
        using SegnnSession session = SegnnSession.Load(report.Model);
        Assert.AreEqual(SystemKind.PeriodicStructure, session.Metadata.System);
        CollectionAssert.AreEqual(new[] { true, true, false }, session.Metadata.PeriodicAxes!.ToArray());

        PeriodicStructure slab = SyntheticSystems.FccSlab(new Random(4), [29, 79], 3.8, 2, 2, 3, adsorbate: [8, 1]);
        double e = session.Predict(slab).Outputs["adsorption_energy"][0];
        // the same slab, rotated with its cell and with atoms wrapped by a lattice vector, through ONNX Runtime
        var r = Segnn.O3.Rotation.Random(new Random(5));
        double[] Rot(double x, double y, double z) { var (a, b, c) = r.Apply(x, y, z); return [a, b, c]; }
        double[] p = new double[slab.Positions.Length];
        for (int i = 0; i < slab.AtomCount; i++)
        {
            double shift = i % 3 == 0 ? 1 : 0;
            Rot(slab.Positions[3 * i] + shift * slab.Cell[1, 0], slab.Positions[3 * i + 1] + shift * slab.Cell[1, 1], slab.Positions[3 * i + 2]).CopyTo(p, 3 * i);
        }
        double[] cell = Enumerable.Range(0, 3).SelectMany(k => Rot(slab.Cell[k, 0], slab.Cell[k, 1], slab.Cell[k, 2])).ToArray();
        double moved = session.Predict(slab with { Positions = p, Cell = new PeriodicCell(cell, slab.Cell.Pbc) }).Outputs["adsorption_energy"][0];
        Assert.AreEqual(e, moved, 1e-5 * Math.Max(1, Math.Abs(e)), "rotated and wrapped through ONNX Runtime");
    }

    [TestMethod]
    public void PeriodicAndMolecularModelsRefuseEachOthersSystems()
    {
        using SegnnSession periodic = SegnnSession.Load(Exporter.Export(Is2reModel()));
        manual_seed(13);
        using SegnnSession molecular = SegnnSession.Load(Exporter.Export(new SegnnModel(new Qm9Mp2Task().DefaultConfig() with { Layers = 1, HiddenFeatures = 16 })));
        PeriodicStructure slab = SyntheticSystems.FccSlab(new Random(6), [29], 3.6, 2, 2, 2, adsorbate: [8]);
        var ex = Assert.ThrowsExactly<SegnnModelException>(() => molecular.Predict(slab));
        StringAssert.Contains(ex.Message, "not periodic structures");
        var water = new Molecule("water", [8, 1, 1], [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0]);
        StringAssert.Contains(Assert.ThrowsExactly<SegnnModelException>(() => periodic.Predict(water)).Message, "not molecules");
        var bulkLike = slab with { Cell = new PeriodicCell(slab.Cell.Matrix, [true, true, true]) };
        StringAssert.Contains(Assert.ThrowsExactly<SegnnInputException>(() => periodic.Predict(bulkLike)).Message, "lattice vector 3");
        StringAssert.Contains(Assert.ThrowsExactly<SegnnInputException>(() => periodic.Predict(slab with { Tags = null })).Message, "tags");
    }
}
