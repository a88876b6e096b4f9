namespace Segnn.Runtime;

/// <summary>
/// One batch of graphs in the layout a Segnn model file takes: node arrays concatenated, edges as [2, E] (senders then
/// receivers, receiver-sorted), a non-decreasing graph index per node, and for periodic models a cell per graph and an
/// image shift per edge. Built by <see cref="Graphs.BatchBuilder"/>; checked against the model before it runs. Values are
/// double precision here; the session converts them to the model's precision.
/// </summary>
public sealed record GraphInputs
{
    /// <summary>Positions [nodes·3].</summary>
    public required double[] Positions { get; init; }

    /// <summary>Edge index [2·edges]: the senders, then the receivers.</summary>
    public required long[] EdgeIndex { get; init; }

    /// <summary>Graph of every node [nodes].</summary>
    public required long[] Batch { get; init; }

    /// <summary>Velocities [nodes·3] (particle systems).</summary>
    public double[]? Velocities { get; init; }

    /// <summary>Charges [nodes] (particle systems).</summary>
    public double[]? Charges { get; init; }

    /// <summary>Atomic numbers [nodes].</summary>
    public long[]? AtomicNumbers { get; init; }

    /// <summary>Atom tags [nodes].</summary>
    public long[]? Tags { get; init; }

    /// <summary>The cell of every graph [graphs·9], row-major, rows = lattice vectors (periodic models).</summary>
    public double[]? Cell { get; init; }

    /// <summary>Image shift of every edge [edges·3] in lattice vectors (periodic models).</summary>
    public double[]? EdgeShifts { get; init; }

    /// <summary>Number of nodes.</summary>
    public int NodeCount => Positions.Length / 3;

    /// <summary>Number of edges.</summary>
    public int EdgeCount => EdgeIndex.Length / 2;

    /// <summary>Number of graphs.</summary>
    public int GraphCount => Batch.Length == 0 ? 0 : (int)Batch[^1] + 1;
}
