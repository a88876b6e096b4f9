using Segnn.O3;

namespace Segnn.Nn;

/// <summary>
/// The operations every layer's forward is written against, once. Training runs them on TorchSharp tensors
/// (<see cref="TorchOps"/>); the exporter runs them on symbolic tensors and records an ONNX graph. Keep this set small and
/// ONNX-expressible: a layer that needs something new adds it here and to both backends, never a second forward.
/// </summary>
/// <typeparam name="T">the backend's tensor handle (float and int64 tensors alike).</typeparam>
/// <remarks>
/// Feature tensors are [rows, features]; inside the network every irrep block is in the ir_mul layout (see
/// <see cref="Layout"/>); "last axis" below is the feature axis.
/// Integer tensors (edge endpoints, graph index) are int64 vectors. Counts of segments are int64 scalars.
/// </remarks>
public interface IOps<T> where T : class
{
    /// <summary>True while training (batch statistics, running-statistics updates).</summary>
    bool Training { get; }

    /// <summary>A trainable parameter (training: the parameter itself; export: an initializer).</summary>
    T Parameter(TensorHandle parameter);

    /// <summary>A non-trainable tensor owned by a module (running statistics).</summary>
    T Buffer(TensorHandle buffer);

    /// <summary>A floating-point constant of the given shape, in the model's precision.</summary>
    T Constant(double[] values, params long[] shape);

    T Add(T a, T b);
    T Sub(T a, T b);
    T Mul(T a, T b);
    T Div(T a, T b);
    T Scale(T a, double factor);
    T AddScalar(T a, double value);
    T ClampMin(T a, double min);
    T Sqrt(T a);
    T Silu(T a);
    T Sigmoid(T a);
    T Sin(T a);
    T Cos(T a);

    /// <summary>Columns [start, start+length) of the last axis.</summary>
    T Slice(T x, int start, int length);

    /// <summary>Concatenation along the last axis.</summary>
    T Concat(IReadOnlyList<T> parts);

    /// <summary>Selects (and may repeat) columns of the last axis by constant indices.</summary>
    T GatherColumns(T x, int[] columns);

    /// <summary>Reshape of the trailing axes: [rows, …] → [rows, <paramref name="trailing"/>…]; rows is kept.</summary>
    T ReshapeRows(T x, params long[] trailing);

    /// <summary>A vector [n] as one row [1, n].</summary>
    T AsRow(T vector);

    /// <summary>Sum over one axis, keeping it as size 1.</summary>
    T SumAxis(T x, int axis);

    /// <summary>Mean over the rows, keeping them as one row: [rows, …] → [1, …].</summary>
    T MeanRows(T x);

    /// <summary>A [rows(like), 1] column of ones.</summary>
    T OnesColumn(T like);

    /// <summary>
    /// One-hot rows of an int64 vector over <paramref name="classes"/>: [rows] → [rows, classes] in the model's float
    /// precision; a value outside the classes gives a zero row (callers validate their inputs first).
    /// </summary>
    T OneHot(T indices, IReadOnlyList<long> classes);

    /// <summary>Rows of x selected by an int64 index vector: x[index].</summary>
    T Rows(T x, T index);

    /// <summary>out[s] = Σ_{r: index[r] = s} x[r] for s in [0, count); count is an int64 scalar.</summary>
    T SegmentSum(T x, T index, T count);

    /// <summary>The fully connected tensor product described by <paramref name="descriptor"/> (y null: the constant 1x0e).</summary>
    T TensorProduct(TensorProductDescriptor descriptor, T x, T? y, T weight, T? bias);

    /// <summary>What the backend knows of a tensor's shape: every dimension, null where it is only known at run time (rows, edges, graphs).</summary>
    IReadOnlyList<long?> Dims(T x);

    /// <summary>The number of rows of x, as an int64 scalar (a segment count).</summary>
    T RowCount(T x);

    /// <summary>Sum over the rows, keeping them as one row: [rows, …] → [1, …].</summary>
    T SumRows(T x);

    /// <summary>1 where x &gt; threshold, else 0 (the derivative of a clamp).</summary>
    T Step(T x, double threshold);

    /// <summary>x [..., rows] times a constant row-major matrix [rows, cols].</summary>
    T MatMulConstant(T x, IReadOnlyList<double> matrix, int rows, int cols);

    /// <summary>Row-wise matrix products of [Z, m, k] and [Z, k, n] → [Z, m, n], either operand optionally transposed.</summary>
    T BatchedMatMul(T a, T b, bool transposeA = false, bool transposeB = false);

    /// <summary>Blends a running statistic: buffer ← (1−momentum)·buffer + momentum·value. Only called while training.</summary>
    void UpdateRunningStatistic(TensorHandle buffer, T value, double momentum);
}
