namespace Segnn.Nn;

/// <summary>
/// What the SEGNN network consumes, after featurisation: node features and attributes, edge attributes and extra edge
/// scalars, the edges (sender → receiver, int64), the grouping of nodes into graphs, and optionally a weight per edge
/// [E, 1] that scales each message before aggregation (the smooth cutoff envelope: a neighbour's message fades to zero
/// as it reaches the cutoff).
/// </summary>
public sealed record SegnnInputs<T>(
    T NodeFeatures,
    T NodeAttributes,
    T EdgeAttributes,
    T? EdgeScalars,
    T Senders,
    T Receivers,
    T NumNodes,
    Segmentation<T> Graphs,
    T? EdgeWeights = null) where T : class;
