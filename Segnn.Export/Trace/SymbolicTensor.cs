using Segnn.Export.Onnx;

namespace Segnn.Export.Trace;

/// <summary>
/// A value in the traced graph: its ONNX name, element type and static shape knowledge (null = dynamic: rows, edges,
/// graphs). The layers' forward runs on these exactly as on TorchSharp tensors; every operation records ONNX nodes.
/// </summary>
public sealed class SymbolicTensor
{
    internal SymbolicTensor(string name, OnnxType type, long?[] dims)
    {
        Name = name;
        Type = type;
        Dims = dims;
    }

    public string Name { get; }
    public OnnxType Type { get; }
    public IReadOnlyList<long?> Dims { get; }
    public int Rank => Dims.Count;

    /// <summary>
    /// For int64 index vectors: known to be non-decreasing (receivers, the graph of every node). A segment sum ranks
    /// the rows of each segment by runs of equal indices, so a segment sum over unsorted ones sorts first.
    /// </summary>
    public bool SortedIndex { get; init; }

    /// <summary>The static size of the last axis; every feature tensor has one.</summary>
    public long Width => Dims.Count > 0 && Dims[^1] is long w ? w : throw new InvalidOperationException($"{Name}: last axis is not static");

    public override string ToString() => $"{Name}: {Type}[{string.Join(", ", Dims.Select(d => d?.ToString() ?? "?"))}]";
}
