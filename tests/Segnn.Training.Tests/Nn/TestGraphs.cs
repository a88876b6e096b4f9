using Segnn.Graphs;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime.Graphs;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Nn;

/// <summary>Random systems and O(3) actions on tensors, for equivariance tests.</summary>
internal static class TestGraphs
{
    /// <summary>Applies the representation of (R, inversion) of <paramref name="irreps"/> to every row.</summary>
    public static Tensor Act(Irreps irreps, Rotation r, bool inversion, Tensor x)
    {
        double[] d = WignerD.Matrix(irreps, r, inversion);
        using Tensor m = tensor(d, [irreps.Dim, irreps.Dim], x.dtype);
        return x.matmul(m.t());
    }

    /// <summary>e3nn's mul_ir layout → the network's ir_mul layout (columns permuted).</summary>
    public static Tensor ToIrMul(Irreps irreps, Tensor x) =>
        x.index_select(1, tensor(Layout.MulIrToIrMul(irreps).Select(c => (long)c).ToArray(), ScalarType.Int64));

    public static Tensor ToMulIr(Irreps irreps, Tensor x) =>
        x.index_select(1, tensor(Layout.IrMulToMulIr(irreps).Select(c => (long)c).ToArray(), ScalarType.Int64));

    /// <summary><see cref="Act"/> for features in the network's ir_mul layout.</summary>
    public static Tensor ActIrMul(Irreps irreps, Rotation r, bool inversion, Tensor x) => ToIrMul(irreps, Act(irreps, r, inversion, ToMulIr(irreps, x)));

    public static double RelativeDifference(Tensor a, Tensor b)
    {
        double num = (a - b).abs().max().to_type(ScalarType.Float64).item<double>();
        double den = b.abs().max().to_type(ScalarType.Float64).item<double>();
        return num / Math.Max(den, 1e-300);
    }

    /// <summary>Fully connected systems of the given sizes, batched; receiver-sorted edges.</summary>
    public static (long[] Senders, long[] Receivers, long[] Batch) FullyConnected(params int[] sizes)
    {
        var s = new List<long>();
        var r = new List<long>();
        var b = new List<long>();
        int offset = 0;
        for (int g = 0; g < sizes.Length; g++)
        {
            EdgeList edges = NeighbourList.FullyConnected(sizes[g]);
            s.AddRange(edges.Senders.Select(x => (long)(offset + x)));
            r.AddRange(edges.Receivers.Select(x => (long)(offset + x)));
            b.AddRange(Enumerable.Repeat((long)g, sizes[g]));
            offset += sizes[g];
        }
        return (s.ToArray(), r.ToArray(), b.ToArray());
    }

    public static RawGraph<Tensor> NBody(TorchOps ops, Random rng, ScalarType dtype, params int[] sizes)
    {
        var (s, r, b) = FullyConnected(sizes);
        int n = sizes.Sum();
        Tensor positions = Random(rng, dtype, n, 3, 2.0);
        return new RawGraph<Tensor>(positions, tensor(s, ScalarType.Int64), tensor(r, ScalarType.Int64), tensor(b, ScalarType.Int64), ops.Count(n), ops.Count(sizes.Length))
        {
            Velocities = Random(rng, dtype, n, 3, 0.5),
            Charges = tensor(Enumerable.Range(0, n).Select(_ => rng.Next(2) == 0 ? -1.0 : 1.0).ToArray(), [n, 1], dtype),
        };
    }

    public static RawGraph<Tensor> Molecules(TorchOps ops, Random rng, ScalarType dtype, params int[] sizes)
    {
        var (s, r, b) = FullyConnected(sizes);
        int n = sizes.Sum();
        long[] elements = [1, 6, 7, 8, 9]; // the QM9 configuration's, in one-hot column order
        var z = new long[n];
        for (int i = 0; i < n; i++) z[i] = elements[rng.Next(5)];
        return new RawGraph<Tensor>(Random(rng, dtype, n, 3, 1.5), tensor(s, ScalarType.Int64), tensor(r, ScalarType.Int64),
            tensor(b, ScalarType.Int64), ops.Count(n), ops.Count(sizes.Length))
        { AtomicNumbers = tensor(z, ScalarType.Int64) };
    }

    public static Tensor Random(Random rng, ScalarType dtype, int rows, int cols, double scale = 1.0) =>
        tensor(Enumerable.Range(0, rows * cols).Select(_ => scale * (2 * rng.NextDouble() - 1)).ToArray(), [rows, cols], dtype);

    /// <summary>The same systems rotated (and inverted): positions and velocities transform as 1o.</summary>
    public static RawGraph<Tensor> Transform(RawGraph<Tensor> g, Rotation r, bool inversion)
    {
        Irreps vector = Irreps.Parse("1x1o");
        return g with
        {
            Positions = Act(vector, r, inversion, g.Positions),
            Velocities = g.Velocities is null ? null : Act(vector, r, inversion, g.Velocities),
        };
    }
}
