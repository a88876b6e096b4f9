namespace Segnn.Nn;

/// <summary>
/// Rows grouped into segments (edges by receiving node, nodes by graph): the segment of each row, the number of segments,
/// and 1/max(size, 1) per segment, so means and broadcasts back are one multiply. Empty segments have mean 0.
/// </summary>
public sealed class Segmentation<T> where T : class
{
    private Segmentation(T index, T count, T inverseSizes)
    {
        Index = index;
        Count = count;
        InverseSizes = inverseSizes;
    }

    public T Index { get; }
    public T Count { get; }

    /// <summary>[Count, 1]: 1 / max(rows in the segment, 1).</summary>
    public T InverseSizes { get; }

    /// <param name="ops">the backend.</param>
    /// <param name="index">int64 segment of every row.</param>
    /// <param name="count">int64 scalar number of segments.</param>
    /// <param name="rows">any [rows, …] tensor with one row per indexed row (its row count is used).</param>
    public static Segmentation<T> Create(IOps<T> ops, T index, T count, T rows)
    {
        T sizes = ops.SegmentSum(ops.OnesColumn(rows), index, count);
        return new Segmentation<T>(index, count, ops.Div(ops.OnesColumn(sizes), ops.ClampMin(sizes, 1)));
    }

    public T Sum(IOps<T> ops, T x) => ops.SegmentSum(x, Index, Count);

    public T Mean(IOps<T> ops, T x) => ops.Mul(ops.SegmentSum(x, Index, Count), InverseSizes);

    /// <summary>Per-segment values back to their rows.</summary>
    public T Broadcast(IOps<T> ops, T perSegment) => ops.Rows(perSegment, Index);
}
