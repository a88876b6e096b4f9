using Segnn.Graphs;
using Segnn.Nn;

namespace Segnn.Tasks;

/// <summary>
/// What a task adds around the network: how raw inputs become <see cref="SegnnInputs{T}"/> and how the raw network
/// output becomes the prediction. Both are written against <see cref="IOps{T}"/>, so an exported model embeds them.
/// </summary>
public abstract class TaskDefinition
{
    protected TaskDefinition(ModelConfig config) => Config = config;

    public ModelConfig Config { get; }

    public abstract SegnnInputs<T> Featurize<T>(IOps<T> ops, RawGraph<T> graph) where T : class;

    public abstract T Postprocess<T>(IOps<T> ops, RawGraph<T> graph, T networkOutput) where T : class;

    /// <summary>The full prediction: featurise, run the network, post-process.</summary>
    public T Predict<T>(IOps<T> ops, SegnnModel model, RawGraph<T> graph) where T : class =>
        Postprocess(ops, graph, model.Forward(ops, Featurize(ops, graph)));

    public static TaskDefinition For(ModelConfig config) => config.Task switch
    {
        "nbody" => new NBodyTask(config),
        "qm9" or "qm9-mp2" => new MoleculeTask(config),
        _ => throw new FormatException($"unknown task '{config.Task}'"),
    };
}

/// <summary>
/// Charged N-body (segnn.md §4.2): node input [p − centre, v, ‖v‖] (2x1o+1x0e), edge scalars [‖r‖, q_s·q_r],
/// node attribute = mean edge SH + SH(v); the prediction is p + output.
/// </summary>
public sealed class NBodyTask(ModelConfig config) : TaskDefinition(config)
{
    public override SegnnInputs<T> Featurize<T>(IOps<T> ops, RawGraph<T> g)
    {
        T velocities = g.Velocities ?? throw new ArgumentException("the nbody task needs velocities");
        T charges = g.Charges ?? throw new ArgumentException("the nbody task needs charges");
        T relative = Featurizer.RelativePositions(ops, g);
        T edgeAttributes = Featurizer.EdgeAttributes(ops, relative, Config.LMaxAttributes, Config.ShNorm);
        Segmentation<T> byReceiver = Featurizer.ByReceiver(ops, g, relative);
        Segmentation<T> byGraph = Featurizer.ByGraph(ops, g);
        T nodeAttributes = ops.Add(Featurizer.NodeAttributes(ops, edgeAttributes, byReceiver),
            SphericalHarmonicsOp.Evaluate(ops, velocities, Config.LMaxAttributes, Config.ShNorm));

        T centre = Config.Centering == "reference"
            ? ops.Scale(ops.SumAxis(g.Positions, -1), 1.0 / 3.0) // the reference's per-particle coordinate mean, broadcast over x, y, z
            : byGraph.Broadcast(ops, byGraph.Mean(ops, g.Positions));
        T features = ops.Concat([ops.Sub(g.Positions, centre), velocities, Featurizer.Norm(ops, velocities)]);
        T edgeScalars = ops.Concat([Featurizer.Norm(ops, relative), ops.Mul(ops.Rows(charges, g.Senders), ops.Rows(charges, g.Receivers))]);
        return new SegnnInputs<T>(features, nodeAttributes, edgeAttributes, edgeScalars, g.Senders, g.Receivers, g.NumNodes, byGraph);
    }

    public override T Postprocess<T>(IOps<T> ops, RawGraph<T> graph, T networkOutput) => ops.Add(graph.Positions, networkOutput);
}

/// <summary>
/// Molecules (segnn.md §5.1–5.2): one-hot elements (N×0e), radius graph, component-normalised SH attributes,
/// squared-distance edge scalar; graph outputs de-standardised per target (scalars: ·scale + mean; vectors: ·scale).
/// </summary>
public sealed class MoleculeTask(ModelConfig config) : TaskDefinition(config)
{
    public override SegnnInputs<T> Featurize<T>(IOps<T> ops, RawGraph<T> g)
    {
        T features = g.NodeFeatures ?? throw new ArgumentException("the molecule task needs one-hot node features");
        T relative = Featurizer.RelativePositions(ops, g);
        T edgeAttributes = Featurizer.EdgeAttributes(ops, relative, Config.LMaxAttributes, Config.ShNorm);
        Segmentation<T> byReceiver = Featurizer.ByReceiver(ops, g, relative);
        Segmentation<T> byGraph = Featurizer.ByGraph(ops, g);
        T nodeAttributes = Featurizer.NodeAttributes(ops, edgeAttributes, byReceiver);
        T edgeScalars = Featurizer.SquaredNorm(ops, relative);
        return new SegnnInputs<T>(features, nodeAttributes, edgeAttributes, edgeScalars, g.Senders, g.Receivers, g.NumNodes, byGraph);
    }

    public override T Postprocess<T>(IOps<T> ops, RawGraph<T> graph, T networkOutput)
    {
        var scale = new List<double>();
        var shift = new List<double>();
        foreach (TargetSpec t in Config.Targets)
        {
            var irreps = O3.Irreps.Parse(t.Irreps);
            foreach (O3.MulIrrep b in irreps)
                for (int i = 0; i < b.Dim; i++)
                {
                    scale.Add(t.Scale);
                    shift.Add(b.Ir.L == 0 ? t.Mean : 0.0);
                }
        }
        T result = networkOutput;
        if (!scale.All(s => s == 1)) result = ops.Mul(result, ops.Constant(scale.ToArray(), 1, scale.Count));
        if (!shift.All(s => s == 0)) result = ops.Add(result, ops.Constant(shift.ToArray(), 1, shift.Count));
        if (Config.Targets.All(t => t.AtomReferences is null)) return result;

        // Σ over each molecule's atoms of the per-element references: one-hot · references, summed per graph
        T features = graph.NodeFeatures ?? throw new ArgumentException("the molecule task needs one-hot node features");
        Segmentation<T> byGraph = Featurizer.ByGraph(ops, graph);
        var columns = new List<T>();
        foreach (TargetSpec t in Config.Targets)
        {
            int width = O3.Irreps.Parse(t.Irreps).Dim;
            if (t.AtomReferences is { } refs && width == 1)
                columns.Add(byGraph.Sum(ops, ops.SumAxis(ops.Mul(features, ops.Constant(refs, 1, refs.Length)), -1)));
            else
                for (int k = 0; k < width; k++) columns.Add(ops.Scale(ops.OnesColumn(result), 0));
        }
        return ops.Add(result, ops.Concat(columns));
    }
}
