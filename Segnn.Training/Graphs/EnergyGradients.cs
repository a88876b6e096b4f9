using Segnn.Nn;

namespace Segnn.Graphs;

/// <summary>
/// Forces and stress from the gradients of a model's energies, written once against <see cref="IOps{T}"/>: training
/// takes the gradients from TorchSharp's autograd, the exporter from the differentiated trace.
/// </summary>
public static class EnergyGradients
{
    /// <summary>F = −∂E/∂r, [nodes, 3].</summary>
    public static T Forces<T>(IOps<T> ops, T gradPositions) where T : class => ops.Scale(gradPositions, -1.0);

    /// <summary>
    /// The stress of every graph, [graphs, 9] row-major: σ = (1/V)·∂E/∂ε for a symmetric strain ε applied to positions and
    /// cell alike (r → r(1 + ε), rows of the cell likewise), which is ASE's convention (negative under compression).
    /// ∂E/∂ε_ab = Σ_i r_ia ∂E/∂r_ib + Σ_k c_ka ∂E/∂c_kb, symmetrised; V = |det cell|.
    /// </summary>
    public static T Stress<T>(IOps<T> ops, RawGraph<T> g, T gradPositions, T gradCell) where T : class
    {
        T cell = g.Cell ?? throw new ArgumentException("a stress needs the cell of every graph");
        Segmentation<T> byGraph = Featurizer.ByGraph(ops, g);
        var virial = new T[9];
        for (int a = 0; a < 3; a++)
        {
            T ra = ops.Slice(g.Positions, a, 1);
            for (int b = 0; b < 3; b++)
            {
                T atoms = byGraph.Sum(ops, ops.Mul(ra, ops.Slice(gradPositions, b, 1)));
                T lattice = ops.Add(ops.Add(
                    ops.Mul(ops.Slice(cell, a, 1), ops.Slice(gradCell, b, 1)),
                    ops.Mul(ops.Slice(cell, 3 + a, 1), ops.Slice(gradCell, 3 + b, 1))),
                    ops.Mul(ops.Slice(cell, 6 + a, 1), ops.Slice(gradCell, 6 + b, 1)));
                virial[3 * a + b] = ops.Add(atoms, lattice);
            }
        }
        var symmetric = new T[9];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                symmetric[3 * a + b] = a == b ? virial[3 * a + b] : ops.Scale(ops.Add(virial[3 * a + b], virial[3 * b + a]), 0.5);
        return ops.Div(ops.Concat(symmetric), Volume(ops, cell));
    }

    /// <summary>|det| of every cell, [graphs, 1].</summary>
    public static T Volume<T>(IOps<T> ops, T cell) where T : class
    {
        T C(int k) => ops.Slice(cell, k, 1);
        T Minor(int a, int b, int c, int d) => ops.Sub(ops.Mul(C(a), C(b)), ops.Mul(C(c), C(d)));
        T det = ops.Add(ops.Sub(ops.Mul(C(0), Minor(4, 8, 5, 7)), ops.Mul(C(1), Minor(3, 8, 5, 6))), ops.Mul(C(2), Minor(3, 7, 4, 6)));
        return ops.Sqrt(ops.Mul(det, det));
    }
}
