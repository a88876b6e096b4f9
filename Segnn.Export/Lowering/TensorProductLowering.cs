using Segnn.Export.Onnx;
using Segnn.Export.Onnx.Proto;
using Segnn.Export.Trace;
using Segnn.O3;

namespace Segnn.Export.Lowering;

/// <summary>How a traced tensor product becomes ONNX operators.</summary>
public enum TensorProductLoweringKind
{
    /// <summary>Per (group, output block) per channel (M = y·C, T = M·x, the channels' T·W accumulated by Gemm) or weights first (x·W, then one row-wise product), whichever costs less; no transposes.</summary>
    TwoStage,

    /// <summary>vec(x ⊗ y)·B with every path and weight folded into one (mostly zero) matrix.</summary>
    Dense,
}

/// <summary>
/// The lowering pass: replaces every <c>ai.segnn.trace::TensorProduct</c> placeholder of a trace by plain ONNX operators
/// (MatMul, Gemm, Mul, Reshape, Split, Concat, Add), reading the same <see cref="TensorProductDescriptor"/>
/// and <see cref="TwoStagePlan"/> training uses, with weights and coefficients folded into constants. Never emits Einsum
/// (ONNX Runtime decomposes it at run time, 5–7× slower on CPU).
/// </summary>
public static class TensorProductLowering
{
    public static void Run(TraceOps trace, TensorProductLoweringKind kind)
    {
        GraphBuilder b = trace.Builder;
        List<NodeProto> nodes = b.Graph.Node.ToList();
        b.Graph.Node.Clear();
        foreach (NodeProto node in nodes)
        {
            if (node.Domain != TraceOps.PlaceholderDomain)
            {
                b.Graph.Node.Add(node);
                continue;
            }
            TensorProductCall call = trace.TensorProducts[(int)node.Attribute.Single(a => a.Name == "id").I];
            string result = kind == TensorProductLoweringKind.Dense ? Dense(trace, call) : TwoStage(trace, call);
            b.AddNodeWithOutputs("Identity", [result], [call.Output]);
        }
        ConcatForwarding.Run(b);
        PruneInitializers(b.Graph);
    }

    private static double[] WeightsOf(TraceOps trace, TensorProductCall call) =>
        trace.Values.TryGetValue(call.Weight.Name, out double[]? w) ? w
            : throw new InvalidOperationException($"tensor product {call.Descriptor}: its weights are not constants of the trace");

    private static string TwoStage(TraceOps trace, TensorProductCall call)
    {
        GraphBuilder b = trace.Builder;
        TensorProductDescriptor d = call.Descriptor;
        TwoStagePlan plan = TwoStagePlan.For(d);
        double[] weights = WeightsOf(trace, call);
        double[]? biases = call.Bias is null ? null : trace.Values[call.Bias.Name];
        string x = call.X.Name;

        // the input's blocks by ONE Split over the whole axis: separate Slices invite ONNX Runtime's Slice-to-Split fusion,
        // which mis-sizes its Split when the slices leave columns out (seen on edge-less batches)
        string[] blocks = d.Input1.Count == 1 ? [x]
            : b.AddNodeWithOutputs("Split", [x, b.Ints(d.Input1.Select(blk => (long)blk.Dim).ToArray())],
                d.Input1.Select((_, i) => b.Fresh($"block{i}")).ToArray(), ("axis", -1L)).ToArray();

        // features are ir_mul: a block is [Z, 2l+1, mul] by a reshape, so nothing below transposes; a group's X
        // [Z, 2l+1, U] (its blocks side by side) is made only when a per-channel product reads it
        var xg = new string?[plan.Groups.Count];
        string Block(int blk, long dim) => b.Node("Reshape", [blocks[blk], b.Ints(-1, dim, d.Input1[blk].Mul)]);
        string X(int g)
        {
            TwoStagePlan.Group group = plan.Groups[g];
            return xg[g] ??= group.Contiguous ? Block(group.Blocks[0], group.Ir.Dim) : b.Node("Concat", group.Blocks.Select(blk => Block(blk, group.Ir.Dim)).ToArray(), ("axis", 2L));
        }

        // stage 1 per channel, T = (y·C_channel)·X [Z, 2l_out+1, U]: a channel's Clebsch–Gordan columns are a contiguous
        // range of its group's C, so nothing is sliced out of a product shared by several output blocks
        string ChannelProduct(int g, TwoStagePlan.Channel ch)
        {
            TwoStagePlan.Group group = plan.Groups[g];
            if (plan.IsLinear(group)) return X(g); // identity coefficients: T is x
            int dim = group.Ir.Dim, n3 = 2 * ch.LOut + 1, dimY = d.Input2.Dim, width = group.K * dim;
            var c = new double[dimY * n3 * dim];
            for (int j = 0; j < dimY; j++)
                for (int col = 0; col < n3 * dim; col++)
                    c[j * n3 * dim + col] = group.Coefficients[j * width + ch.KOffset * dim + col];
            string m = b.Node("Reshape", [b.Node("MatMul", [call.Y!.Name, b.Real(c, [dimY, n3 * dim], "cg")]), b.Ints(-1, n3, dim)]); // [Z, 2l_out+1, 2l+1]
            return b.Node(dim == 1 ? "Mul" : "MatMul", [m, X(g)]);
        }

        // weights first, for the channels of one group into one output block: P = X·[W_c1 | W_c2 …] (one GEMM over all
        // rows and components, [Z·(2l+1), U] × [U, n·w]), viewed [Z, (2l+1)·n, w]; then ONE batched product per row with
        // M' = y·C' [Z, 2l_out+1, (2l+1)·n], the channels' Clebsch–Gordan blocks side by side in P's (i, c) order
        string WeightsFirst(int g, IReadOnlyList<TwoStagePlan.Channel> channels, ReadOnlySpan<double> w, TwoStagePlan.OutputBlock ob)
        {
            TwoStagePlan.Group group = plan.Groups[g];
            int dim = group.Ir.Dim, u = group.Mul, n = channels.Count, n3 = ob.Dim, mul = ob.Mul, dimY = d.Input2.Dim;
            var wcat = new double[u * n * mul];
            for (int c = 0; c < n; c++)
                for (int r = 0; r < u; r++)
                    for (int o = 0; o < mul; o++)
                        wcat[r * n * mul + c * mul + o] = w[(c * u + r) * mul + o];
            // block by block, accumulated by Gemm: no concatenation of the group's blocks
            string? p = null;
            int first = 0;
            foreach (int blk in group.Blocks)
            {
                int ub = d.Input1[blk].Mul;
                string wb = b.Real(wcat.AsSpan(first * n * mul, ub * n * mul).ToArray(), [ub, n * mul], "w");
                string a = b.Node("Reshape", [blocks[blk], b.Ints(-1, ub)]); // [Z·(2l+1), u_b]
                p = p is null ? b.Node("MatMul", [a, wb]) : b.Node("Gemm", [a, wb, p]);
                first += ub;
            }
            double[] cg = plan.WeightsFirstCoefficients(g, channels, n3);
            string m = b.Node("Reshape", [b.Node("MatMul", [call.Y!.Name, b.Real(cg, [dimY, n3 * dim * n], "cg")]), b.Ints(-1, n3, dim * n)]);
            string pv = b.Node("Reshape", [p!, b.Ints(-1, dim * n, mul)]);
            return dim * n == 1 ? b.Node("Mul", [m, pv]) : b.Node("MatMul", [m, pv]); // [Z, 2l_out+1, w]
        }

        // per output block: the groups the plan computes weights first (TwoStagePlan.PrefersWeightsFirst: fewer weighted
        // multiply-adds) summed, then the other groups' channels T·W_channel accumulated onto that through Gemm's C input.
        // Training's ONE GEMM per block would need the channels' T's concatenated first: a copy ONNX Runtime pays in full (README)
        var outs = new List<string>();
        for (int o = 0; o < plan.Outputs.Count; o++)
        {
            TwoStagePlan.OutputBlock ob = plan.Outputs[o];
            string? bias = ob.BiasOffset >= 0 && biases is not null ? b.Real(biases.AsSpan(ob.BiasOffset, ob.Mul).ToArray(), [ob.Mul], "bias") : null;
            string result;
            if (ob.Parts.Count == 0)
            {
                string shape = b.Node("Concat", [b.Node("Slice", [b.Node("Shape", [x]), b.Ints(0), b.Ints(1)]), b.Ints(ob.Mul * ob.Dim)], ("axis", 0L));
                result = b.Node("ConstantOfShape", [shape], ("value", b.ScalarTensor(0)));
                if (bias is not null) result = b.Node("Add", [result, bias]);
            }
            else
            {
                double[] w = TwoStagePlan.OutputWeights(ob, weights);
                IReadOnlyList<TwoStagePlan.GroupPart> parts = plan.GroupParts(o);
                string? sum = null; // weights-first parts, [Z, 2l_out+1, w]
                foreach (TwoStagePlan.GroupPart q in parts.Where(q => q.WeightsFirst))
                {
                    int u = plan.Groups[q.Group].Mul;
                    string t = WeightsFirst(q.Group, q.Channels, w.AsSpan(q.FirstRow * ob.Mul, q.Channels.Length * u * ob.Mul), ob);
                    sum = sum is null ? t : b.Node("Add", [sum, t]);
                }
                string? acc = sum is null ? null : b.Node("Reshape", [sum, b.Ints(-1, ob.Mul)]);
                if (ob.Dim == 1 && bias is not null)
                {
                    acc = acc is null ? bias : b.Node("Add", [acc, bias]); // a scalar block's bias is Gemm's C; others have none in SEGNN
                    bias = null;
                }
                foreach (TwoStagePlan.GroupPart q in parts.Where(q => !q.WeightsFirst))
                {
                    int u = plan.Groups[q.Group].Mul;
                    for (int c = 0; c < q.Channels.Length; c++)
                    {
                        string a = b.Node("Reshape", [ChannelProduct(q.Group, q.Channels[c]), b.Ints(-1, u)]); // [Z·(2l+1), U]
                        string wp = b.Real(w.AsSpan((q.FirstRow + c * u) * ob.Mul, u * ob.Mul).ToArray(), [u, ob.Mul], "w");
                        acc = acc is null ? b.Node("MatMul", [a, wp]) : b.Node("Gemm", [a, wp, acc]);
                    }
                }
                if (bias is not null) acc = b.Node("Add", [acc!, bias]);
                result = ob.Dim == 1 ? acc! : b.Node("Reshape", [acc!, b.Ints(-1, ob.Dim * ob.Mul)]); // the ir_mul output block
            }
            b.Widths[result] = ob.Mul * ob.Dim;
            outs.Add(result);
        }
        return outs.Count == 1 ? outs[0] : b.Node("Concat", outs, ("axis", -1L));
    }

    private static string Dense(TraceOps trace, TensorProductCall call)
    {
        GraphBuilder b = trace.Builder;
        TensorProductDescriptor d = call.Descriptor;
        double[] matrix = TwoStagePlan.DenseBilinear(d, WeightsOf(trace, call));
        string bigB = b.Real(matrix, [d.Input1.Dim * d.Input2.Dim, d.Output.Dim], "bilinear");
        string outer = call.Y is null ? call.X.Name
            : b.Node("Reshape", [b.Node("Mul", [b.Node("Unsqueeze", [call.X.Name, b.Ints(2)]), b.Node("Unsqueeze", [call.Y.Name, b.Ints(1)])]), b.Ints(-1, d.Input1.Dim * d.Input2.Dim)]);
        string result = b.Node("MatMul", [outer, bigB]);
        if (call.Bias is null) return result;
        double[] biases = trace.Values[call.Bias.Name];
        var full = new double[d.Output.Dim];
        for (int o = 0; o < d.Output.Count; o++)
            if (d.HasBias[o])
                Array.Copy(biases, d.BiasOffset(o), full, d.Output.Offset(o), d.Output[o].Mul);
        return b.Node("Add", [result, b.Real(full, [full.Length], "bias")]);
    }

    /// <summary>Drops initializers no node reads (parameters folded into lowered constants).</summary>
    internal static void PruneInitializers(GraphProto graph)
    {
        var used = new HashSet<string>(graph.Node.SelectMany(n => n.Input), StringComparer.Ordinal);
        foreach (ValueInfoProto o in graph.Output) used.Add(o.Name);
        var keep = graph.Initializer.Where(i => used.Contains(i.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(keep);
    }
}
