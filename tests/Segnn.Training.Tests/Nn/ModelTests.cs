using Segnn.Graphs;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Nn;

[TestClass]
public sealed class ModelTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    [TestMethod]
    public void ParameterCountsOfThePaperConfigurations()
    {
        Assert.AreEqual(147_424L, new SegnnModel(new NBodyTask().DefaultConfig()).ParameterCount);
        Assert.AreEqual(1_033_525L, new SegnnModel(new Qm9Task().DefaultConfig()).ParameterCount);
    }

    [TestMethod]
    [DataRow(64, 1, 1, "32x0e+32x1o")]
    [DataRow(128, 2, 3, "36x0e+36x1o+36x2e")]
    [DataRow(128, 1, 1, "64x0e+64x1o")]
    [DataRow(128, 2, 2, "39x0e+39x1o+39x2e")]
    [DataRow(128, 1, 3, "58x0e+58x1o")]
    [DataRow(128, 3, 3, "27x0e+27x1o+27x2e+27x3o")]
    [DataRow(64, 2, 2, "20x0e+20x1o+20x2e")]
    [DataRow(80, 1, 1, "40x0e+40x1o")]
    public void WeightBalancedWorkedExamples(int features, int lmaxH, int lmaxAttr, string expected) =>
        Assert.AreEqual(expected, HiddenIrreps.WeightBalanced(features, lmaxH, Irreps.SphericalHarmonics(lmaxAttr)).ToString());

    [TestMethod]
    [DataRow(1, 64, "34x0e+10x1o")]
    [DataRow(2, 128, "46x0e+14x1o+8x2e")]
    [DataRow(3, 128, "40x0e+10x1o+6x2e+4x3o")]
    public void BalancedWorkedExamples(int lmax, int dim, string expected)
    {
        Irreps irreps = HiddenIrreps.Balanced(lmax, dim);
        Assert.AreEqual(expected, irreps.ToString());
        Assert.AreEqual(dim, irreps.Dim);
    }

    [TestMethod]
    public void GateLayoutAndConstants()
    {
        var gate = new Gate(Irreps.Parse("36x0e+36x1o+36x2e"));
        Assert.AreEqual("108x0e+36x1o+36x2e", gate.PreActivation.ToString());
        Assert.AreEqual(72, gate.GateCount);
        Assert.AreEqual("64x0e+32x1o", new Gate(Irreps.Parse("32x0e+32x1o")).PreActivation.ToString());
        Assert.IsTrue(new Gate(Irreps.Parse("108x0e")).PlainSilu);
        // e3nn's Monte-Carlo estimates of the exact 1.67653 and 1.84623
        Assert.AreEqual(1.67653, GateConstants.Silu, 5e-3);
        Assert.AreEqual(1.84623, GateConstants.Sigmoid, 5e-3);
    }

    [TestMethod]
    public void EveryParameterReceivesAGradient()
    {
        foreach (ModelConfig config in new[] { new NBodyTask().DefaultConfig() with { Layers = 2 }, new Qm9Task().DefaultConfig() with { HiddenFeatures = 24, Layers = 2 }, new Qm9Task().DefaultConfig() with { HiddenFeatures = 24, Layers = 2, Norm = NormKind.Batch } })
        {
            manual_seed(1);
            var model = new SegnnModel(config);
            model.train();
            var task = config.TaskDefinition;
            using var ops = new TorchOps(ScalarType.Float32, training: true);
            RawGraph<Tensor> g = config.Task == NBodyTask.Id
                ? TestGraphs.NBody(ops, new Random(1), ScalarType.Float32, 5, 5)
                : TestGraphs.Molecules(ops, new Random(1), ScalarType.Float32, 5, 4);
            task.Predict(ops, model, g).square().sum().backward();
            foreach (var (name, p) in model.named_parameters())
            {
                Assert.IsNotNull(p.grad, $"{config.Task}/{config.Norm}: {name} has no gradient");
                Assert.IsGreaterThan(0.0, p.grad.abs().sum().item<float>(), $"{config.Task}/{config.Norm}: {name} has an all-zero gradient");
            }
        }
    }

    [TestMethod]
    public void NodePermutationPermutesOutputs()
    {
        manual_seed(2);
        ModelConfig config = new NBodyTask().DefaultConfig() with { DType = Precision.Float64, Layers = 2 };
        var model = new SegnnModel(config);
        var task = config.TaskDefinition;
        using var ops = new TorchOps(ScalarType.Float64);
        RawGraph<Tensor> g = TestGraphs.NBody(ops, new Random(3), ScalarType.Float64, 5, 5);
        Tensor reference = task.Predict(ops, model, g);

        long[] perm = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4]; // new node i is old node perm[i]
        long[] inverse = new long[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        Tensor p = tensor(perm, ScalarType.Int64), inv = tensor(inverse, ScalarType.Int64);
        var permuted = g with
        {
            Positions = g.Positions.index_select(0, p),
            Velocities = g.Velocities!.index_select(0, p),
            Charges = g.Charges!.index_select(0, p),
            Batch = g.Batch.index_select(0, p),
            Senders = inv.index_select(0, g.Senders),
            Receivers = inv.index_select(0, g.Receivers),
        };
        Tensor output = task.Predict(ops, model, permuted);
        Assert.IsLessThan(1e-12, TestGraphs.RelativeDifference(output, reference.index_select(0, p)));
    }

    [TestMethod]
    public void AGraphAloneEqualsTheSameGraphInsideABatch()
    {
        manual_seed(4);
        ModelConfig config = new Qm9Task().DefaultConfig() with { HiddenFeatures = 24, Layers = 2, DType = Precision.Float64 };
        var model = new SegnnModel(config);
        var task = config.TaskDefinition;
        using var ops = new TorchOps(ScalarType.Float64);
        RawGraph<Tensor> batch = TestGraphs.Molecules(ops, new Random(5), ScalarType.Float64, 4, 6, 3);
        Tensor all = task.Predict(ops, model, batch);
        // the second molecule alone: nodes 4..9
        var (s, r, b) = TestGraphs.FullyConnected(6);
        var alone = new RawGraph<Tensor>(batch.Positions.narrow(0, 4, 6), tensor(s, ScalarType.Int64), tensor(r, ScalarType.Int64),
            tensor(b, ScalarType.Int64), ops.Count(6), ops.Count(1))
        { AtomicNumbers = batch.AtomicNumbers!.narrow(0, 4, 6) };
        Tensor single = task.Predict(ops, model, alone);
        Assert.IsLessThan(1e-12, TestGraphs.RelativeDifference(single, all.narrow(0, 1, 1)));
    }

    [TestMethod]
    public void IsolatedNodesAndSingleNodeGraphsGiveFiniteOutputs()
    {
        manual_seed(5);
        ModelConfig config = new Qm9Task().DefaultConfig() with { HiddenFeatures = 24, Layers = 2, DType = Precision.Float64 };
        var model = new SegnnModel(config);
        var task = config.TaskDefinition;
        using var ops = new TorchOps(ScalarType.Float64);
        // graph 0: one atom; graph 1: two atoms without edges between them
        var g = new RawGraph<Tensor>(tensor(new double[] { 0, 0, 0, 5, 5, 5, -5, 0, 1 }, [3, 3], ScalarType.Float64),
            tensor(Array.Empty<long>(), ScalarType.Int64), tensor(Array.Empty<long>(), ScalarType.Int64), tensor(new long[] { 0, 1, 1 }, ScalarType.Int64),
            ops.Count(3), ops.Count(2))
        { AtomicNumbers = tensor(new long[] { 1, 6, 7 }, ScalarType.Int64) };
        Tensor y = task.Predict(ops, model, g);
        Assert.AreEqual(2L, y.shape[0]);
        Assert.IsTrue(y.isfinite().all().item<bool>());
    }
}
