namespace Segnn.Runtime.Graphs;

/// <summary>
/// Many systems batched into one graph: node arrays appended, each system's edges offset by its first node (so
/// receiver-sorted systems give a receiver-sorted batch), a graph index per node. Values are kept in double precision;
/// <see cref="Build"/> gives the float32 layout a model file takes (training turns the same batch into tensors).
/// </summary>
public sealed class BatchBuilder
{
    private readonly List<double> _positions = new();
    private readonly List<double> _velocities = new();
    private readonly List<double> _charges = new();
    private readonly List<int> _atomicNumbers = new();
    private readonly List<long> _senders = new();
    private readonly List<long> _receivers = new();
    private readonly List<long> _batch = new();
    private readonly List<int> _offsets = new() { 0 };

    /// <summary>Nodes so far.</summary>
    public int NodeCount => _batch.Count;

    /// <summary>Edges so far.</summary>
    public int EdgeCount => _senders.Count;

    /// <summary>Systems so far.</summary>
    public int SystemCount => _offsets.Count - 1;

    /// <summary>Positions [nodes·3].</summary>
    public IReadOnlyList<double> Positions => _positions;

    /// <summary>Velocities [nodes·3], empty when none were given.</summary>
    public IReadOnlyList<double> Velocities => _velocities;

    /// <summary>Charges [nodes], empty when none were given.</summary>
    public IReadOnlyList<double> Charges => _charges;

    /// <summary>Atomic numbers [nodes], empty when none were given.</summary>
    public IReadOnlyList<int> AtomicNumbers => _atomicNumbers;

    /// <summary>Edge senders (batch node indices).</summary>
    public IReadOnlyList<long> Senders => _senders;

    /// <summary>Edge receivers (batch node indices).</summary>
    public IReadOnlyList<long> Receivers => _receivers;

    /// <summary>Graph of every node.</summary>
    public IReadOnlyList<long> Batch => _batch;

    /// <summary>First node of system <paramref name="system"/>.</summary>
    public int NodeOffset(int system) => _offsets[system];

    /// <summary>Nodes of system <paramref name="system"/>.</summary>
    public int Nodes(int system) => _offsets[system + 1] - _offsets[system];

    /// <summary>Appends one system with its edges.</summary>
    public void Add(ReadOnlySpan<double> positions, EdgeList edges, ReadOnlySpan<double> velocities = default, ReadOnlySpan<double> charges = default,
        ReadOnlySpan<int> atomicNumbers = default) =>
        Add(positions, edges.Senders, edges.Receivers, velocities, charges, atomicNumbers);

    /// <summary>Appends one system; edges are local node indices (sender → receiver).</summary>
    public void Add(ReadOnlySpan<double> positions, ReadOnlySpan<int> senders, ReadOnlySpan<int> receivers, ReadOnlySpan<double> velocities = default,
        ReadOnlySpan<double> charges = default, ReadOnlySpan<int> atomicNumbers = default)
    {
        if (positions.Length % 3 != 0) throw new ArgumentException("positions must be [n, 3]", nameof(positions));
        int n = positions.Length / 3, offset = NodeCount, graph = SystemCount;
        if (senders.Length != receivers.Length) throw new ArgumentException("senders and receivers differ in length", nameof(receivers));
        if (!velocities.IsEmpty && velocities.Length != 3 * n) throw new ArgumentException("velocities must be [n, 3]", nameof(velocities));
        if (!charges.IsEmpty && charges.Length != n) throw new ArgumentException("charges must be [n]", nameof(charges));
        if (!atomicNumbers.IsEmpty && atomicNumbers.Length != n) throw new ArgumentException("atomic numbers must be [n]", nameof(atomicNumbers));
        for (int e = 0; e < senders.Length; e++)
        {
            if ((uint)senders[e] >= (uint)n || (uint)receivers[e] >= (uint)n)
                throw new ArgumentException($"edge {e} refers to a node outside its system of {n}", nameof(senders));
            _senders.Add(offset + senders[e]);
            _receivers.Add(offset + receivers[e]);
        }
        foreach (double p in positions) _positions.Add(p);
        foreach (double v in velocities) _velocities.Add(v);
        foreach (double q in charges) _charges.Add(q);
        foreach (int z in atomicNumbers) _atomicNumbers.Add(z);
        for (int i = 0; i < n; i++) _batch.Add(graph);
        _offsets.Add(offset + n);
    }

    /// <summary>The batch in the model file's input layout (float32 values, int64 indices).</summary>
    public GraphInputs Build() => new()
    {
        Positions = _positions.Select(v => (float)v).ToArray(),
        EdgeIndex = [.. _senders, .. _receivers],
        Batch = _batch.ToArray(),
        Velocities = _velocities.Count == 0 ? null : _velocities.Select(v => (float)v).ToArray(),
        Charges = _charges.Count == 0 ? null : _charges.Select(v => (float)v).ToArray(),
        AtomicNumbers = _atomicNumbers.Count == 0 ? null : _atomicNumbers.Select(z => (long)z).ToArray(),
    };
}
