using Segnn.Graphs;
using Segnn.Nn;
using Segnn.Nn.Autodiff;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tasks;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Nn;

/// <summary>
/// The gradient tape (the backward the exporter writes into ONNX) on the TorchSharp backend equals TorchSharp's own
/// autograd: for single tensor products (both inputs, every kind of product) and for whole force-field models.
/// </summary>
[TestClass]
public sealed class GradientTapeTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    [TestMethod]
    [DataRow("32x0e+32x1o+32x0e+32x1o+2x0e", "1x0e+1x1o", "64x0e+32x1o")]
    [DataRow("3x0e+2x1o+2x2e", "1x0e+1x1o+1x2e+1x3o", "4x0e+3x1o+2x2e+1x3o")]
    [DataRow("2x1o+1x0e", "2x0e+1x1e", "3x1o+2x0e+1x1e")]
    [DataRow("4x0e+3x1o", null, "5x0e+2x1o")]
    [DataRow("5x0e", "1x0e+1x1o", "1x0e+1x0e+1x1o")]
    public void TensorProductGradientsEqualAutograd(string in1, string? in2, string output)
    {
        manual_seed(3);
        var rng = new Random(4);
        var layer = new TensorProductLayer("tp", Irreps.Parse(in1), in2 is null ? null : Irreps.Parse(in2), Irreps.Parse(output), gated: false, ScalarType.Float64);
        TensorProductDescriptor d = layer.Descriptor;
        using var ops = new TorchOps(ScalarType.Float64);
        Tensor x = TestGraphs.Random(rng, ScalarType.Float64, 6, d.Input1.Dim).requires_grad_(true);
        Tensor? y = in2 is null ? null : TestGraphs.Random(rng, ScalarType.Float64, 6, d.Input2.Dim).requires_grad_(true);
        Tensor seed = TestGraphs.Random(rng, ScalarType.Float64, 6, d.Output.Dim);
        Tensor expectedOut = layer.Forward(ops, x, y);
        var expected = autograd.grad([(expectedOut * seed).sum()], y is null ? [x] : [x, y]);

        var tape = new GradientTape<Tensor>(ops);
        TapeValue<Tensor> tx = tape.Watch(x.detach()), ty = y is null ? null! : tape.Watch(y.detach());
        TapeValue<Tensor> result = layer.Forward(tape, tx, y is null ? null : ty);
        Tensor?[] grads = tape.Gradient(result, seed, y is null ? [tx] : [tx, ty]);
        Assert.IsLessThan(1e-12, TestGraphs.RelativeDifference(result.Value, expectedOut), "forward");
        Assert.IsLessThan(1e-12, TestGraphs.RelativeDifference(grads[0]!, expected[0]), "gradient of x");
        if (y is not null) Assert.IsLessThan(1e-12, TestGraphs.RelativeDifference(grads[1]!, expected[1]), "gradient of y");
    }

    public static IEnumerable<object[]> Models =>
    [
        ["s2ef", NormKind.None],
        ["s2ef", NormKind.Instance],
        ["bulk-energy", NormKind.None],
    ];

    [TestMethod]
    [DynamicData(nameof(Models))]
    public void ForcesAndStressOfTheTapeEqualAutograd(string taskName, NormKind norm)
    {
        manual_seed(5);
        SegnnTask task = TaskRegistry.Parse(taskName);
        ModelConfig config = task.DefaultConfig() with
        {
            DType = Precision.Float64,
            Layers = 2,
            HiddenFeatures = 16,
            Norm = norm,
            LMaxAttributes = 2,
            Derivatives = EnergyDerivatives.ForcesAndStress,
        };
        var model = new SegnnModel(config);
        model.eval();
        var rng = new Random(6);
        var batch = new BatchBuilder();
        foreach (PeriodicStructure s in new[] { SyntheticSystems.FccSlab(rng, [29, 79], 3.7, 2, 2, 2, adsorbate: config.Elements!.Contains(6) ? [6, 8] : [29], rattle: 0.1), SyntheticSystems.FccBulk(rng, [13, 28], 3.7, 2, rattle: 0.1) })
            batch.Add(s.Positions, NeighbourList.Radius(s.Positions, s.Cell, config.Cutoff!.Value), atomicNumbers: s.AtomicNumbers, cell: s.Cell);
        using var ops = new TorchOps(ScalarType.Float64);
        RawGraph<Tensor> g = batch.ToTensors(ops, config.Elements);
        var (energy, forces, stress) = TorchForces.Compute(model, ops, g, createGraph: false);

        var tape = new GradientTape<Tensor>(ops);
        TapeValue<Tensor> positions = tape.Watch(g.Positions), cell = tape.Watch(g.Cell!);
        TapeValue<Tensor> C(Tensor t) => tape.Constant(t);
        var raw = new RawGraph<TapeValue<Tensor>>(positions, C(g.Senders), C(g.Receivers), C(g.Batch), C(g.NumNodes), C(g.NumGraphs))
        {
            AtomicNumbers = C(g.AtomicNumbers!),
            Cell = cell,
            EdgeShifts = C(g.EdgeShifts!),
        };
        TapeValue<Tensor> e = task.Predict(tape, model, raw);
        Tensor?[] grads = tape.Gradient(e, ones_like(e.Value), [positions, cell]);
        Tensor tapeForces = EnergyGradients.Forces(ops, grads[0]!);
        Tensor tapeStress = EnergyGradients.Stress(ops, g, grads[0]!, grads[1]!);
        Assert.IsLessThan(1e-12, TestGraphs.RelativeDifference(e.Value, energy), "energy");
        Assert.IsLessThan(1e-10, TestGraphs.RelativeDifference(tapeForces, forces), "forces");
        Assert.IsLessThan(1e-10, TestGraphs.RelativeDifference(tapeStress, stress!), "stress");
    }
}
