using Segnn.Graphs;
using Segnn.Runtime.Graphs;

namespace Segnn.Training;

/// <summary>
/// A split of a task's data as the trainer sees it: a number of samples, a batch of graphs for any subset, and the targets
/// of that subset in the layout of the model's prediction (node rows for node tasks, graph rows for graph tasks).
/// </summary>
public interface IGraphDataset
{
    string Name { get; }
    int Count { get; }

    /// <summary>Graphs and their targets.</summary>
    (BatchBuilder Batch, GraphTargets Targets) Get(IReadOnlyList<int> indices);
}

/// <summary>
/// The targets of a batch: the prediction's columns, row-major [rows, width] (node rows for node tasks, graph rows for
/// graph tasks), and for energy models the per-atom forces [nodes·3] and per-graph stress [graphs·9] with masks saying
/// which atoms' forces count (free atoms) and which graphs have a stress label.
/// </summary>
public sealed record GraphTargets(double[] Columns)
{
    public double[]? Forces { get; init; }

    /// <summary>Per node: whether its force is a target (fixed atoms of a slab are not).</summary>
    public bool[]? ForceMask { get; init; }

    public double[]? Stress { get; init; }

    /// <summary>Per graph: whether it has a stress label.</summary>
    public bool[]? StressMask { get; init; }
}

/// <summary>A dataset whose samples depend on the epoch (augmentation); the trainer tells it which epoch runs.</summary>
public interface IEpochAware
{
    void SetEpoch(int epoch);
}
