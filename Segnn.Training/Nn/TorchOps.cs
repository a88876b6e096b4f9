using System.Runtime.CompilerServices;
using Segnn.O3;
using Segnn.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Nn;

/// <summary>The one mapping of the schema's precision to TorchSharp's element type.</summary>
public static class PrecisionExtensions
{
    public static ScalarType ScalarType(this Precision precision) => precision == Precision.Float64 ? TorchSharp.torch.ScalarType.Float64 : TorchSharp.torch.ScalarType.Float32;
}

/// <summary>The TorchSharp backend of <see cref="IOps{T}"/>: eager execution with autograd, for training and evaluation.</summary>
public sealed class TorchOps : IOps<Tensor>, IDisposable
{
    private readonly Dictionary<TensorProductDescriptor, TorchTensorProduct> _tensorProducts = new();
    private readonly ConditionalWeakTable<int[], Tensor> _columnIndices = new();
    private readonly Lock _lock = new();

    public TorchOps(Precision precision, Device? device = null, bool training = false)
        : this(precision.ScalarType(), device, training)
    {
    }

    public TorchOps(ScalarType dtype = ScalarType.Float32, Device? device = null, bool training = false)
    {
        if (dtype != ScalarType.Float32 && dtype != ScalarType.Float64)
            throw new ArgumentException($"unsupported precision {dtype}: use float32 or float64", nameof(dtype));
        DType = dtype;
        Device = device ?? CPU;
        Training = training;
        NativeAllocator.KeepFreedMemory();
    }

    public ScalarType DType { get; }
    public Device Device { get; }
    public bool Training { get; set; }

    public Tensor Parameter(TensorHandle parameter) => ((TorchTensorHandle)parameter).Tensor;
    public Tensor Buffer(TensorHandle buffer) => ((TorchTensorHandle)buffer).Tensor;
    public Tensor Constant(double[] values, params long[] shape) => tensor(values, shape, DType, Device);

    public Tensor Add(Tensor a, Tensor b) => a + b;
    public Tensor Sub(Tensor a, Tensor b) => a - b;
    public Tensor Mul(Tensor a, Tensor b) => a * b;
    public Tensor Div(Tensor a, Tensor b) => a / b;
    public Tensor Scale(Tensor a, double factor) => a * factor;
    public Tensor AddScalar(Tensor a, double value) => a + value;
    public Tensor ClampMin(Tensor a, double min) => a.clamp_min(min);
    public Tensor Sqrt(Tensor a) => a.sqrt();
    public Tensor Silu(Tensor a) => nn.functional.silu(a);
    public Tensor Sigmoid(Tensor a) => a.sigmoid();
    public Tensor Sin(Tensor a) => a.sin();
    public Tensor Cos(Tensor a) => a.cos();

    public Tensor Slice(Tensor x, int start, int length) => x.narrow(-1, start, length);
    public Tensor Concat(IReadOnlyList<Tensor> parts) => parts.Count == 1 ? parts[0] : cat(parts.ToArray(), -1);

    public Tensor GatherColumns(Tensor x, int[] columns)
    {
        Tensor index;
        lock (_lock)
        {
            if (!_columnIndices.TryGetValue(columns, out index!))
            {
                index = tensor(columns.Select(c => (long)c).ToArray(), [columns.Length], ScalarType.Int64, Device).DetachFromDisposeScope();
                _columnIndices.Add(columns, index);
            }
        }
        return x.index_select(-1, index);
    }

    public Tensor ReshapeRows(Tensor x, params long[] trailing) => x.reshape([x.shape[0], .. trailing]);
    public Tensor AsRow(Tensor vector) => vector.unsqueeze(0);
    public Tensor SumAxis(Tensor x, int axis) => x.sum(axis, keepdim: true);
    public Tensor MeanRows(Tensor x) => x.mean([0], keepdim: true);
    public Tensor OnesColumn(Tensor like) => ones([like.shape[0], 1], DType, Device);
    public Tensor Rows(Tensor x, Tensor index) => x.index_select(0, index);

    public Tensor OneHot(Tensor indices, IReadOnlyList<long> classes)
    {
        using Tensor values = tensor(classes.ToArray(), [1, classes.Count], ScalarType.Int64, Device);
        return indices.unsqueeze(-1).eq(values).to_type(DType);
    }

    public Tensor SegmentSum(Tensor x, Tensor index, Tensor count)
    {
        long n = count.item<long>();
        long[] shape = [n, .. x.shape.Skip(1)];
        return zeros(shape, x.dtype, x.device).index_add(0, index, x, 1);
    }

    public Tensor TensorProduct(TensorProductDescriptor descriptor, Tensor x, Tensor? y, Tensor weight, Tensor? bias)
    {
        TorchTensorProduct tp;
        lock (_lock)
        {
            if (!_tensorProducts.TryGetValue(descriptor, out tp!))
                _tensorProducts[descriptor] = tp = new TorchTensorProduct(descriptor, DType, Device);
        }
        CountMultiplyAdds(x.shape[0] * tp.MultiplyAddsPerRow);
        return tp.Forward(x, y, weight, bias);
    }

    private long _multiplyAdds;

    /// <summary>
    /// Multiply-adds of the matrix products run so far (tensor products by their plan, constant and batched matrix
    /// products by their shapes); elementwise work is not counted. Benchmarks divide time by it against the machine's
    /// GEMM peak. Thread-safe; <see cref="ResetMultiplyAdds"/> starts a new count.
    /// </summary>
    public long MultiplyAdds => Interlocked.Read(ref _multiplyAdds);

    public void ResetMultiplyAdds() => Interlocked.Exchange(ref _multiplyAdds, 0);

    private void CountMultiplyAdds(long count) => Interlocked.Add(ref _multiplyAdds, count);

    public IReadOnlyList<long?> Dims(Tensor x) => x.shape.Select(d => (long?)d).ToArray();

    public Tensor RowCount(Tensor x) => Count(x.shape[0]);

    public Tensor SumRows(Tensor x) => x.sum(0, keepdim: true);

    public Tensor Step(Tensor x, double threshold) => x.gt(threshold).to_type(DType);

    public Tensor MatMulConstant(Tensor x, IReadOnlyList<double> matrix, int rows, int cols)
    {
        if (matrix.Count != rows * cols) throw new ArgumentException($"a {rows}×{cols} matrix needs {rows * cols} values, not {matrix.Count}");
        using Tensor m = tensor(matrix.ToArray(), [rows, cols], DType, Device);
        CountMultiplyAdds(x.numel() / Math.Max(1, x.shape[^1]) * rows * cols);
        return x.matmul(m);
    }

    public Tensor BatchedMatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        // [z, m, k]·[z, k, n]: z·m·k·n multiply-adds
        CountMultiplyAdds(a.shape[0] * a.shape[1] * a.shape[2] * (transposeB ? b.shape[1] : b.shape[2]));
        return (transposeA ? a.transpose(1, 2) : a).bmm(transposeB ? b.transpose(1, 2) : b);
    }

    public void UpdateRunningStatistic(TensorHandle buffer, Tensor value, double momentum)
    {
        using var _ = no_grad();
        Tensor b = ((TorchTensorHandle)buffer).Tensor;
        b.mul_(1 - momentum).add_(value.detach().reshape(b.shape), momentum);
    }

    /// <summary>An int64 scalar tensor, for segment counts.</summary>
    public Tensor Count(long n) => tensor(n, ScalarType.Int64, Device);

    public void Dispose()
    {
        foreach (TorchTensorProduct tp in _tensorProducts.Values) tp.Dispose();
        _tensorProducts.Clear();
    }
}
