using Segnn.Export.Onnx;
using Segnn.Nn;
using Segnn.O3;

namespace Segnn.Export.Trace;

/// <summary>
/// The symbolic backend of <see cref="IOps{T}"/>: running a layer's forward on it records ONNX nodes into a
/// <see cref="GraphBuilder"/>. Primitive operations map to ONNX operators directly; a tensor product is recorded as ONE
/// high-level placeholder node (<c>ai.segnn.trace::TensorProduct</c>) that <see cref="Lowering.TensorProductLowering"/>
/// later expands using the same <see cref="TensorProductDescriptor"/> training uses. Everything is float32.
/// </summary>
public sealed class TraceOps : IOps<SymbolicTensor>
{
    public const string PlaceholderDomain = "ai.segnn.trace";
    public const string PlaceholderOp = "TensorProduct";

    private readonly GraphBuilder _b;
    private readonly Dictionary<TensorHandle, SymbolicTensor> _parameters = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, SymbolicTensor> _onesColumns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SymbolicTensor> _oneHots = new(StringComparer.Ordinal);

    /// <param name="builder">the graph being recorded.</param>
    public TraceOps(GraphBuilder builder) => _b = builder;

    public bool Training => false;

    internal GraphBuilder Builder => _b;

    /// <summary>The tensor products recorded so far, in order; placeholders refer to them by index.</summary>
    internal List<TensorProductCall> TensorProducts { get; } = new();

    /// <summary>Float values of every initializer made from a parameter or buffer, by name (lowering folds them).</summary>
    internal Dictionary<string, double[]> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>The same value, known to be a sorted index vector.</summary>
    internal static SymbolicTensor Mark(SymbolicTensor index) => new(index.Name, index.Type, index.Dims.ToArray()) { SortedIndex = true };

    internal SymbolicTensor Wrap(string name, OnnxType type, params long?[] dims)
    {
        if (dims.Length == 2 && dims[1] is long width) _b.Widths[name] = width;
        return new(name, type, dims);
    }

    public SymbolicTensor Parameter(TensorHandle parameter) => FromHandle(parameter);

    public SymbolicTensor Buffer(TensorHandle buffer) => FromHandle(buffer);

    // every use of one parameter reads one initializer, named after the parameter
    private SymbolicTensor FromHandle(TensorHandle handle)
    {
        if (_parameters.TryGetValue(handle, out SymbolicTensor? t)) return t;
        double[] values = handle.ReadValues();
        if (_b.FloatType == OnnxType.Float) values = values.Select(v => (double)(float)v).ToArray(); // what the file holds
        long[] dims = handle.Shape.ToArray();
        string name = _b.Real(values, dims, handle.Name);
        Values[name] = values;
        t = Wrap(name, _b.FloatType, dims.Select(d => (long?)d).ToArray());
        _parameters[handle] = t;
        return t;
    }

    public SymbolicTensor Constant(double[] values, params long[] shape)
    {
        string name = _b.Real(values, shape);
        return Wrap(name, _b.FloatType, shape.Select(d => (long?)d).ToArray());
    }

    public SymbolicTensor Add(SymbolicTensor a, SymbolicTensor b) => Binary("Add", a, b);
    public SymbolicTensor Sub(SymbolicTensor a, SymbolicTensor b) => Binary("Sub", a, b);
    public SymbolicTensor Mul(SymbolicTensor a, SymbolicTensor b) => Binary("Mul", a, b);
    public SymbolicTensor Div(SymbolicTensor a, SymbolicTensor b) => Binary("Div", a, b);

    public SymbolicTensor Scale(SymbolicTensor a, double factor) =>
        factor == 1.0 ? a : Same(a, _b.Node("Mul", [a.Name, ScalarLike(a, factor)]));

    public SymbolicTensor AddScalar(SymbolicTensor a, double value) => Same(a, _b.Node("Add", [a.Name, ScalarLike(a, value)]));
    public SymbolicTensor ClampMin(SymbolicTensor a, double min) => Same(a, _b.Node("Max", [a.Name, ScalarLike(a, min)]));

    /// <summary>
    /// A constant of <paramref name="a"/>'s rank with every dimension 1: ONNX Runtime 1.31 broadcasts a rank-0 (or
    /// rank-1) scalar over a [rows, 1] column element by element (Mul of [10740, 1] by a scalar 255 µs, by a [1, 1] 17 µs,
    /// 1 thread; the force field's backward has 50 of them per run).
    /// </summary>
    private string ScalarLike(SymbolicTensor a, double value) => _b.Real([value], Enumerable.Repeat(1L, a.Rank).ToArray(), "scalar");
    public SymbolicTensor Sqrt(SymbolicTensor a) => Same(a, _b.Node("Sqrt", [a.Name]));
    public SymbolicTensor Sigmoid(SymbolicTensor a) => Same(a, _b.Node("Sigmoid", [a.Name]));
    public SymbolicTensor Sin(SymbolicTensor a) => Same(a, _b.Node("Sin", [a.Name]));
    public SymbolicTensor Cos(SymbolicTensor a) => Same(a, _b.Node("Cos", [a.Name]));
    public SymbolicTensor Silu(SymbolicTensor a) => Same(a, _b.Node("Mul", [a.Name, _b.Node("Sigmoid", [a.Name])]));

    public SymbolicTensor Slice(SymbolicTensor x, int start, int length)
    {
        if (start == 0 && x.Dims[^1] == length) return x;
        string name = _b.Node("Slice", [x.Name, _b.Ints(start), _b.Ints(start + length), _b.Ints(-1)]);
        return Wrap(name, x.Type, [.. x.Dims.Take(x.Rank - 1), length]);
    }

    public SymbolicTensor Concat(IReadOnlyList<SymbolicTensor> parts)
    {
        if (parts.Count == 1) return parts[0];
        string name = _b.Node("Concat", parts.Select(p => p.Name).ToArray(), ("axis", -1L));
        return Wrap(name, parts[0].Type, [.. parts[0].Dims.Take(parts[0].Rank - 1), parts.Sum(p => p.Width)]);
    }

    /// <summary>
    /// Columns as runs of consecutive indices: ONE Split of x at every run boundary (covering the axis), then a Concat of
    /// the pieces in order, repeats included. ONNX Runtime's Gather along the last axis copies element by element
    /// (5.4 ms for the QM9 norm's [1830, 108] → [1830, 324] broadcast, against 0.3 ms for Split + Concat); a Gather is
    /// kept only for scattered columns (more pieces than <see cref="MaxColumnPieces"/>).
    /// </summary>
    public SymbolicTensor GatherColumns(SymbolicTensor x, int[] columns)
    {
        int width = (int)x.Width;
        var runs = new List<(int Start, int End)>();
        foreach (int c in columns)
        {
            if (runs.Count > 0 && runs[^1].End == c) runs[^1] = (runs[^1].Start, c + 1);
            else runs.Add((c, c + 1));
        }
        var cuts = new SortedSet<int> { 0, width };
        foreach (var (start, end) in runs)
        {
            cuts.Add(start);
            cuts.Add(end);
        }
        int[] bounds = cuts.ToArray();
        int pieces = runs.Sum(r => bounds.Count(c => c > r.Start && c <= r.End));
        string name;
        if (pieces > MaxColumnPieces)
            name = _b.Node("Gather", [x.Name, _b.Constant(columns.Select(c => (long)c).ToArray(), [columns.Length], "columns")], ("axis", -1L));
        else
        {
            string[] parts = bounds.Length == 2 ? [x.Name]
                : _b.AddNodeWithOutputs("Split", [x.Name, _b.Ints(bounds.Skip(1).Select((c, i) => (long)(c - bounds[i])).ToArray())],
                    Enumerable.Range(0, bounds.Length - 1).Select(i => _b.Fresh("columns")).ToArray(), ("axis", -1L)).ToArray();
            for (int i = 0; i < parts.Length; i++) _b.Widths[parts[i]] = bounds[i + 1] - bounds[i];
            var order = new List<string>();
            foreach (var (start, end) in runs)
                for (int i = Array.IndexOf(bounds, start); bounds[i] < end; i++) order.Add(parts[i]);
            name = order.Count == 1 ? order[0] : _b.Node("Concat", [.. order], ("axis", -1L));
        }
        return Wrap(name, x.Type, [.. x.Dims.Take(x.Rank - 1), columns.Length]);
    }

    /// <summary>Above this many Split pieces a column selection stays one Gather.</summary>
    private const int MaxColumnPieces = 64;

    /// <summary>Up to this size, a sum over a middle axis is a Split and Adds (its slices are 2l+1 components).</summary>
    private const int MaxSplitSum = 8;

    public SymbolicTensor ReshapeRows(SymbolicTensor x, params long[] trailing)
    {
        string name = _b.Node("Reshape", [x.Name, _b.Ints([-1, .. trailing])]);
        return Wrap(name, x.Type, [x.Dims[0], .. trailing.Select(t => (long?)t)]);
    }

    public SymbolicTensor AsRow(SymbolicTensor vector)
    {
        string name = _b.Node("Unsqueeze", [vector.Name, _b.Ints(0)]);
        return Wrap(name, vector.Type, [1, .. vector.Dims]);
    }

    /// <summary>
    /// A sum over a fixed axis whose result keeps its shape when the rows are empty: ONNX Runtime 1.31's ReduceSum returns
    /// an empty input unreduced (an edge-less batch's [0, 3] stayed [0, 3]), which then mis-sizes every later
    /// concatenation. The last axis is a MatMul with a ones column; any other axis is a ReduceSum followed by a Reshape to
    /// the reduced shape with the rows as -1 (a MatMul with a ones row from the left, tried first, fails for an empty
    /// batch in ONNX Runtime 1.31: "right operand cannot broadcast on dim 0", a periodic structure without edges).
    /// </summary>
    public SymbolicTensor SumAxis(SymbolicTensor x, int axis)
    {
        int a = axis < 0 ? x.Rank + axis : axis;
        long size = x.Dims[a] ?? throw new NotSupportedException($"{x.Name}: cannot sum over the dynamic axis {axis}");
        var dims = x.Dims.Select((d, i) => i == a ? 1 : d).ToArray();
        if (a == x.Rank - 1)
        {
            var ones = Enumerable.Repeat(1.0, (int)size).ToArray();
            return Wrap(_b.Node("MatMul", [x.Name, _b.Real(ones, [size, 1], "ones")]), x.Type, dims);
        }
        if (a > 0 && size <= MaxSplitSum)
        {
            // a short middle axis: its slices added (ReduceSum over the middle of [10740, 3, 16] 1.85 ms, a Split and
            // two Adds 0.32 ms, 1 thread); a Split keeps the empty batch's shape
            if (size == 1) return x;
            string[] slices = _b.AddNodeWithOutputs("Split", [x.Name, _b.Ints(Enumerable.Repeat(1L, (int)size).ToArray())],
                Enumerable.Range(0, (int)size).Select(_ => _b.Fresh("slice")).ToArray(), ("axis", (long)(a - x.Rank))).ToArray(); // negative: as in Repeated
            string total = slices[0];
            for (int i = 1; i < slices.Length; i++) total = _b.Node("Add", [total, slices[i]]);
            return Wrap(total, x.Type, dims);
        }
        string sum = _b.Node("ReduceSum", [x.Name, _b.Ints(a)], ("keepdims", 1L));
        if (a == 0 || dims.Skip(1).Any(d => d is null)) return Wrap(sum, x.Type, dims);
        return Wrap(_b.Node("Reshape", [sum, _b.Ints([-1, .. dims.Skip(1).Select(d => d!.Value)])]), x.Type, dims);
    }

    public SymbolicTensor MeanRows(SymbolicTensor x)
    {
        string name = _b.Node("ReduceMean", [x.Name], ("axes", new long[] { 0 }), ("keepdims", 1L));
        return Wrap(name, x.Type, [1, .. x.Dims.Skip(1)]);
    }

    public SymbolicTensor OnesColumn(SymbolicTensor like)
    {
        if (_onesColumns.TryGetValue(like.Name, out SymbolicTensor? cached)) return cached;
        string rows = _b.Node("Slice", [_b.Node("Shape", [like.Name]), _b.Ints(0), _b.Ints(1)]);
        string shape = _b.Node("Concat", [rows, _b.Ints(1)], ("axis", 0L));
        string name = _b.Node("ConstantOfShape", [shape], ("value", _b.ScalarTensor(1)));
        var result = Wrap(name, _b.FloatType, like.Dims[0], 1);
        _onesColumns[like.Name] = result;
        return result;
    }

    /// <summary>Equal against the class row, cast to float; one per (indices, classes), however often the forward asks.</summary>
    public SymbolicTensor OneHot(SymbolicTensor indices, IReadOnlyList<long> classes)
    {
        string key = indices.Name + "|" + string.Join(",", classes);
        if (_oneHots.TryGetValue(key, out SymbolicTensor? cached)) return cached;
        string eq = _b.Node("Equal", [_b.Node("Unsqueeze", [indices.Name, _b.Ints(-1)]), _b.Constant(classes.ToArray(), [1, classes.Count], "classes")]);
        var result = Wrap(_b.Node("Cast", [eq], ("to", (long)_b.FloatType)), _b.FloatType, indices.Dims[0], classes.Count);
        _oneHots[key] = result;
        return result;
    }

    public SymbolicTensor Rows(SymbolicTensor x, SymbolicTensor index)
    {
        string name = _b.Node("Gather", [x.Name, index.Name], ("axis", 0L));
        // a sorted index vector read at sorted positions stays sorted (the graph of each receiver)
        SymbolicTensor rows = Wrap(name, x.Type, [index.Dims[0], .. x.Dims.Skip(1)]); // Wrap records the width (concat forwarding reads it)
        return x.SortedIndex && index.SortedIndex ? Mark(rows) : rows;
    }

    /// <summary>
    /// A segment sum in lanes (see below) over a sorted index (receiver-sorted edges, nodes grouped by graph: the model's
    /// input contract; an unsorted index is sorted first), so that no ScatterND index repeats.
    /// </summary>
    public SymbolicTensor SegmentSum(SymbolicTensor x, SymbolicTensor index, SymbolicTensor count)
    {
        if (x.Rank != 2) throw new NotSupportedException("segment sums are traced for [rows, features] tensors only");
        string rows = x.Name, segments = index.Name;
        if (!index.SortedIndex)
        {
            // unsorted segments (the senders, in a backward pass): a stable sort of the index first, once per index vector
            string order = SortOrder(index);
            rows = _b.Node("Gather", [x.Name, order], ("axis", 0L));
            segments = _b.Node("Gather", [index.Name, order], ("axis", 0L));
        }
        // lanes: the r-th row of every segment goes to lane r, so that no ScatterND index repeats. ONNX Runtime's ScatterND
        // hands contiguous ranges of rows to its threads without atomics: with sorted duplicates the row at a range
        // boundary is updated by two threads at once and one update can be lost (force-field forces off by 15–86 % in 5 of
        // 28 two-thread runs); lanes also fix the order of every sum, so results no longer depend on threads
        string rank = LaneOf(segments);
        string lanes = _b.Node("Add", [_b.Node("ReduceMax", [_b.Node("Concat", [rank, _b.Ints(0)], ("axis", 0L))], ("keepdims", 1L)), _b.Ints(1)]);
        string shape = _b.Node("Concat", [lanes, _b.Node("Unsqueeze", [count.Name, _b.Ints(0)]), _b.Ints(x.Width)], ("axis", 0L));
        string zeros = _b.Node("ConstantOfShape", [shape], ("value", _b.ScalarTensor(0)));
        string indices = _b.Node("Concat", [_b.Node("Unsqueeze", [rank, _b.Ints(-1)]), _b.Node("Unsqueeze", [segments, _b.Ints(-1)])], ("axis", -1L));
        string spread = _b.Node("ScatterND", [zeros, indices, rows]); // [lanes, segments, width], every index once
        // the lanes summed as a ones row times [lanes, segments × width]: ReduceSum over axis 0 took 0.7 ms for the N-body
        // batch's [4, 500, 128] (ONNX Runtime 1.31, 1 thread), 3× its ScatterND; the final Reshape keeps [0, width] when
        // there are no segments
        string onesRow = _b.Node("ConstantOfShape", [_b.Node("Concat", [_b.Ints(1), lanes], ("axis", 0L))], ("value", _b.ScalarTensor(1)));
        string flat = _b.Node("Reshape", [spread, _b.Node("Concat", [lanes, _b.Ints(-1)], ("axis", 0L))]);
        string name = _b.Node("Reshape", [_b.Node("MatMul", [onesRow, flat]), _b.Ints(-1, x.Width)]);
        return Wrap(name, x.Type, null, x.Width);
    }

    private readonly Dictionary<string, string> _lanes = new(StringComparer.Ordinal);

    /// <summary>For a sorted int64 vector, each entry's rank among the equal entries before it (exact integer ops, once per vector).</summary>
    private string LaneOf(string sorted)
    {
        if (_lanes.TryGetValue(sorted, out string? lane)) return lane;
        string n = _b.Node("Shape", [sorted]);
        string position = _b.Node("Range", [_b.Constant([0L], [], "zero"), _b.Node("Squeeze", [n, _b.Ints(0)]), _b.Constant([1L], [], "one")]);
        // a run starts where the value differs from the one before (the first entry always starts one)
        string previous = _b.Node("Concat", [_b.Ints(-1), _b.Node("Slice", [sorted, _b.Ints(0), _b.Ints(-1), _b.Ints(0)])], ("axis", 0L));
        string starts = _b.Node("Not", [_b.Node("Equal", [sorted, previous])]);
        string run = _b.Node("Sub", [_b.Node("CumSum", [_b.Node("Cast", [starts], ("to", 7L)), _b.Constant([0L], [], "zero")]), _b.Ints(1)]);
        string startPositions = _b.Node("Reshape", [_b.Node("NonZero", [starts]), _b.Ints(-1)]);
        lane = _b.Node("Sub", [position, _b.Node("Gather", [startPositions, run], ("axis", 0L))]);
        _lanes[sorted] = lane;
        return lane;
    }

    private readonly Dictionary<string, string> _sortOrders = new(StringComparer.Ordinal);

    /// <summary>The permutation that sorts an int64 vector ascending, ties in their order (TopK of all, smallest first).</summary>
    private string SortOrder(SymbolicTensor index)
    {
        if (_sortOrders.TryGetValue(index.Name, out string? order)) return order;
        string k = _b.Node("Shape", [index.Name]);
        order = _b.AddNodeWithOutputs("TopK", [index.Name, k], [_b.Fresh("sorted"), _b.Fresh("order")], ("axis", 0L), ("largest", 0L), ("sorted", 1L))[1];
        _sortOrders[index.Name] = order;
        return order;
    }

    public SymbolicTensor TensorProduct(TensorProductDescriptor descriptor, SymbolicTensor x, SymbolicTensor? y, SymbolicTensor weight, SymbolicTensor? bias)
    {
        if (x.Width != descriptor.Input1.Dim) throw new ArgumentException($"tensor product {descriptor}: input has width {x.Width}");
        int id = TensorProducts.Count;
        string output = _b.Fresh("tp");
        var inputs = new List<string> { x.Name, y?.Name ?? "", weight.Name, bias?.Name ?? "" };
        _b.AddNodeWithOutputs(PlaceholderOp, inputs, [output], ("id", (long)id));
        _b.Graph.Node[^1].Domain = PlaceholderDomain;
        TensorProducts.Add(new TensorProductCall(descriptor, x, y, weight, bias, output));
        return Wrap(output, _b.FloatType, x.Dims[0], descriptor.Output.Dim);
    }

    public IReadOnlyList<long?> Dims(SymbolicTensor x) => x.Dims;

    public SymbolicTensor RowCount(SymbolicTensor x) =>
        Wrap(_b.Node("Gather", [_b.Node("Shape", [x.Name]), _b.Constant([0L], [], "row")], ("axis", 0L)), OnnxType.Int64);

    /// <summary>ReduceSum over axis 0 (rows are dynamic, so not a MatMul with ones as <see cref="SumAxis"/> does).</summary>
    public SymbolicTensor SumRows(SymbolicTensor x) =>
        Wrap(_b.Node("ReduceSum", [x.Name, _b.Ints(0)], ("keepdims", 1L)), x.Type, [1, .. x.Dims.Skip(1)]);

    public SymbolicTensor Step(SymbolicTensor x, double threshold) =>
        Same(x, _b.Node("Cast", [_b.Node("Greater", [x.Name, ScalarLike(x, threshold)])], ("to", (long)_b.FloatType)));

    public SymbolicTensor MatMulConstant(SymbolicTensor x, IReadOnlyList<double> matrix, int rows, int cols)
    {
        if (matrix.Count != rows * cols) throw new ArgumentException($"a {rows}×{cols} matrix needs {rows * cols} values, not {matrix.Count}");
        string m = _b.Real(matrix, [rows, cols], "matrix");
        return Wrap(_b.Node("MatMul", [x.Name, m]), x.Type, [.. x.Dims.Take(x.Rank - 1), cols]);
    }

    public SymbolicTensor BatchedMatMul(SymbolicTensor a, SymbolicTensor b, bool transposeA = false, bool transposeB = false)
    {
        string Operand(SymbolicTensor t, bool transpose) => transpose ? _b.Node("Transpose", [t.Name], ("perm", new long[] { 0, 2, 1 })) : t.Name;
        long? m = transposeA ? a.Dims[2] : a.Dims[1], n = transposeB ? b.Dims[1] : b.Dims[2];
        return Wrap(_b.Node("MatMul", [Operand(a, transposeA), Operand(b, transposeB)]), a.Type, [a.Dims[0], m, n]);
    }

    public void UpdateRunningStatistic(TensorHandle buffer, SymbolicTensor value, double momentum) =>
        throw new InvalidOperationException("an exported model has no training mode");

    private SymbolicTensor Binary(string op, SymbolicTensor a, SymbolicTensor b)
    {
        (string left, string right) = MiddleBroadcast(a, b) is { } axis
            ? (a.Dims[axis] == 1 ? Repeated(a, axis, b.Dims[axis]!.Value) : a.Name, b.Dims[axis] == 1 ? Repeated(b, axis, a.Dims[axis]!.Value) : b.Name)
            : (a.Name, b.Name);
        string name = _b.Node(op, [left, right]);
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new long?[rank];
        for (int i = 0; i < rank; i++)
        {
            long? da = i - (rank - a.Rank) >= 0 ? a.Dims[i - (rank - a.Rank)] : 1;
            long? db = i - (rank - b.Rank) >= 0 ? b.Dims[i - (rank - b.Rank)] : 1;
            dims[i] = da == 1 ? db : db == 1 ? da : da ?? db;
        }
        return Wrap(name, a.Type, dims);
    }

    /// <summary>
    /// The one axis, neither the rows nor the last, along which a same-rank operand of size 1 meets a fixed size (a gate's
    /// [Z, 1, w] against [Z, 2l+1, w]); null for any other pair. ONNX Runtime 1.31 broadcasts such an axis span by span
    /// (Mul of [10740, 3, 16] by [10740, 1, 16] 1.12 ms, 1 thread), while a Concat of the copies and a Mul of equal shapes
    /// take 0.34 ms together.
    /// </summary>
    private static int? MiddleBroadcast(SymbolicTensor a, SymbolicTensor b)
    {
        if (a.Rank != b.Rank || a.Rank < 3 || a.Dims[^1] is not > 1 || a.Dims[^1] != b.Dims[^1] || a.Dims[0] != b.Dims[0]) return null;
        int? axis = null;
        for (int i = 1; i < a.Rank - 1; i++)
        {
            if (a.Dims[i] == b.Dims[i] && a.Dims[i] is not null) continue;
            bool broadcast = (a.Dims[i] == 1 && b.Dims[i] is > 1) || (b.Dims[i] == 1 && a.Dims[i] is > 1);
            if (!broadcast || axis is not null) return null;
            axis = i;
        }
        return axis;
    }

    private readonly Dictionary<(string, int, long), string> _repeats = new();

    /// <summary><paramref name="x"/>'s size-1 <paramref name="axis"/> repeated <paramref name="times"/> by one Concat (once per operand).</summary>
    private string Repeated(SymbolicTensor x, int axis, long times)
    {
        if (_repeats.TryGetValue((x.Name, axis, times), out string? cached)) return cached;
        // a negative axis: concat forwarding reads axis 1 as the last axis of rank-2 values, which this is not
        string name = _b.Node("Concat", Enumerable.Repeat(x.Name, (int)times).ToArray(), ("axis", (long)(axis - x.Rank)));
        _repeats[(x.Name, axis, times)] = name;
        return name;
    }

    private SymbolicTensor Same(SymbolicTensor like, string name) => Wrap(name, like.Type, like.Dims.ToArray());
}

/// <summary>One recorded tensor product: its descriptor and the values it connects.</summary>
internal sealed record TensorProductCall(TensorProductDescriptor Descriptor, SymbolicTensor X, SymbolicTensor? Y, SymbolicTensor Weight, SymbolicTensor? Bias, string Output);
