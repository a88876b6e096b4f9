using Segnn.Nn;
using Segnn.Runtime.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Graphs;

/// <summary>A host batch (<see cref="BatchBuilder"/>, shared with the runtime) as TorchSharp tensors.</summary>
public static class BatchTensors
{
    /// <summary>
    /// The batch as tensors in the precision of <paramref name="ops"/>; atomic numbers become one-hot rows over
    /// <paramref name="elements"/> (an element outside the list is an error, never an all-zero row).
    /// </summary>
    public static RawGraph<Tensor> ToTensors(this BatchBuilder batch, TorchOps ops, IReadOnlyList<int>? elements = null)
    {
        ScalarType dtype = ops.DType;
        int n = batch.NodeCount;
        Tensor? Vector(IReadOnlyList<double> values, int width) => values.Count == 0 ? null : tensor(values.ToArray(), [n, width], dtype, ops.Device);
        return new RawGraph<Tensor>(
            tensor(batch.Positions.ToArray(), [n, 3], dtype, ops.Device),
            tensor(batch.Senders.ToArray(), [batch.EdgeCount], ScalarType.Int64, ops.Device),
            tensor(batch.Receivers.ToArray(), [batch.EdgeCount], ScalarType.Int64, ops.Device),
            tensor(batch.Batch.ToArray(), [n], ScalarType.Int64, ops.Device),
            ops.Count(n),
            ops.Count(batch.SystemCount),
            Vector(batch.Velocities, 3),
            Vector(batch.Charges, 1),
            elements is null || batch.AtomicNumbers.Count == 0 ? null : OneHot(batch, elements, dtype, ops.Device));
    }

    private static Tensor OneHot(BatchBuilder batch, IReadOnlyList<int> elements, ScalarType dtype, Device device)
    {
        int n = batch.NodeCount;
        var values = new double[n * elements.Count];
        for (int i = 0; i < n; i++)
        {
            int column = -1;
            for (int e = 0; e < elements.Count; e++)
                if (elements[e] == batch.AtomicNumbers[i]) column = e;
            if (column < 0)
                throw new ArgumentException($"atom {i} has atomic number {batch.AtomicNumbers[i]}, which the model does not know (it knows {string.Join(", ", elements)})");
            values[i * elements.Count + column] = 1;
        }
        return tensor(values, [n, elements.Count], dtype, device);
    }
}
