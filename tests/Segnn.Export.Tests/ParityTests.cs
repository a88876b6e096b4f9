using Segnn.Export.Lowering;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Tasks;
using static TorchSharp.torch;

namespace Segnn.Export.Tests;

/// <summary>ONNX Runtime (CPU, float32) against TorchSharp: max abs difference ≤ 1e-5, with dynamic sizes in one session.</summary>
[TestClass]
public sealed class ParityTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    [TestMethod]
    public void TheFloat64ReferenceMeasuresFloat32RoundingAndTheExportAgainstIt()
    {
        manual_seed(3);
        var model = new SegnnModel(new NBodyTask().DefaultConfig() with { Layers = 2 });
        using SegnnSession session = SegnnSession.Load(Exporter.Export(model));
        Parity.Result r = Parity.Compare(model, session, TestSystems.NBody(4, 4));
        Assert.IsTrue(r.Float32Rounding is > 0 and < 1e-5, $"float32 rounding {r.Float32Rounding:E2}");
        Assert.IsLessThan(1e-5, r.MaxAbsDiffFromFloat64);
        Assert.IsTrue(r.Agrees(1e-5));
        // an ill-conditioned batch may exceed the tolerance against float32 only while staying as close to float64 as
        // TorchSharp's own float32 run; further than that is a disagreement
        Assert.IsTrue((r with { MaxAbsDiff = 1e-3, Float32Rounding = 1e-3, MaxAbsDiffFromFloat64 = 1.5e-3 }).Agrees(1e-5));
        Assert.IsFalse((r with { MaxAbsDiff = 1e-3, Float32Rounding = 1e-4, MaxAbsDiffFromFloat64 = 1e-3 }).Agrees(1e-5));
    }

    [TestMethod]
    [DataRow(TensorProductLoweringKind.TwoStage)]
    [DataRow(TensorProductLoweringKind.Dense)]
    public void NBodyConfigurationSeveralBatchSizesInOneSession(TensorProductLoweringKind lowering)
    {
        manual_seed(1);
        var model = new SegnnModel(new NBodyTask().DefaultConfig());
        using SegnnSession session = SegnnSession.Load(Exporter.Export(model, new ExportOptions { Lowering = lowering }));
        foreach (int systems in new[] { 1, 7, 100 })
        {
            Parity.Result r = Parity.Compare(model, session, TestSystems.NBody(systems, systems));
            Assert.IsLessThan(1e-5, r.MaxAbsDiff, $"{systems} systems: max abs diff {r.MaxAbsDiff:E2}");
        }
    }

    [TestMethod]
    public void Qm9PaperConfigurationWithSingleNodeAndIsolatedAtoms()
    {
        manual_seed(2);
        var model = new SegnnModel(new Qm9Task().DefaultConfig() with { Targets = [new TargetSpec { Name = "alpha", Irreps = Irreps.Parse("1x0e"), Unit = "bohr^3", Mean = 75.2, Scale = 6.3 }] });
        using SegnnSession session = SegnnSession.Load(Exporter.Export(model));
        // sizes 1 (a single node), 29, and sparse boxes where some atoms have no neighbour within the cutoff
        foreach (int[] sizes in new[] { new[] { 1 }, new[] { 12, 29, 5 }, new[] { 6, 6 } })
        {
            Parity.Result r = Parity.Compare(model, session, TestSystems.Molecules(sizes, sizes.Sum(), box: sizes.Length == 2 ? 8.0 : 3.0));
            Assert.IsLessThan(1e-5, r.MaxAbsDiff / Math.Max(1, r.Torch.Values.SelectMany(v => v).Max(Math.Abs)), $"sizes {string.Join(",", sizes)}: max abs diff {r.MaxAbsDiff:E2}");
        }
    }

    [TestMethod]
    public void MultiTargetGraphModelWithVectorOutput()
    {
        manual_seed(3);
        ModelConfig config = new Qm9Task().DefaultConfig() with
        {
            Task = Qm9Mp2Task.Id,
            HiddenFeatures = 32,
            Layers = 2,
            OutputIrreps = Irreps.Parse("2x0e+1x1o"),
            Targets =
            [
                new TargetSpec { Name = "binding_energy", Irreps = Irreps.Parse("1x0e"), Unit = "eV", Mean = -7, Scale = 0.3, AtomReferences = [-13.6, -1030, -1485, -2040, -2710] },
                new TargetSpec { Name = "homo", Irreps = Irreps.Parse("1x0e"), Unit = "eV", Mean = -11, Scale = 0.5 },
                new TargetSpec { Name = "dipole", Irreps = Irreps.Parse("1x1o"), Unit = "e*bohr", Scale = 0.8 },
            ],
        };
        var model = new SegnnModel(config);
        using SegnnSession session = SegnnSession.Load(Exporter.Export(model));
        Parity.Result r = Parity.Compare(model, session, TestSystems.Molecules([9, 14, 3], 4));
        // binding energies of ~1e4 eV from the atom references: compare relative to the values
        Assert.IsLessThan(2e-6, r.MaxAbsDiff / r.Torch["binding_energy"].Max(Math.Abs), $"max abs diff {r.MaxAbsDiff:E2}");
        Assert.IsTrue(r.Torch["binding_energy"].All(e => e < -1000), "the atom references are added");
        CollectionAssert.AreEquivalent(new[] { "binding_energy", "homo", "dipole" }, session.Metadata.Outputs.Select(o => o.Name).ToArray());
        Assert.HasCount(9, r.Onnx["dipole"]);
    }
}
