using Segnn.Nn;
using Segnn.Runtime.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Graphs;

/// <summary>
/// Many systems batched into one graph on the host: node arrays concatenated, edge endpoints offset by each system's first
/// node, a graph index per node. Edges stay receiver-sorted when every system's edges are. Turned into tensors once per batch.
/// </summary>
public sealed class GraphBatch
{
    private readonly List<double> _positions = new();
    private readonly List<double> _velocities = new();
    private readonly List<double> _charges = new();
    private readonly List<int> _atomicNumbers = new();
    private readonly List<long> _senders = new();
    private readonly List<long> _receivers = new();
    private readonly List<long> _batch = new();

    public int NumNodes { get; private set; }
    public int NumGraphs { get; private set; }
    public int NumEdges => _senders.Count;

    /// <summary>Adds one system with its receiver-sorted edges.</summary>
    public void Add(ReadOnlySpan<double> positions, EdgeList edges, ReadOnlySpan<double> velocities = default, ReadOnlySpan<double> charges = default,
        ReadOnlySpan<int> atomicNumbers = default) =>
        Add(positions, edges.Senders, edges.Receivers, velocities, charges, atomicNumbers);

    /// <summary>Adds one system; edges are local node indices (sender → receiver).</summary>
    public void Add(ReadOnlySpan<double> positions, ReadOnlySpan<int> senders, ReadOnlySpan<int> receivers,
        ReadOnlySpan<double> velocities = default, ReadOnlySpan<double> charges = default, ReadOnlySpan<int> atomicNumbers = default)
    {
        if (positions.Length % 3 != 0) throw new ArgumentException("positions must be [n, 3]");
        int n = positions.Length / 3;
        if (senders.Length != receivers.Length) throw new ArgumentException("senders and receivers differ in length");
        if (!velocities.IsEmpty && velocities.Length != 3 * n) throw new ArgumentException("velocities must be [n, 3]");
        if (!charges.IsEmpty && charges.Length != n) throw new ArgumentException("charges must be [n]");
        if (!atomicNumbers.IsEmpty && atomicNumbers.Length != n) throw new ArgumentException("atomic numbers must be [n]");
        foreach (double p in positions) _positions.Add(p);
        foreach (double v in velocities) _velocities.Add(v);
        foreach (double q in charges) _charges.Add(q);
        foreach (int z in atomicNumbers) _atomicNumbers.Add(z);
        for (int e = 0; e < senders.Length; e++)
        {
            if ((uint)senders[e] >= (uint)n || (uint)receivers[e] >= (uint)n) throw new ArgumentException($"edge {e} refers to a node outside the system");
            _senders.Add(NumNodes + senders[e]);
            _receivers.Add(NumNodes + receivers[e]);
        }
        for (int i = 0; i < n; i++) _batch.Add(NumGraphs);
        NumNodes += n;
        NumGraphs++;
    }

    public IReadOnlyList<double> Positions => _positions;
    public IReadOnlyList<double> Velocities => _velocities;
    public IReadOnlyList<double> Charges => _charges;
    public IReadOnlyList<int> AtomicNumbers => _atomicNumbers;
    public IReadOnlyList<long> Senders => _senders;
    public IReadOnlyList<long> Receivers => _receivers;
    public IReadOnlyList<long> Batch => _batch;

    /// <summary>
    /// The batch as tensors in the precision of <paramref name="ops"/>; atomic numbers become one-hot rows over
    /// <paramref name="elements"/> (an element outside the list is an error, never an all-zero row).
    /// </summary>
    public RawGraph<Tensor> ToTensors(TorchOps ops, IReadOnlyList<int>? elements = null)
    {
        ScalarType dtype = ops.DType;
        Tensor? Vector(List<double> values, int width) => values.Count == 0 ? null : tensor(values.ToArray(), [NumNodes, width], dtype, ops.Device);
        return new RawGraph<Tensor>(
            tensor(_positions.ToArray(), [NumNodes, 3], dtype, ops.Device),
            tensor(_senders.ToArray(), [_senders.Count], ScalarType.Int64, ops.Device),
            tensor(_receivers.ToArray(), [_receivers.Count], ScalarType.Int64, ops.Device),
            tensor(_batch.ToArray(), [NumNodes], ScalarType.Int64, ops.Device),
            ops.Count(NumNodes),
            ops.Count(NumGraphs),
            Vector(_velocities, 3),
            Vector(_charges, 1),
            elements is null || _atomicNumbers.Count == 0 ? null : OneHot(elements, dtype, ops.Device));
    }

    private Tensor OneHot(IReadOnlyList<int> elements, ScalarType dtype, Device device)
    {
        var values = new double[NumNodes * elements.Count];
        for (int i = 0; i < NumNodes; i++)
        {
            int column = -1;
            for (int e = 0; e < elements.Count; e++)
                if (elements[e] == _atomicNumbers[i]) column = e;
            if (column < 0) throw new ArgumentException($"atom {i} has atomic number {_atomicNumbers[i]}, which the model does not know (it knows {string.Join(", ", elements)})");
            values[i * elements.Count + column] = 1;
        }
        return tensor(values, [NumNodes, elements.Count], dtype, device);
    }
}
