using Segnn.O3;

namespace Segnn.Nn.Autodiff;

/// <summary>A value recorded on a <see cref="GradientTape{T}"/>: the backend's value and its place on the tape (−1: a constant).</summary>
public sealed class TapeValue<T> where T : class
{
    internal TapeValue(T value, int node)
    {
        Value = value;
        Node = node;
    }

    /// <summary>The backend's tensor.</summary>
    public T Value { get; }

    internal int Node { get; }

    internal bool RequiresGradient => Node >= 0;
}

/// <summary>
/// Reverse-mode differentiation of the one forward, for any backend: the layers run on this <see cref="IOps{T}"/> as they
/// do everywhere; every operation runs on the backend at once and, where a watched input reaches it, is recorded with
/// its vector–Jacobian product. <see cref="Gradient"/> then walks the tape backwards, computing each product with the
/// same backend's operations: on TorchSharp it reproduces autograd (the tests check it), on the exporter's trace it
/// writes the backward pass into the ONNX graph as ordinary operators. Each product is written once, here, from the
/// operation's definition: Rows ↔ SegmentSum, Slice ↔ Concat with zeros, Concat ↔ Slice, gates and norms by their
/// elementwise derivatives, and the tensor product by <see cref="TensorProductGradient"/>.
/// </summary>
/// <remarks>
/// First derivatives only: the backward pass is not itself recorded (forces, not their derivatives). Parameters,
/// buffers and constants are never differentiated.
/// </remarks>
public sealed class GradientTape<T> : IOps<TapeValue<T>> where T : class
{
    private readonly IOps<T> _ops;
    private readonly List<Entry> _entries = new();

    /// <param name="ops">the backend every operation and every product runs on.</param>
    public GradientTape(IOps<T> ops) => _ops = ops;

    /// <summary>How a recorded value's gradient flows to its inputs.</summary>
    /// <param name="Inputs">the inputs' tape entries (−1 for constants).</param>
    /// <param name="Backward">g → the gradient of each input (null where an input needs none).</param>
    /// <param name="Dims">the value's dims.</param>
    /// <param name="Slice">for a Slice: (start, length, input width), so gradients of slices of one value assemble by Concat.</param>
    private sealed record Entry(int[] Inputs, Func<T, bool[], T?[]>? Backward, IReadOnlyList<long?> Dims, (int Start, int Length, long Width)? Slice = null);

    public bool Training => _ops.Training;

    /// <summary>The backend.</summary>
    public IOps<T> Inner => _ops;

    /// <summary>A value whose gradient <see cref="Gradient"/> can be asked for (positions, cell).</summary>
    public TapeValue<T> Watch(T value)
    {
        _entries.Add(new Entry([], null, _ops.Dims(value)));
        return new TapeValue<T>(value, _entries.Count - 1);
    }

    /// <summary>A value the gradient does not flow into (integer indices, counts, constants).</summary>
    public TapeValue<T> Constant(T value) => new(value, -1);

    /// <summary>
    /// The gradients of Σ seed·output with respect to <paramref name="wrt"/> (watched values); null for one that the
    /// output does not depend on.
    /// </summary>
    public T?[] Gradient(TapeValue<T> output, T seed, IReadOnlyList<TapeValue<T>> wrt)
    {
        var result = new T?[wrt.Count];
        if (!output.RequiresGradient) return result;
        var pending = new Dictionary<int, List<(T Value, int Start, int Length)>>();
        void Add(int node, T value, int start = -1, int length = 0)
        {
            if (!pending.TryGetValue(node, out var list)) pending[node] = list = new();
            list.Add((value, start, length));
        }
        Add(output.Node, seed);
        var done = new Dictionary<int, T>();
        for (int node = output.Node; node >= 0; node--)
        {
            if (!pending.Remove(node, out var contributions)) continue;
            Entry entry = _entries[node];
            T g = Assemble(contributions, entry.Dims);
            if (entry.Inputs.Length == 0)
            {
                done[node] = g;
                continue;
            }
            if (entry.Slice is { } slice)
            {
                Add(entry.Inputs[0], g, slice.Start, slice.Length);
                continue;
            }
            bool[] need = entry.Inputs.Select(i => i >= 0).ToArray();
            T?[] grads = entry.Backward!(g, need);
            for (int i = 0; i < entry.Inputs.Length; i++)
                if (need[i] && grads[i] is { } gi) Add(entry.Inputs[i], gi);
        }
        for (int i = 0; i < wrt.Count; i++)
            result[i] = wrt[i].RequiresGradient && done.TryGetValue(wrt[i].Node, out T? g) ? g : null;
        return result;
    }

    /// <summary>
    /// The sum of a value's gradient contributions: whole ones add up; slices of it (a Split's pieces, a gate's parts) are
    /// put back in place by one Concat with zeros in the gaps, and only overlapping slices are padded and added.
    /// </summary>
    private T Assemble(List<(T Value, int Start, int Length)> parts, IReadOnlyList<long?> dims)
    {
        T? whole = null;
        foreach (var p in parts.Where(p => p.Start < 0)) whole = whole is null ? p.Value : _ops.Add(whole, p.Value);
        var slices = parts.Where(p => p.Start >= 0).OrderBy(p => p.Start).ToList();
        if (slices.Count == 0) return whole!;
        long width = dims[^1] ?? throw new InvalidOperationException("a sliced value's last axis must be static");
        bool overlap = slices.Zip(slices.Skip(1)).Any(pair => pair.Second.Start < pair.First.Start + pair.First.Length);
        T assembled;
        if (!overlap)
        {
            var pieces = new List<T>();
            int at = 0;
            foreach (var (value, start, length) in slices)
            {
                if (start > at) pieces.Add(Zeros(value, start - at));
                pieces.Add(value);
                at = start + length;
            }
            if (at < width) pieces.Add(Zeros(slices[0].Value, (int)width - at));
            assembled = pieces.Count == 1 ? pieces[0] : _ops.Concat(pieces);
        }
        else
        {
            assembled = slices.Select(s => Pad(s.Value, s.Start, (int)width)).Aggregate(_ops.Add);
        }
        return whole is null ? assembled : _ops.Add(whole, assembled);
    }

    private T Pad(T value, int start, int width)
    {
        int length = (int)(_ops.Dims(value)[^1] ?? throw new InvalidOperationException("static width expected"));
        var pieces = new List<T>();
        if (start > 0) pieces.Add(Zeros(value, start));
        pieces.Add(value);
        if (start + length < width) pieces.Add(Zeros(value, width - start - length));
        return pieces.Count == 1 ? value : _ops.Concat(pieces);
    }

    /// <summary>Zeros shaped like <paramref name="like"/> but <paramref name="columns"/> wide (its first column times a zero row).</summary>
    private T Zeros(T like, int columns) => _ops.MatMulConstant(_ops.Slice(like, 0, 1), new double[columns], 1, columns);

    private TapeValue<T> Record(T result, Func<T, bool[], T?[]> backward, params TapeValue<T>[] inputs)
    {
        if (!inputs.Any(i => i.RequiresGradient)) return new TapeValue<T>(result, -1);
        _entries.Add(new Entry(inputs.Select(i => i.Node).ToArray(), backward, _ops.Dims(result)));
        return new TapeValue<T>(result, _entries.Count - 1);
    }

    /// <summary>Sums a broadcast operand's gradient over the axes it was broadcast along.</summary>
    private T ReduceTo(T g, T operand)
    {
        IReadOnlyList<long?> gd = _ops.Dims(g), od = _ops.Dims(operand);
        if (gd.Count != od.Count) throw new NotSupportedException($"gradients of broadcasts between ranks {od.Count} and {gd.Count} are not supported");
        for (int axis = 0; axis < od.Count; axis++)
        {
            if (od[axis] != 1 || gd[axis] == 1) continue;
            g = axis == 0 ? _ops.SumRows(g) : _ops.SumAxis(g, axis);
        }
        return g;
    }

    private static NotSupportedException NoGradient(string op) => new($"{op} is not differentiated by the gradient tape (it is used in training only, or only by the tape's own products)");

    // ---- leaves ----

    public TapeValue<T> Parameter(TensorHandle parameter) => Constant(_ops.Parameter(parameter));
    public TapeValue<T> Buffer(TensorHandle buffer) => Constant(_ops.Buffer(buffer));
    public TapeValue<T> Constant(double[] values, params long[] shape) => Constant(_ops.Constant(values, shape));
    public TapeValue<T> OnesColumn(TapeValue<T> like) => Constant(_ops.OnesColumn(like.Value));
    public TapeValue<T> OneHot(TapeValue<T> indices, IReadOnlyList<long> classes) => Constant(_ops.OneHot(indices.Value, classes));
    public TapeValue<T> RowCount(TapeValue<T> x) => Constant(_ops.RowCount(x.Value));
    public TapeValue<T> Step(TapeValue<T> x, double threshold) => Constant(_ops.Step(x.Value, threshold));
    public IReadOnlyList<long?> Dims(TapeValue<T> x) => _ops.Dims(x.Value);

    // ---- elementwise ----

    public TapeValue<T> Add(TapeValue<T> a, TapeValue<T> b) =>
        Record(_ops.Add(a.Value, b.Value), (g, n) => [n[0] ? ReduceTo(g, a.Value) : null, n[1] ? ReduceTo(g, b.Value) : null], a, b);

    public TapeValue<T> Sub(TapeValue<T> a, TapeValue<T> b) =>
        Record(_ops.Sub(a.Value, b.Value), (g, n) => [n[0] ? ReduceTo(g, a.Value) : null, n[1] ? ReduceTo(_ops.Scale(g, -1), b.Value) : null], a, b);

    public TapeValue<T> Mul(TapeValue<T> a, TapeValue<T> b) =>
        Record(_ops.Mul(a.Value, b.Value), (g, n) =>
            [n[0] ? ReduceTo(_ops.Mul(g, b.Value), a.Value) : null, n[1] ? ReduceTo(_ops.Mul(g, a.Value), b.Value) : null], a, b);

    public TapeValue<T> Div(TapeValue<T> a, TapeValue<T> b)
    {
        T result = _ops.Div(a.Value, b.Value);
        return Record(result, (g, n) =>
            [n[0] ? ReduceTo(_ops.Div(g, b.Value), a.Value) : null, n[1] ? ReduceTo(_ops.Scale(_ops.Mul(g, _ops.Div(result, b.Value)), -1), b.Value) : null], a, b);
    }

    public TapeValue<T> Scale(TapeValue<T> a, double factor) => Record(_ops.Scale(a.Value, factor), (g, _) => [_ops.Scale(g, factor)], a);

    public TapeValue<T> AddScalar(TapeValue<T> a, double value) => Record(_ops.AddScalar(a.Value, value), (g, _) => [g], a);

    public TapeValue<T> ClampMin(TapeValue<T> a, double min) =>
        Record(_ops.ClampMin(a.Value, min), (g, _) => [_ops.Mul(g, _ops.Step(a.Value, min))], a);

    public TapeValue<T> Sqrt(TapeValue<T> a)
    {
        T result = _ops.Sqrt(a.Value);
        return Record(result, (g, _) => [_ops.Div(_ops.Scale(g, 0.5), result)], a);
    }

    public TapeValue<T> Silu(TapeValue<T> a) => Record(_ops.Silu(a.Value), (g, _) =>
    {
        // silu'(x) = σ(x)·(1 + x·(1 − σ(x)))
        T s = _ops.Sigmoid(a.Value);
        return [_ops.Mul(g, _ops.Mul(s, _ops.AddScalar(_ops.Mul(a.Value, _ops.AddScalar(_ops.Scale(s, -1), 1)), 1)))];
    }, a);

    public TapeValue<T> Sigmoid(TapeValue<T> a)
    {
        T result = _ops.Sigmoid(a.Value);
        return Record(result, (g, _) => [_ops.Mul(g, _ops.Mul(result, _ops.AddScalar(_ops.Scale(result, -1), 1)))], a);
    }

    public TapeValue<T> Sin(TapeValue<T> a) => Record(_ops.Sin(a.Value), (g, _) => [_ops.Mul(g, _ops.Cos(a.Value))], a);

    public TapeValue<T> Cos(TapeValue<T> a) => Record(_ops.Cos(a.Value), (g, _) => [_ops.Scale(_ops.Mul(g, _ops.Sin(a.Value)), -1)], a);

    // ---- shape ----

    public TapeValue<T> Slice(TapeValue<T> x, int start, int length)
    {
        T result = _ops.Slice(x.Value, start, length);
        if (!x.RequiresGradient || ReferenceEquals(result, x.Value)) return new TapeValue<T>(result, ReferenceEquals(result, x.Value) ? x.Node : -1);
        long width = _ops.Dims(x.Value)[^1] ?? throw new InvalidOperationException("slices are of a static last axis");
        _entries.Add(new Entry([x.Node], null, _ops.Dims(result), (start, length, width)));
        return new TapeValue<T>(result, _entries.Count - 1);
    }

    public TapeValue<T> Concat(IReadOnlyList<TapeValue<T>> parts)
    {
        if (parts.Count == 1) return parts[0];
        long[] widths = parts.Select(p => _ops.Dims(p.Value)[^1] ?? throw new InvalidOperationException("concatenation along a static last axis")).ToArray();
        return Record(_ops.Concat(parts.Select(p => p.Value).ToArray()), (g, n) =>
        {
            var grads = new T?[parts.Count];
            int offset = 0;
            for (int i = 0; i < parts.Count; i++)
            {
                if (n[i]) grads[i] = _ops.Slice(g, offset, (int)widths[i]);
                offset += (int)widths[i];
            }
            return grads;
        }, parts.ToArray());
    }

    public TapeValue<T> GatherColumns(TapeValue<T> x, int[] columns)
    {
        int width = (int)(_ops.Dims(x.Value)[^1] ?? throw new InvalidOperationException("gathers of a static last axis"));
        return Record(_ops.GatherColumns(x.Value, columns), (g, _) =>
        {
            bool permutation = columns.Length == width && columns.Distinct().Count() == width;
            if (permutation)
            {
                var inverse = new int[width];
                for (int j = 0; j < width; j++) inverse[columns[j]] = j;
                return [_ops.GatherColumns(g, inverse)];
            }
            // repeated or missing columns: the transpose of the selection, as a 0/1 matrix
            var m = new double[columns.Length * width];
            for (int j = 0; j < columns.Length; j++) m[j * width + columns[j]] += 1;
            return [_ops.MatMulConstant(g, m, columns.Length, width)];
        }, x);
    }

    public TapeValue<T> ReshapeRows(TapeValue<T> x, params long[] trailing)
    {
        long[] original = _ops.Dims(x.Value).Skip(1).Select(d => d ?? throw new InvalidOperationException("reshapes keep static trailing axes")).ToArray();
        return Record(_ops.ReshapeRows(x.Value, trailing), (g, _) => [_ops.ReshapeRows(g, original)], x);
    }

    public TapeValue<T> AsRow(TapeValue<T> vector) =>
        vector.RequiresGradient ? throw NoGradient(nameof(AsRow)) : Constant(_ops.AsRow(vector.Value));

    public TapeValue<T> SumAxis(TapeValue<T> x, int axis)
    {
        IReadOnlyList<long?> dims = _ops.Dims(x.Value);
        int a = axis < 0 ? dims.Count + axis : axis;
        return Record(_ops.SumAxis(x.Value, axis), (g, _) =>
        {
            // broadcast back along the summed axis: times a ones tensor that is 1 wide everywhere else
            long size = dims[a] ?? throw new InvalidOperationException("sums over a static axis");
            var shape = Enumerable.Repeat(1L, dims.Count).ToArray();
            shape[a] = size;
            return [_ops.Mul(g, _ops.Constant(Enumerable.Repeat(1.0, (int)size).ToArray(), shape))];
        }, x);
    }

    public TapeValue<T> SumRows(TapeValue<T> x) =>
        Record(_ops.SumRows(x.Value), (g, _) => _ops.Dims(x.Value).Count == 2
            ? [_ops.Mul(_ops.OnesColumn(x.Value), g)]
            : throw NoGradient($"{nameof(SumRows)} of a rank-{_ops.Dims(x.Value).Count} tensor"), x);

    public TapeValue<T> MeanRows(TapeValue<T> x) => x.RequiresGradient ? throw NoGradient(nameof(MeanRows)) : Constant(_ops.MeanRows(x.Value));

    // ---- graphs ----

    public TapeValue<T> Rows(TapeValue<T> x, TapeValue<T> index) =>
        Record(_ops.Rows(x.Value, index.Value), (g, _) => [_ops.SegmentSum(g, index.Value, _ops.RowCount(x.Value)), null], x, Constant(index.Value));

    public TapeValue<T> SegmentSum(TapeValue<T> x, TapeValue<T> index, TapeValue<T> count) =>
        Record(_ops.SegmentSum(x.Value, index.Value, count.Value), (g, _) => [_ops.Rows(g, index.Value)], x);

    // ---- products ----

    public TapeValue<T> MatMulConstant(TapeValue<T> x, IReadOnlyList<double> matrix, int rows, int cols) =>
        Record(_ops.MatMulConstant(x.Value, matrix, rows, cols), (g, _) =>
        {
            var transposed = new double[rows * cols];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) transposed[c * rows + r] = matrix[r * cols + c];
            return [_ops.MatMulConstant(g, transposed, cols, rows)];
        }, x);

    public TapeValue<T> BatchedMatMul(TapeValue<T> a, TapeValue<T> b, bool transposeA = false, bool transposeB = false) =>
        a.RequiresGradient || b.RequiresGradient ? throw NoGradient(nameof(BatchedMatMul)) : Constant(_ops.BatchedMatMul(a.Value, b.Value, transposeA, transposeB));

    public TapeValue<T> TensorProduct(TensorProductDescriptor descriptor, TapeValue<T> x, TapeValue<T>? y, TapeValue<T> weight, TapeValue<T>? bias)
    {
        if (weight.RequiresGradient || bias?.RequiresGradient == true) throw NoGradient("a tensor product's weights");
        T result = _ops.TensorProduct(descriptor, x.Value, y?.Value, weight.Value, bias?.Value);
        var inputs = y is null ? new[] { x } : [x, y];
        return Record(result, (g, need) =>
        {
            var (gx, gy) = TensorProductGradient.Compute(_ops, descriptor, x.Value, y?.Value, weight.Value, g, need[0], need.Length > 1 && need[1]);
            return y is null ? [gx] : [gx, gy];
        }, inputs);
    }

    public void UpdateRunningStatistic(TensorHandle buffer, TapeValue<T> value, double momentum) =>
        _ops.UpdateRunningStatistic(buffer, value.Value, momentum);
}
