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

    /// <summary>Graphs and their targets, row-major [rows, target width].</summary>
    (BatchBuilder Batch, double[] Targets) Get(IReadOnlyList<int> indices);
}

/// <summary>A dataset whose samples depend on the epoch (augmentation); the trainer tells it which epoch runs.</summary>
public interface IEpochAware
{
    void SetEpoch(int epoch);
}
