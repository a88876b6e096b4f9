namespace Segnn.Runtime.Graphs;

/// <summary>
/// Many systems batched into one graph: node arrays appended, each system's edges offset by its first node (so
/// receiver-sorted systems give a receiver-sorted batch), a graph index per node, and for periodic systems the cell of
/// each system and the image shift of each edge. <see cref="Build"/> gives the layout a model file takes (training turns
/// the same batch into tensors).
/// </summary>
public sealed class BatchBuilder
{
    private readonly List<double> _positions = new();
    private readonly List<double> _velocities = new();
    private readonly List<double> _charges = new();
    private readonly List<int> _atomicNumbers = new();
    private readonly List<int> _tags = new();
    private readonly List<double> _cells = new();
    private readonly List<double> _shifts = new();
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

    /// <summary>Atom tags [nodes], empty when none were given.</summary>
    public IReadOnlyList<int> Tags => _tags;

    /// <summary>The cell of every system [systems·9] (rows = lattice vectors), empty when the systems have none.</summary>
    public IReadOnlyList<double> Cells => _cells;

    /// <summary>Image shift of every edge [edges·3], empty when the systems have no cell.</summary>
    public IReadOnlyList<double> Shifts => _shifts;

    /// <summary>Whether the systems are periodic structures (each has a cell, each edge a shift).</summary>
    public bool HasCells => SystemCount > 0 && _cells.Count == 9 * SystemCount;

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

    /// <summary>Appends one system with its edges (and, for a periodic structure, its cell: the edges then carry shifts).</summary>
    public void Add(ReadOnlySpan<double> positions, EdgeList edges, ReadOnlySpan<double> velocities = default, ReadOnlySpan<double> charges = default,
        ReadOnlySpan<int> atomicNumbers = default, ReadOnlySpan<int> tags = default, PeriodicCell? cell = null)
    {
        if ((cell is null) != (edges.Shifts is null))
            throw new ArgumentException(cell is null ? "edges with image shifts need the cell they refer to" : "a periodic system needs edges with image shifts", nameof(edges));
        Add(positions, edges.Senders, edges.Receivers, velocities, charges, atomicNumbers, tags, cell, edges.Shifts);
    }

    /// <summary>Appends one system; edges are local node indices (sender → receiver), shifts [edges·3] go with a cell.</summary>
    public void Add(ReadOnlySpan<double> positions, ReadOnlySpan<int> senders, ReadOnlySpan<int> receivers, ReadOnlySpan<double> velocities = default,
        ReadOnlySpan<double> charges = default, ReadOnlySpan<int> atomicNumbers = default, ReadOnlySpan<int> tags = default,
        PeriodicCell? cell = null, ReadOnlySpan<int> shifts = default)
    {
        if (positions.Length % 3 != 0) throw new ArgumentException("positions must be [n, 3]", nameof(positions));
        int n = positions.Length / 3, offset = NodeCount, graph = SystemCount;
        if (senders.Length != receivers.Length) throw new ArgumentException("senders and receivers differ in length", nameof(receivers));
        if (!velocities.IsEmpty && velocities.Length != 3 * n) throw new ArgumentException("velocities must be [n, 3]", nameof(velocities));
        if (!charges.IsEmpty && charges.Length != n) throw new ArgumentException("charges must be [n]", nameof(charges));
        if (!atomicNumbers.IsEmpty && atomicNumbers.Length != n) throw new ArgumentException("atomic numbers must be [n]", nameof(atomicNumbers));
        if (!tags.IsEmpty && tags.Length != n) throw new ArgumentException("tags must be [n]", nameof(tags));
        if (cell is not null && shifts.Length != 3 * senders.Length) throw new ArgumentException("a periodic system needs 3 shifts per edge", nameof(shifts));
        if (cell is null && !shifts.IsEmpty) throw new ArgumentException("shifts need the cell they refer to", nameof(shifts));
        if (graph > 0 && (cell is not null) != HasCells) throw new ArgumentException("a batch holds periodic structures or systems without a cell, not both", nameof(cell));
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
        foreach (int t in tags) _tags.Add(t);
        if (cell is not null)
        {
            foreach (double c in cell.Matrix) _cells.Add(c);
            foreach (int k in shifts) _shifts.Add(k);
        }
        for (int i = 0; i < n; i++) _batch.Add(graph);
        _offsets.Add(offset + n);
    }

    /// <summary>The batch in the model file's input layout (int64 indices; the session converts floats to the model's precision).</summary>
    public GraphInputs Build() => new()
    {
        Positions = _positions.ToArray(),
        EdgeIndex = [.. _senders, .. _receivers],
        Batch = _batch.ToArray(),
        Velocities = _velocities.Count == 0 ? null : _velocities.ToArray(),
        Charges = _charges.Count == 0 ? null : _charges.ToArray(),
        AtomicNumbers = _atomicNumbers.Count == 0 ? null : _atomicNumbers.Select(z => (long)z).ToArray(),
        Tags = _tags.Count == 0 ? null : _tags.Select(t => (long)t).ToArray(),
        Cell = HasCells ? _cells.ToArray() : null,
        EdgeShifts = HasCells ? _shifts.ToArray() : null,
    };
}
