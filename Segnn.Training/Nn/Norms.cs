using Segnn.O3;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Segnn.Nn;

/// <summary>Which normalisation follows the residual of each SEGNN layer.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(Segnn.Runtime.EnumNameJsonConverter<NormKind>))]
public enum NormKind
{
    None,
    Instance,
    Batch,
}

/// <summary>
/// Shared pieces of the irreps norms: per block, the mean over components of the squares ("component"); features are
/// ir_mul (a block is [rows, 2l+1, mul]).
/// </summary>
internal static class IrrepsNorm
{
    /// <summary>Per irrep copy, mean over its 2l+1 components of x²: [rows, dim] → [rows, num_irreps].</summary>
    public static T ComponentMeanSquare<T>(IOps<T> ops, Irreps irreps, T x) where T : class
    {
        var parts = new List<T>();
        int offset = 0;
        foreach (MulIrrep b in irreps)
        {
            T block = ops.Slice(x, offset, b.Dim);
            T sq = ops.Mul(block, block);
            // ir_mul block [rows, 2l+1, mul]: average over the component axis
            parts.Add(b.Ir.Dim == 1 ? sq : ops.Scale(ops.ReshapeRows(ops.SumAxis(ops.ReshapeRows(sq, b.Ir.Dim, b.Mul), 1), b.Mul), 1.0 / b.Ir.Dim));
            offset += b.Dim;
        }
        return ops.Concat(parts);
    }

    /// <summary>Columns of the scalar (l = 0) channels, in order.</summary>
    public static int[] ScalarColumns(Irreps irreps)
    {
        var cols = new List<int>();
        int offset = 0;
        foreach (MulIrrep b in irreps)
        {
            if (b.Ir.L == 0) cols.AddRange(Enumerable.Range(offset, b.Mul));
            offset += b.Dim;
        }
        return cols.ToArray();
    }

    /// <summary>For every (ir_mul) feature column, the index of its irrep copy (to broadcast per-copy factors).</summary>
    public static int[] CopyOfColumn(Irreps irreps)
    {
        var cols = new List<int>();
        int first = 0;
        foreach (MulIrrep b in irreps)
        {
            for (int i = 0; i < b.Ir.Dim; i++)
                for (int u = 0; u < b.Mul; u++) cols.Add(first + u);
            first += b.Mul;
        }
        return cols.ToArray();
    }

    /// <summary>x − (per-column mean of the scalar channels, 0 elsewhere), with the means given per scalar channel.</summary>
    public static T SubtractScalarMeans<T>(IOps<T> ops, Irreps irreps, T x, T scalarMeans) where T : class
    {
        var parts = new List<T>();
        int offset = 0, scalar = 0;
        foreach (MulIrrep b in irreps)
        {
            T block = ops.Slice(x, offset, b.Dim);
            if (b.Ir.L == 0)
            {
                block = ops.Sub(block, ops.Slice(scalarMeans, scalar, b.Mul));
                scalar += b.Mul;
            }
            parts.Add(block);
            offset += b.Dim;
        }
        return ops.Concat(parts);
    }

    /// <summary>Adds bias to the scalar channels only.</summary>
    public static T AddScalarBias<T>(IOps<T> ops, Irreps irreps, T x, T bias) where T : class
    {
        var parts = new List<T>();
        int offset = 0, scalar = 0;
        foreach (MulIrrep b in irreps)
        {
            T block = ops.Slice(x, offset, b.Dim);
            if (b.Ir.L == 0)
            {
                block = ops.Add(block, ops.Slice(bias, scalar, b.Mul));
                scalar += b.Mul;
            }
            parts.Add(block);
            offset += b.Dim;
        }
        return ops.Concat(parts);
    }
}

/// <summary>
/// SEGNN's instance norm over each graph (eps 1e−5, affine): scalars centred per graph, then every irrep copy scaled by
/// (mean over the graph's nodes of its component mean-square + eps)^(−1/2)·weight; scalar biases added.
/// </summary>
public sealed class InstanceNorm : nn.Module
{
    private const double Eps = 1e-5;
    private readonly Parameter _weight;
    private readonly Parameter? _bias;
    private readonly int[] _copyOfColumn;

    public InstanceNorm(string name, Irreps irreps, ScalarType dtype = ScalarType.Float32) : base(name)
    {
        Irreps = irreps;
        _weight = new Parameter(ones(irreps.NumIrreps, dtype));
        register_parameter("weight", _weight);
        int scalars = IrrepsNorm.ScalarColumns(irreps).Length;
        if (scalars > 0)
        {
            _bias = new Parameter(zeros(scalars, dtype));
            register_parameter("bias", _bias);
        }
        _copyOfColumn = IrrepsNorm.CopyOfColumn(irreps);
    }

    public Irreps Irreps { get; }

    public T Forward<T>(IOps<T> ops, T x, Segmentation<T> graphs) where T : class
    {
        int[] scalarCols = IrrepsNorm.ScalarColumns(Irreps);
        if (scalarCols.Length > 0)
        {
            T means = graphs.Mean(ops, ops.GatherColumns(x, scalarCols));
            x = IrrepsNorm.SubtractScalarMeans(ops, Irreps, x, graphs.Broadcast(ops, means));
        }
        T norm = graphs.Mean(ops, IrrepsNorm.ComponentMeanSquare(ops, Irreps, x)); // [graphs, copies]
        T factor = ops.Mul(ops.Div(ops.OnesColumn(norm), ops.Sqrt(ops.AddScalar(norm, Eps))), ops.AsRow(ops.Parameter(TorchTensorHandle.Of(_weight))));
        x = ops.Mul(x, ops.GatherColumns(graphs.Broadcast(ops, factor), _copyOfColumn));
        return _bias is null ? x : IrrepsNorm.AddScalarBias(ops, Irreps, x, ops.AsRow(ops.Parameter(TorchTensorHandle.Of(_bias))));
    }
}

/// <summary>
/// e3nn's <c>BatchNorm</c> for irreps (component normalisation, momentum 0.1, eps 1e−5, affine): statistics over all rows of
/// the batch while training, running statistics in evaluation (and in exported models).
/// </summary>
public sealed class BatchNorm : nn.Module
{
    private const double Eps = 1e-5;
    private const double Momentum = 0.1;
    private readonly Parameter _weight;
    private readonly Parameter? _bias;
    private readonly Tensor _runningMean;
    private readonly Tensor _runningVar;
    private readonly int[] _copyOfColumn;
    private readonly int[] _scalarCols;

    public BatchNorm(string name, Irreps irreps, ScalarType dtype = ScalarType.Float32) : base(name)
    {
        Irreps = irreps;
        _scalarCols = IrrepsNorm.ScalarColumns(irreps);
        _weight = new Parameter(ones(irreps.NumIrreps, dtype));
        register_parameter("weight", _weight);
        if (_scalarCols.Length > 0)
        {
            _bias = new Parameter(zeros(_scalarCols.Length, dtype));
            register_parameter("bias", _bias);
        }
        _runningMean = zeros(_scalarCols.Length, dtype);
        _runningVar = ones(irreps.NumIrreps, dtype);
        register_buffer("running_mean", _runningMean);
        register_buffer("running_var", _runningVar);
        _copyOfColumn = IrrepsNorm.CopyOfColumn(irreps);
    }

    public Irreps Irreps { get; }

    public T Forward<T>(IOps<T> ops, T x) where T : class
    {
        bool batchStatistics = ops.Training && training;
        if (_scalarCols.Length > 0)
        {
            T mean = batchStatistics
                ? ops.MeanRows(ops.GatherColumns(x, _scalarCols))
                : ops.AsRow(ops.Buffer(TorchTensorHandle.Of(_runningMean)));
            if (batchStatistics) ops.UpdateRunningStatistic(TorchTensorHandle.Of(_runningMean), mean, Momentum);
            x = IrrepsNorm.SubtractScalarMeans(ops, Irreps, x, mean);
        }
        T norm = batchStatistics
            ? ops.MeanRows(IrrepsNorm.ComponentMeanSquare(ops, Irreps, x))
            : ops.AsRow(ops.Buffer(TorchTensorHandle.Of(_runningVar)));
        if (batchStatistics) ops.UpdateRunningStatistic(TorchTensorHandle.Of(_runningVar), norm, Momentum);
        T factor = ops.Mul(ops.Div(ops.OnesColumn(norm), ops.Sqrt(ops.AddScalar(norm, Eps))), ops.AsRow(ops.Parameter(TorchTensorHandle.Of(_weight))));
        x = ops.Mul(x, ops.GatherColumns(factor, _copyOfColumn));
        return _bias is null ? x : IrrepsNorm.AddScalarBias(ops, Irreps, x, ops.AsRow(ops.Parameter(TorchTensorHandle.Of(_bias))));
    }
}
