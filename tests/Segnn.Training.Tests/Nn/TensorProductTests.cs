using Segnn.Nn;
using Segnn.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Nn;

[TestClass]
public sealed class TensorProductTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    /// <summary>out = Σ_paths Σ_{u,v,i,j} W[u,v,w]·C[i,j,k]·x[u,i]·y[v,j] (+ bias on l = 0), in plain loops over doubles.</summary>
    private static double[] BruteForce(TensorProductDescriptor d, double[] x, double[] y, double[] w, double[] bias, int row)
    {
        var result = new double[d.Output.Dim];
        foreach (TensorProductPath p in d.Paths)
        {
            System.Collections.Immutable.ImmutableArray<double> c = d.Coefficients(p);
            int n1 = 2 * p.L1 + 1, n2 = 2 * p.L2 + 1, n3 = 2 * p.LOut + 1;
            int o1 = d.Input1.Offset(p.In1), o2 = d.Input2.Offset(p.In2), oo = d.Output.Offset(p.Out);
            for (int u = 0; u < p.Mul1; u++)
                for (int v = 0; v < p.Mul2; v++)
                    for (int wi = 0; wi < p.MulOut; wi++)
                    {
                        double weight = w[p.WeightIndex(u, v, wi)];
                        for (int i = 0; i < n1; i++)
                            for (int j = 0; j < n2; j++)
                                for (int k = 0; k < n3; k++)
                                    result[oo + wi * n3 + k] += weight * c[(i * n2 + j) * n3 + k]
                                        * x[row * d.Input1.Dim + o1 + u * n1 + i] * y[row * d.Input2.Dim + o2 + v * n2 + j];
                    }
        }
        for (int o = 0; o < d.Output.Count; o++)
            if (d.HasBias[o])
                for (int wi = 0; wi < d.Output[o].Mul; wi++)
                    result[d.Output.Offset(o) + wi] += bias[d.BiasOffset(o) + wi];
        return result;
    }

    [TestMethod]
    [DataRow("32x0e+32x1o+32x0e+32x1o+2x0e", "1x0e+1x1o", "64x0e+32x1o")]
    [DataRow("3x0e+2x1o+2x2e", "1x0e+1x1o+1x2e+1x3o", "4x0e+3x1o+2x2e+1x3o")]
    [DataRow("2x1o+1x0e", "2x0e+1x1e", "3x1o+2x0e+1x1e")] // second operand with multiplicity 2, parity-odd inputs
    [DataRow("4x0e+3x1o", null, "5x0e+2x1o")] // no second operand: linear
    public void EqualsBruteForceSumOverPaths(string in1, string? in2, string output)
    {
        var rng = new Random(1);
        var layer = new TensorProductLayer("tp", Irreps.Parse(in1), in2 is null ? null : Irreps.Parse(in2), Irreps.Parse(output), gated: false, ScalarType.Float64);
        TensorProductDescriptor d = layer.Descriptor;
        using (no_grad())
            if (layer.Biases is not null) layer.Biases.copy_(TestGraphs.Random(rng, ScalarType.Float64, 1, d.BiasCount).reshape(d.BiasCount));
        int rows = 7;
        Tensor x = TestGraphs.Random(rng, ScalarType.Float64, rows, d.Input1.Dim);
        Tensor? y = in2 is null ? null : TestGraphs.Random(rng, ScalarType.Float64, rows, d.Input2.Dim);
        using var ops = new TorchOps(ScalarType.Float64);
        // the layer works in the ir_mul layout; the brute force below indexes e3nn's mul_ir
        Tensor? yIr = y is null ? null : TestGraphs.ToIrMul(d.Input2, y);
        double[] actual = TestGraphs.ToMulIr(d.Output, layer.Forward(ops, TestGraphs.ToIrMul(d.Input1, x), yIr)).data<double>().ToArray();
        double[] xs = x.data<double>().ToArray(), ys = y?.data<double>().ToArray() ?? Enumerable.Repeat(1.0, rows).ToArray();
        double[] w = layer.Weight.data<double>().ToArray(), b = layer.Biases?.data<double>().ToArray() ?? [];
        for (int r = 0; r < rows; r++)
        {
            double[] expected = BruteForce(d, xs, ys, w, b, r);
            for (int k = 0; k < expected.Length; k++)
                Assert.AreEqual(expected[k], actual[r * d.Output.Dim + k], 1e-12, $"row {r} column {k}");
        }
    }

    [TestMethod]
    public void DescriptorCountsMatchTheSpec()
    {
        // segnn.md §3.3
        var m1 = new TensorProductDescriptor(Irreps.Parse("32x0e+32x1o+32x0e+32x1o+2x0e"), Irreps.Parse("0e+1o"), Irreps.Parse("64x0e+32x1o"));
        Assert.AreEqual(12480, m1.WeightCount);
        Assert.AreEqual(64, m1.BiasCount);
        CollectionAssert.AreEqual(new[] { 130, 130 }, m1.FanIn.ToArray());
        var q = new TensorProductDescriptor(Irreps.Parse("36x0e+36x1o+36x2e+36x0e+36x1o+36x2e+1x0e"), Irreps.SphericalHarmonics(3), Irreps.Parse("108x0e+36x1o+36x2e"));
        Assert.AreEqual(49428, q.WeightCount);
        CollectionAssert.AreEqual(new[] { 217, 361, 361 }, q.FanIn.ToArray());
    }

    [TestMethod]
    public void MultiplyAddCountsFollowThePlan()
    {
        // 1o ⊗ 1o → 0e: per channel y·C is 3 × (1·3), the batched product 1 × 3 × 1, the output GEMM 1 × 1 × 1 (13);
        // weights first 3·1·1 + 3·(1·3·1) + 1·3·1 (15): the fewer counts
        var single = TwoStagePlan.For(new TensorProductDescriptor(Irreps.Parse("1x1o"), Irreps.Parse("1x1o"), Irreps.Parse("1x0e")));
        Assert.AreEqual(13, single.ChannelwiseCost(0, 0).Total);
        Assert.AreEqual(15, single.WeightsFirstCost(0, 0).Total);
        Assert.AreEqual(13, single.MultiplyAddsPerRow);
        Assert.IsFalse(single.PrefersWeightsFirst(0, 0));
        // a linear layer is its GEMM: 4 × 3
        Assert.AreEqual(12, TwoStagePlan.For(new TensorProductDescriptor(Irreps.Parse("4x0e"), null, Irreps.Parse("3x0e"))).MultiplyAddsPerRow);
        // the paper's N-body message (segnn.md §3.3), y = 0e+1o (dim 4). Per channel: the 0e group (u = 66) into 64x0e
        // 4·1 + 1·66 + 66·64 = 4294, into 32x1o 4·3 + 3·66 + 3·66·32 = 6546; the 1o group (u = 64) into 32x1o
        // 4·9 + 9·64 + 3·64·32 = 6756, into 64x0e 4·3 + 3·64 + 64·64 = 4300 (the plan's 16 + 264 + 48 + 768 + 8320 + 12480).
        // Weights first: 66·64 + 4 + 64 = 4292; 66·32 + 12 + 96 = 2220; 3·64·32 + 36 + 288 = 6468; 3·64·64 + 12 + 192 = 12492
        var m1 = TwoStagePlan.For(new TensorProductDescriptor(Irreps.Parse("32x0e+32x1o+32x0e+32x1o+2x0e"), Irreps.Parse("0e+1o"), Irreps.Parse("64x0e+32x1o")));
        Assert.AreEqual(16 + 264 + 48 + 768 + 8320 + 12480, Enumerable.Range(0, 2).Sum(g => Enumerable.Range(0, 2).Sum(o => m1.ChannelwiseCost(g, o).Total)));
        Assert.AreEqual(4292 + 2220 + 6468 + 4300, m1.MultiplyAddsPerRow);
        // the lowering's choice weighs row-wise products 4×: 0e into 1o goes weights first, 1o into 0e per channel
        Assert.IsTrue(m1.PrefersWeightsFirst(0, 1));
        Assert.IsFalse(m1.PrefersWeightsFirst(1, 0));

        // TorchOps counts what it runs: tensor products per row, constant and batched matrix products by shape
        using var ops = new TorchOps(ScalarType.Float64);
        using var scope = NewDisposeScope();
        var d = new TensorProductDescriptor(Irreps.Parse("1x1o"), Irreps.Parse("1x1o"), Irreps.Parse("1x0e"));
        ops.TensorProduct(d, randn(5, 3, dtype: ScalarType.Float64), randn(5, 3, dtype: ScalarType.Float64), randn(d.WeightCount, dtype: ScalarType.Float64), null);
        Assert.AreEqual(5 * 13, ops.MultiplyAdds);
        ops.ResetMultiplyAdds();
        ops.MatMulConstant(randn(5, 3, dtype: ScalarType.Float64), new double[6], 3, 2);
        Assert.AreEqual(5 * 3 * 2, ops.MultiplyAdds);
        ops.ResetMultiplyAdds();
        ops.BatchedMatMul(randn(4, 2, 3, dtype: ScalarType.Float64), randn(4, 5, 3, dtype: ScalarType.Float64), transposeB: true);
        Assert.AreEqual(4 * 2 * 3 * 5, ops.MultiplyAdds);
    }

    [TestMethod]
    public void LayerInitialisationIsUniformWithinOneOverSqrtFanIn()
    {
        manual_seed(3);
        var layer = new TensorProductLayer("tp", Irreps.Parse("32x0e+32x1o"), Irreps.Parse("0e+1o"), Irreps.Parse("64x0e+32x1o"), gated: false, ScalarType.Float64);
        double bound = 1 / Math.Sqrt(64);
        double[] w = layer.Weight.data<double>().ToArray();
        Assert.IsTrue(w.All(v => Math.Abs(v) <= bound));
        Assert.IsGreaterThan(0.9 * bound, w.Max(), "weights should fill the interval");
        double[] b = layer.Biases!.data<double>().ToArray();
        Assert.HasCount(64, b);
        Assert.IsTrue(b.All(v => Math.Abs(v) <= bound));
    }
}
