namespace Segnn.Graphs;

/// <summary>
/// A batch of systems as raw geometry, in any backend: positions [N,3], the edges (sender → receiver, int64 [E]),
/// the graph of every node (int64 [N]), the counts (int64 scalars), and the task's per-node inputs; for periodic
/// structures the cell of every graph [G, 9] (rows = lattice vectors) and the image shift of every edge [E, 3].
/// This is exactly what an exported model takes as inputs.
/// </summary>
public sealed record RawGraph<T>(T Positions, T Senders, T Receivers, T Batch, T NumNodes, T NumGraphs) where T : class
{
    public T? Velocities { get; init; }
    public T? Charges { get; init; }

    /// <summary>Atomic numbers, int64 [N].</summary>
    public T? AtomicNumbers { get; init; }

    /// <summary>Atom tags, int64 [N].</summary>
    public T? Tags { get; init; }

    /// <summary>The cell of every graph, [G, 9] row-major (rows = lattice vectors).</summary>
    public T? Cell { get; init; }

    /// <summary>Image shift of every edge in lattice vectors, [E, 3].</summary>
    public T? EdgeShifts { get; init; }
}
