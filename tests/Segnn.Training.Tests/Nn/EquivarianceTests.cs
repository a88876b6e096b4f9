using Segnn.Graphs;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Nn;

/// <summary>
/// Our correctness contract: every layer and the whole model commute with rotations and inversion —
/// relative error ≤ 1e-10 in float64 and ≤ 1e-5 in float32.
/// </summary>
[TestClass]
public sealed class EquivarianceTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    public static IEnumerable<object[]> Precisions =>
    [
        [ScalarType.Float64, 1e-10],
        [ScalarType.Float32, 1e-5],
    ];

    private static IEnumerable<(Rotation R, bool Inversion)> Actions(int seed)
    {
        var rng = new Random(seed);
        yield return (Rotation.Random(rng), false);
        yield return (Rotation.Identity, true);
        yield return (Rotation.Random(rng), true);
    }

    [TestMethod]
    [DynamicData(nameof(Precisions))]
    public void TensorProductLayersGatedAndLinear(ScalarType dtype, double tolerance)
    {
        manual_seed(1);
        var rng = new Random(2);
        Irreps in1 = Irreps.Parse("4x0e+3x1o+2x2e+1x1e"), in2 = Irreps.SphericalHarmonics(3), hidden = Irreps.Parse("5x0e+3x1o+2x2e");
        using var ops = new TorchOps(dtype);
        foreach (bool gated in new[] { false, true })
        {
            var layer = new TensorProductLayer("tp", in1, in2, hidden, gated, dtype);
            Tensor x = TestGraphs.Random(rng, dtype, 6, in1.Dim);
            Tensor y = TestGraphs.Random(rng, dtype, 6, in2.Dim);
            foreach (var (r, inv) in Actions(3))
            {
                Tensor rotatedFirst = layer.Forward(ops, TestGraphs.ActIrMul(in1, r, inv, x), TestGraphs.ActIrMul(in2, r, inv, y));
                Tensor rotatedAfter = TestGraphs.ActIrMul(hidden, r, inv, layer.Forward(ops, x, y));
                double err = TestGraphs.RelativeDifference(rotatedFirst, rotatedAfter);
                Assert.IsLessThan(tolerance, err, $"gated={gated} inversion={inv}: {err:E2}");
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Precisions))]
    public void SphericalHarmonicsOpAndNorms(ScalarType dtype, double tolerance)
    {
        var rng = new Random(4);
        using var ops = new TorchOps(dtype, training: true);
        Tensor v = TestGraphs.Random(rng, dtype, 9, 3);
        foreach (var (r, inv) in Actions(5))
        {
            Tensor a = SphericalHarmonicsOp.Evaluate(ops, TestGraphs.Act(Irreps.Parse("1x1o"), r, inv, v), 4, ShNormalization.Component);
            Tensor b = TestGraphs.Act(Irreps.SphericalHarmonics(4), r, inv, SphericalHarmonicsOp.Evaluate(ops, v, 4, ShNormalization.Component));
            Assert.IsLessThan(tolerance, TestGraphs.RelativeDifference(a, b), "spherical harmonics");
        }

        Irreps hidden = Irreps.Parse("3x0e+2x1o+2x2e");
        Tensor x = TestGraphs.Random(rng, dtype, 9, hidden.Dim);
        Tensor batch = tensor(new long[] { 0, 0, 0, 0, 1, 1, 1, 1, 1 }, ScalarType.Int64);
        var graphs = Segmentation<Tensor>.Create(ops, batch, ops.Count(2), x);
        var instance = new InstanceNorm("n", hidden, dtype);
        var batchNorm = new BatchNorm("b", hidden, dtype);
        foreach (var (r, inv) in Actions(6))
        {
            Tensor xr = TestGraphs.ActIrMul(hidden, r, inv, x);
            Assert.IsLessThan(tolerance, TestGraphs.RelativeDifference(instance.Forward(ops, xr, graphs), TestGraphs.ActIrMul(hidden, r, inv, instance.Forward(ops, x, graphs))), "instance norm");
            batchNorm.train();
            Assert.IsLessThan(tolerance, TestGraphs.RelativeDifference(batchNorm.Forward(ops, xr), TestGraphs.ActIrMul(hidden, r, inv, batchNorm.Forward(ops, x))), "batch norm (training)");
            batchNorm.eval();
            Assert.IsLessThan(tolerance, TestGraphs.RelativeDifference(batchNorm.Forward(ops, xr), TestGraphs.ActIrMul(hidden, r, inv, batchNorm.Forward(ops, x))), "batch norm (running statistics)");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Precisions))]
    public void NBodyModelNodeVectorOutputs(ScalarType dtype, double tolerance)
    {
        manual_seed(7);
        // the reference's per-particle centring breaks rotation equivariance by design; the system centring does not
        ModelConfig config = new NBodyTask().DefaultConfig() with { Centering = Centering.System, DType = dtype == ScalarType.Float64 ? Precision.Float64 : Precision.Float32, Layers = 2 };
        var model = new SegnnModel(config);
        var task = config.TaskDefinition;
        using var ops = new TorchOps(dtype);
        RawGraph<Tensor> g = TestGraphs.NBody(ops, new Random(8), dtype, 5, 4);
        Tensor reference = task.Predict(ops, model, g);
        foreach (var (r, inv) in Actions(9))
        {
            Tensor transformed = task.Predict(ops, model, TestGraphs.Transform(g, r, inv));
            double err = TestGraphs.RelativeDifference(transformed, TestGraphs.Act(Irreps.Parse("1x1o"), r, inv, reference));
            Assert.IsLessThan(tolerance, err, $"inversion={inv}: {err:E2}");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Precisions))]
    public void MoleculeModelGraphScalarAndVectorOutputsWithEveryNorm(ScalarType dtype, double tolerance)
    {
        foreach (NormKind norm in new[] { NormKind.Instance, NormKind.Batch, NormKind.None })
        {
            manual_seed(11);
            ModelConfig config = new Qm9Task().DefaultConfig() with
            {
                Task = Qm9Mp2Task.Id,
                HiddenFeatures = 24,
                Layers = 2,
                Norm = norm,
                OutputIrreps = Irreps.Parse("1x0e+1x1o"),
                Targets = [new TargetSpec { Name = "energy", Irreps = Irreps.Parse("1x0e"), Mean = 0.3, Scale = 2 }, new TargetSpec { Name = "dipole", Irreps = Irreps.Parse("1x1o"), Scale = 1.5 }],
                DType = dtype == ScalarType.Float64 ? Precision.Float64 : Precision.Float32,
            };
            var model = new SegnnModel(config);
            model.eval();
            var task = config.TaskDefinition;
            using var ops = new TorchOps(dtype);
            RawGraph<Tensor> g = TestGraphs.Molecules(ops, new Random(12), dtype, 6, 3, 1);
            Tensor reference = task.Predict(ops, model, g);
            Assert.AreEqual(3L, reference.shape[0]);
            foreach (var (r, inv) in Actions(13))
            {
                Tensor transformed = task.Predict(ops, model, TestGraphs.Transform(g, r, inv));
                double err = TestGraphs.RelativeDifference(transformed, TestGraphs.Act(config.OutputIrreps, r, inv, reference));
                Assert.IsLessThan(tolerance, err, $"norm={norm} inversion={inv}: {err:E2}");
            }
        }
    }

    [TestMethod]
    public void SeConvAblationsAreEquivariant()
    {
        foreach (Architecture arch in new[] { Architecture.SeconvLinear, Architecture.SeconvNonlinear })
        {
            manual_seed(21);
            ModelConfig config = new NBodyTask().DefaultConfig() with { Architecture = arch, Centering = Centering.System, Norm = NormKind.Instance, DType = Precision.Float64, Layers = 2, HiddenFeatures = 40 };
            var model = new SegnnModel(config);
            var task = config.TaskDefinition;
            using var ops = new TorchOps(ScalarType.Float64);
            RawGraph<Tensor> g = TestGraphs.NBody(ops, new Random(22), ScalarType.Float64, 5, 5);
            Tensor reference = task.Predict(ops, model, g);
            foreach (var (r, inv) in Actions(23))
            {
                Tensor transformed = task.Predict(ops, model, TestGraphs.Transform(g, r, inv));
                Assert.IsLessThan(1e-10, TestGraphs.RelativeDifference(transformed, TestGraphs.Act(Irreps.Parse("1x1o"), r, inv, reference)), arch.ToString());
            }
        }
    }
}
