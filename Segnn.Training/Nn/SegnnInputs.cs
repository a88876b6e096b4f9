namespace Segnn.Nn;

/// <summary>
/// What the SEGNN network consumes, after featurisation: node features and attributes, edge attributes and extra edge
/// scalars, the edges (sender → receiver, int64) and the grouping of nodes into graphs.
/// </summary>
public sealed record SegnnInputs<T>(
    T NodeFeatures,
    T NodeAttributes,
    T EdgeAttributes,
    T? EdgeScalars,
    T Senders,
    T Receivers,
    T NumNodes,
    Segmentation<T> Graphs) where T : class;
