namespace Segnn.Graphs;

/// <summary>
/// A batch of systems as raw geometry, in any backend: positions [N,3], the edges (sender → receiver, int64 [E]),
/// the graph of every node (int64 [N]), the counts (int64 scalars), and the task's per-node inputs.
/// This is exactly what an exported model takes as inputs.
/// </summary>
public sealed record RawGraph<T>(
    T Positions,
    T Senders,
    T Receivers,
    T Batch,
    T NumNodes,
    T NumGraphs,
    T? Velocities = null,
    T? Charges = null,
    T? NodeFeatures = null) where T : class;
