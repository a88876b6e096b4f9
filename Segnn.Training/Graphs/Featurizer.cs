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

    /// <summary>
    /// DimeNet's polynomial envelope of exponent p on x = d / cutoff: 1 − (p+1)(p+2)/2·x^p + p(p+2)·x^(p+1) − p(p+1)/2·x^(p+2).
    /// It is 1 at d = 0 and reaches 0 at the cutoff with its first two derivatives, so whatever it multiplies (messages,
    /// radial features, attributes) and their forces go to zero continuously as a neighbour leaves the cutoff.
    /// </summary>
    public static T Envelope<T>(IOps<T> ops, T distance, double cutoff, int p) where T : class
    {
        if (p < 2) throw new ArgumentOutOfRangeException(nameof(p), p, "the envelope exponent must be at least 2");
        T x = ops.Scale(distance, 1.0 / cutoff);
        T xp = x;
        for (int k = 1; k < p; k++) xp = ops.Mul(xp, x);
        T xp1 = ops.Mul(xp, x), xp2 = ops.Mul(xp1, x);
        T sum = ops.Add(ops.Add(ops.Scale(xp, -(p + 1) * (p + 2) / 2.0), ops.Scale(xp1, p * (p + 2.0))), ops.Scale(xp2, -p * (p + 1) / 2.0));
        return ops.AddScalar(sum, 1.0);
    }

    /// <summary>
    /// The first n Bessel functions of the distance, √(2/cutoff)·sin(kπ d/cutoff)/d for k = 1…n ([E, n]), each times the
    /// <paramref name="envelope"/> [E, 1]: smooth radial features that vanish at the cutoff.
    /// </summary>
    public static T BesselBasis<T>(IOps<T> ops, T distance, T envelope, double cutoff, int n) where T : class
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "at least one radial function");
        T inverse = ops.Div(envelope, distance); // edges join distinct points: d > 0
        var columns = new T[n];
        for (int k = 1; k <= n; k++)
            columns[k - 1] = ops.Scale(ops.Mul(ops.Sin(ops.Scale(distance, k * Math.PI / cutoff)), inverse), Math.Sqrt(2.0 / cutoff));
        return ops.Concat(columns);
    }

    /// <summary>
    /// Node attributes as the envelope-weighted mean of incoming edge attributes, Σ u·a / (1 + Σ u): smooth as neighbours
    /// enter and leave the cutoff, where a plain mean jumps (its count changes); near the plain mean for many neighbours.
    /// </summary>
    public static T WeightedNodeAttributes<T>(IOps<T> ops, T edgeAttributes, T weights, Segmentation<T> byReceiver) where T : class =>
        ops.Div(byReceiver.Sum(ops, ops.Mul(edgeAttributes, weights)), ops.AddScalar(byReceiver.Sum(ops, weights), 1.0));
}
