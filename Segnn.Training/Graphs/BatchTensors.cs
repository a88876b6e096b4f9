using Segnn.Nn;
using Segnn.Runtime.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Graphs;

/// <summary>A host batch (<see cref="BatchBuilder"/>, shared with the runtime) as TorchSharp tensors.</summary>
public static class BatchTensors
{
    /// <summary>
    /// The batch as tensors in the precision of <paramref name="ops"/>. An atomic number outside <paramref name="elements"/>
    /// is an error here (the model would see an all-zero one-hot row).
    /// </summary>
    public static RawGraph<Tensor> ToTensors(this BatchBuilder batch, TorchOps ops, IReadOnlyList<int>? elements = null)
    {
        ScalarType dtype = ops.DType;
        int n = batch.NodeCount;
        Tensor? Floats(IReadOnlyList<double> values, params long[] shape) => values.Count == 0 ? null : tensor(values.ToArray(), shape, dtype, ops.Device);
        Tensor? Integers(IReadOnlyList<int> values) => values.Count == 0 ? null : tensor(values.Select(v => (long)v).ToArray(), [values.Count], ScalarType.Int64, ops.Device);
        if (elements is not null)
        {
            var known = new HashSet<int>(elements);
            for (int i = 0; i < batch.AtomicNumbers.Count; i++)
                if (!known.Contains(batch.AtomicNumbers[i]))
                    throw new ArgumentException($"atom {i} has atomic number {batch.AtomicNumbers[i]}, which the model does not know (it knows {string.Join(", ", elements)})");
        }
        return new RawGraph<Tensor>(
            tensor(batch.Positions.ToArray(), [n, 3], dtype, ops.Device),
            tensor(batch.Senders.ToArray(), [batch.EdgeCount], ScalarType.Int64, ops.Device),
            tensor(batch.Receivers.ToArray(), [batch.EdgeCount], ScalarType.Int64, ops.Device),
            tensor(batch.Batch.ToArray(), [n], ScalarType.Int64, ops.Device),
            ops.Count(n),
            ops.Count(batch.SystemCount))
        {
            Velocities = Floats(batch.Velocities, n, 3),
            Charges = Floats(batch.Charges, n, 1),
            AtomicNumbers = Integers(batch.AtomicNumbers),
            Tags = Integers(batch.Tags),
            Cell = batch.HasCells ? Floats(batch.Cells, batch.SystemCount, 9) : null,
            EdgeShifts = batch.HasCells ? tensor(batch.Shifts.ToArray(), [batch.EdgeCount, 3], dtype, ops.Device) : null,
        };
    }
}
