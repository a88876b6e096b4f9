using Segnn.Export.Onnx;
using Segnn.Export.Onnx.Proto;
using Segnn.Export.Trace;
using Segnn.O3;

namespace Segnn.Export.Lowering;

/// <summary>How a traced tensor product becomes ONNX operators.</summary>
public enum TensorProductLoweringKind
{
    /// <summary>Per input irrep: M = y·C (stacked Clebsch–Gordan), T = M·x; per output block ONE MatMul with stacked weights; no transposes.</summary>
    TwoStage,

    /// <summary>vec(x ⊗ y)·B with every path and weight folded into one (mostly zero) matrix.</summary>
    Dense,
}

/// <summary>
/// The lowering pass: replaces every <c>ai.segnn.trace::TensorProduct</c> placeholder of a trace by plain ONNX operators
/// (MatMul, Mul, Reshape, Slice, Concat, Add), reading the same <see cref="TensorProductDescriptor"/>
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
        PruneInitializers(b.Graph);
    }

    private static float[] WeightsOf(TraceOps trace, TensorProductCall call) =>
        trace.Values.TryGetValue(call.Weight.Name, out float[]? w) ? w
            : throw new InvalidOperationException($"tensor product {call.Descriptor}: its weights are not constants of the trace");

    private static string TwoStage(TraceOps trace, TensorProductCall call)
    {
        GraphBuilder b = trace.Builder;
        TensorProductDescriptor d = call.Descriptor;
        TwoStagePlan plan = TwoStagePlan.For(d);
        float[] weights = WeightsOf(trace, call);
        float[]? biases = call.Bias is null ? null : trace.Values[call.Bias.Name];
        string x = call.X.Name;

        // the input's blocks by ONE Split over the whole axis: separate Slices invite ONNX Runtime's Slice-to-Split fusion,
        // which mis-sizes its Split when the slices leave columns out (seen on edge-less batches)
        string[] blocks = d.Input1.Count == 1 ? [x]
            : b.AddNodeWithOutputs("Split", [x, b.Ints(d.Input1.Select(blk => (long)blk.Dim).ToArray())],
                d.Input1.Select((_, i) => b.Fresh($"block{i}")).ToArray(), ("axis", -1L)).ToArray();

        // features are ir_mul: a block is [Z, 2l+1, mul] by a reshape, so nothing below transposes
        var t = new string[plan.Groups.Count];
        for (int g = 0; g < t.Length; g++)
        {
            TwoStagePlan.Group group = plan.Groups[g];
            int dim = group.Ir.Dim;
            string Block(int blk) => b.Node("Reshape", [blocks[blk], b.Ints(-1, dim, d.Input1[blk].Mul)]);
            string xg = group.Contiguous
                ? Block(group.Blocks[0])
                : b.Node("Concat", group.Blocks.Select(Block).ToArray(), ("axis", 2L)); // [Z, 2l+1, U]
            if (plan.IsLinear(group))
            {
                // identity coefficients: T is x, once per channel
                t[g] = group.Channels.Count == 1 ? xg : b.Node("Concat", Enumerable.Repeat(xg, group.Channels.Count).ToArray(), ("axis", 1L));
                continue;
            }
            string c = b.Constant(group.Coefficients.Select(v => (float)v).ToArray(), [d.Input2.Dim, group.K * dim], "cg");
            string m = b.Node("Reshape", [b.Node("MatMul", [call.Y!.Name, c]), b.Ints(-1, group.K, dim)]); // [Z, K, 2l+1]
            t[g] = b.Node(dim == 1 ? "Mul" : "MatMul", [m, xg]); // [Z, K, U]
        }

        var outs = new List<string>();
        for (int o = 0; o < plan.Outputs.Count; o++)
        {
            TwoStagePlan.OutputBlock ob = plan.Outputs[o];
            string result;
            if (ob.Parts.Count == 0)
            {
                string shape = b.Node("Concat", [b.Node("Slice", [b.Node("Shape", [x]), b.Ints(0), b.Ints(1)]), b.Ints(ob.Mul * ob.Dim)], ("axis", 0L));
                result = b.Node("ConstantOfShape", [shape], ("value", GraphBuilder.ScalarTensor(0f)));
            }
            else
            {
                var slices = ob.Parts.Select(p =>
                {
                    string tg = t[p.Group];
                    int k = plan.Groups[p.Group].K;
                    return p.Channel.KOffset == 0 && ob.Dim == k ? tg
                        : b.Node("Slice", [tg, b.Ints(p.Channel.KOffset), b.Ints(p.Channel.KOffset + ob.Dim), b.Ints(1)]);
                }).ToArray();
                string a = slices.Length == 1 ? slices[0] : b.Node("Concat", slices, ("axis", 2L)); // [Z, 2l+1, Σu]
                string w = b.Constant(TwoStagePlan.OutputWeights(ob, weights), [ob.Rows, ob.Mul], "w");
                string r = b.Node("MatMul", [b.Node("Reshape", [a, b.Ints(-1, ob.Rows)]), w]); // [Z·(2l+1), w]
                result = ob.Dim == 1 ? r : b.Node("Reshape", [r, b.Ints(-1, ob.Dim * ob.Mul)]); // the ir_mul output block
            }
            if (ob.BiasOffset >= 0 && biases is not null)
                result = b.Node("Add", [result, b.Constant(biases.AsSpan(ob.BiasOffset, ob.Mul).ToArray(), [ob.Mul], "bias")]);
            outs.Add(result);
        }
        return outs.Count == 1 ? outs[0] : b.Node("Concat", outs, ("axis", -1L));
    }

    private static string Dense(TraceOps trace, TensorProductCall call)
    {
        GraphBuilder b = trace.Builder;
        TensorProductDescriptor d = call.Descriptor;
        float[] matrix = TwoStagePlan.DenseBilinear(d, WeightsOf(trace, call));
        string bigB = b.Constant(matrix, [d.Input1.Dim * d.Input2.Dim, d.Output.Dim], "bilinear");
        string outer = call.Y is null ? call.X.Name
            : b.Node("Reshape", [b.Node("Mul", [b.Node("Unsqueeze", [call.X.Name, b.Ints(2)]), b.Node("Unsqueeze", [call.Y.Name, b.Ints(1)])]), b.Ints(-1, d.Input1.Dim * d.Input2.Dim)]);
        string result = b.Node("MatMul", [outer, bigB]);
        if (call.Bias is null) return result;
        float[] biases = trace.Values[call.Bias.Name];
        var full = new float[d.Output.Dim];
        for (int o = 0; o < d.Output.Count; o++)
            if (d.HasBias[o])
                Array.Copy(biases, d.BiasOffset(o), full, d.Output.Offset(o), d.Output[o].Mul);
        return b.Node("Add", [result, b.Constant(full, [full.Length], "bias")]);
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
