using Segnn.O3;

namespace Segnn.Nn.Autodiff;

/// <summary>
/// The vector–Jacobian products of a tensor product, in the operations every backend has, following
/// <see cref="TwoStagePlan.GradientPlan"/>. The output gradient g is mixed with the weights transposed once, by a
/// tensor product itself (h = g·Wᵀ for every channel: the forward's weights read under another index map), which is
/// shared by both products: per group of input blocks, ∂/∂x = (y·C)ᵀ·H by one batched matrix product, and
/// ∂/∂y = Σ vec(H·Xᵀ)·Cᵀ. The weight mixing costs what the forward's weight mixing costs; the rest is small.
/// </summary>
public static class TensorProductGradient
{
    /// <returns>the gradients with respect to x (ir_mul, [Z, dim x]) and y ([Z, dim y]); null where not asked for.</returns>
    public static (T? X, T? Y) Compute<T>(IOps<T> ops, TensorProductDescriptor d, T x, T? y, T weight, T g, bool needX, bool needY) where T : class
    {
        TwoStagePlan plan = TwoStagePlan.For(d);
        TwoStagePlan.GradientPlan gp = plan.Gradient;
        T h = ops.TensorProduct(gp.Mixing, g, null, weight, null);
        int dimY = d.Input2.Dim;
        // y·C needs y; the constant 1x0e of a linear product is a column of ones
        T yRows = y ?? ops.OnesColumn(x);
        var blockGrads = new T?[d.Input1.Count];
        T? gy = null;
        for (int gi = 0; gi < plan.Groups.Count; gi++)
        {
            TwoStagePlan.Group group = plan.Groups[gi];
            int n1 = group.Ir.Dim, k = group.K, u = group.Mul;
            T hg = ops.ReshapeRows(ops.Slice(h, gp.GroupOffsets[gi], k * u), k, u); // [Z, K, U]
            if (needX)
            {
                T mt = ops.ReshapeRows(ops.MatMulConstant(yRows, gp.InputCoefficients[gi], dimY, n1 * k), n1, k); // (y·C)ᵀ [Z, 2l+1, K]
                T gx = ops.BatchedMatMul(mt, hg); // [Z, 2l+1, U]
                int at = 0;
                foreach (int b in group.Blocks)
                {
                    int mul = d.Input1[b].Mul;
                    T part = group.Blocks.Length == 1 ? gx : ops.Slice(gx, at, mul);
                    blockGrads[b] = ops.ReshapeRows(part, n1 * mul);
                    at += mul;
                }
            }
            if (needY && y is not null)
            {
                T xg = group.Blocks.Length == 1
                    ? ops.ReshapeRows(ops.Slice(x, d.Input1.Offset(group.Blocks[0]), n1 * u), n1, u)
                    : ops.Concat(group.Blocks.Select(b => ops.ReshapeRows(ops.Slice(x, d.Input1.Offset(b), d.Input1[b].Dim), n1, d.Input1[b].Mul)).ToArray());
                T p = ops.ReshapeRows(ops.BatchedMatMul(hg, xg, transposeB: true), k * n1); // H·Xᵀ [Z, K·(2l+1)]
                T part = ops.MatMulConstant(p, gp.AttributeCoefficients[gi], k * n1, dimY);
                gy = gy is null ? part : ops.Add(gy, part);
            }
        }
        T? gxAll = null;
        if (needX)
        {
            // input blocks no path reads get a zero gradient
            var pieces = new List<T>();
            for (int b = 0; b < d.Input1.Count; b++)
                pieces.Add(blockGrads[b] ?? ops.MatMulConstant(ops.Slice(g, 0, 1), new double[d.Input1[b].Dim], 1, d.Input1[b].Dim));
            gxAll = pieces.Count == 1 ? pieces[0] : ops.Concat(pieces);
        }
        if (needY && gy is null && y is not null) gy = ops.MatMulConstant(ops.Slice(g, 0, 1), new double[dimY], 1, dimY);
        return (gxAll, gy);
    }
}
