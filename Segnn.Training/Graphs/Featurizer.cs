using Segnn.Nn;
using Segnn.O3;

namespace Segnn.Graphs;

/// <summary>
/// The geometric featurisation shared by training and export (segnn.md §3.1): relative positions r = p_sender − p_receiver
/// (+ shift·cell across a periodic boundary), edge attributes SH(r), node attributes as the mean of incoming edge
/// attributes (plus optional per-node vectors' SH), distances. Written against <see cref="IOps{T}"/>, so the exported
/// graph contains the very same computation.
/// </summary>
public static class Featurizer
{
    /// <summary>
    /// r = p_sender − p_receiver, plus Σ_k shift_k · (lattice vector k of the edge's graph) for periodic structures: the
    /// image geometry is computed here, inside the forward, so training and exported models agree and forces and stress
    /// come out of the same graph.
    /// </summary>
    public static T RelativePositions<T>(IOps<T> ops, RawGraph<T> g) where T : class
    {
        T r = ops.Sub(ops.Rows(g.Positions, g.Senders), ops.Rows(g.Positions, g.Receivers));
        if (g.Cell is null || g.EdgeShifts is null) return r;
        T cell = ops.Rows(g.Cell, ops.Rows(g.Batch, g.Receivers)); // [E, 9]: the cell of each edge's graph
        for (int k = 0; k < 3; k++)
            r = ops.Add(r, ops.Mul(ops.Slice(g.EdgeShifts, k, 1), ops.Slice(cell, 3 * k, 3)));
        return r;
    }

    public static T SquaredNorm<T>(IOps<T> ops, T vectors) where T : class => ops.SumAxis(ops.Mul(vectors, vectors), -1);

    public static T Norm<T>(IOps<T> ops, T vectors) where T : class => ops.Sqrt(SquaredNorm(ops, vectors));

    /// <summary>Incoming edges grouped by receiving node.</summary>
    public static Segmentation<T> ByReceiver<T>(IOps<T> ops, RawGraph<T> g, T edgeRows) where T : class =>
        Segmentation<T>.Create(ops, g.Receivers, g.NumNodes, edgeRows);

    public static Segmentation<T> ByGraph<T>(IOps<T> ops, RawGraph<T> g) where T : class =>
        Segmentation<T>.Create(ops, g.Batch, g.NumGraphs, g.Positions);

    /// <summary>Mean over incoming edges of the edge attributes (0 for isolated nodes); the model then sets l = 0 to 1.</summary>
    public static T NodeAttributes<T>(IOps<T> ops, T edgeAttributes, Segmentation<T> byReceiver) where T : class =>
        byReceiver.Mean(ops, edgeAttributes);

    public static T EdgeAttributes<T>(IOps<T> ops, T relative, int lmax, ShNormalization normalization) where T : class =>
        SphericalHarmonicsOp.Evaluate(ops, relative, lmax, normalization);
}
