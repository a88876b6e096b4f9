using Segnn.Graphs;
using Segnn.Nn;
using Segnn.O3;

namespace Segnn.Tasks;

/// <summary>
/// Undoing the target standardisation inside the forward: scalars ·scale + mean, vectors ·scale, and for extensive targets
/// the sum of per-element references over each graph's atoms (one-hot rows times the references). Shared by every task
/// with graph-level targets.
/// </summary>
public static class StandardisedOutputs
{
    /// <param name="ops">the backend.</param>
    /// <param name="config">targets, their statistics and references.</param>
    /// <param name="graph">the batch (for the per-graph sums).</param>
    /// <param name="networkOutput">[graphs, output dim], standardised.</param>
    /// <param name="elementRows">[nodes, elements] one-hot rows aligned with the references; only read when a target has references.</param>
    public static T Apply<T>(IOps<T> ops, ModelConfig config, RawGraph<T> graph, T networkOutput, T elementRows) where T : class
    {
        var scale = new List<double>();
        var shift = new List<double>();
        foreach (TargetSpec t in config.Targets)
            foreach (MulIrrep b in t.Irreps)
                for (int i = 0; i < b.Dim; i++)
                {
                    scale.Add(t.Scale);
                    shift.Add(b.Ir.L == 0 ? t.Mean : 0.0);
                }
        T result = networkOutput;
        if (!scale.All(s => s == 1)) result = ops.Mul(result, ops.Constant(scale.ToArray(), 1, scale.Count));
        if (!shift.All(s => s == 0)) result = ops.Add(result, ops.Constant(shift.ToArray(), 1, shift.Count));
        if (config.Targets.All(t => t.AtomReferences is null)) return result;

        Segmentation<T> byGraph = Featurizer.ByGraph(ops, graph);
        var columns = new List<T>();
        foreach (TargetSpec t in config.Targets)
        {
            int width = t.Irreps.Dim;
            if (t.AtomReferences is { } refs && width == 1)
                columns.Add(byGraph.Sum(ops, ops.SumAxis(ops.Mul(elementRows, ops.Constant(refs.ToArray(), 1, refs.Count)), -1)));
            else
                for (int k = 0; k < width; k++) columns.Add(ops.Scale(ops.OnesColumn(result), 0));
        }
        return ops.Add(result, ops.Concat(columns));
    }
}
