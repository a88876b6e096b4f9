using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace Segnn.O3;

/// <summary>
/// How to compute a <see cref="TensorProductDescriptor"/> in two stages, as plain data for any backend (TorchSharp in
/// training, ONNX in export). Features are in the ir_mul layout (<see cref="Layout"/>): a block is [Z, 2l+1, mul].
/// <list type="number">
/// <item>per input irrep (all blocks of x with that irrep side by side: X [Z, 2l+1, U]): M = y·C with every channel's
/// Clebsch–Gordan block stacked in C [dim(y), K·(2l+1)], viewed [Z, K, 2l+1], then T = M·X [Z, K, U] (one batched
/// matrix multiply);</item>
/// <item>per output block: slices of the T's side by side, [Z, 2l+1, Σu], then ONE matrix multiply with the weights of
/// all paths into the block, [Z·(2l+1), Σu] × [Σu, w], which is the output block [Z, 2l+1, w] as it stands.</item>
/// </list>
/// No step transposes anything. TorchSharp runs exactly this; the ONNX lowering runs the same channels and weights per
/// channel and sums stage 2 through Gemm, because ONNX Runtime pays the concatenation in full (Segnn.Export/README.md).
/// </summary>
/// <remarks>
/// A channel is one (second-operand block, copy v, output block) of a group. Every input block of one irrep has the same
/// channels (selection rules depend on irreps only), so grouping blocks is exact and cuts the number of operations: the
/// N-body message input 32x0e+32x1o+32x0e+32x1o+2x0e is two groups. A second operand with multiplicity > 1 contributes
/// one channel per copy v (its weights W[u,v,w] for that v).
/// </remarks>
public sealed class TwoStagePlan
{
    private static readonly ConditionalWeakTable<TensorProductDescriptor, TwoStagePlan> Cache = new();

    /// <summary>One channel; <c>YOffset</c> is the ir_mul column of its copy's first component in y (components step by the block's multiplicity).</summary>
    public sealed record Channel(int In2, int V, int Out, int L2, int LOut, int YOffset, int KOffset);

    public sealed class Group
    {
        internal Group(Irrep ir, int[] blocks, int mul, int k, int[] columns, int offset, IReadOnlyList<Channel> channels, double[] coefficients)
        {
            Ir = ir;
            Blocks = blocks.ToImmutableArray();
            Mul = mul;
            K = k;
            Columns = columns.ToImmutableArray();
            Offset = offset;
            Channels = channels.ToImmutableArray();
            Coefficients = coefficients.ToImmutableArray();
        }

        public Irrep Ir { get; }
        public ImmutableArray<int> Blocks { get; }
        public int Mul { get; }

        /// <summary>Σ over channels of 2l_out+1.</summary>
        public int K { get; }

        /// <summary>Columns of x (ir_mul) of the group's blocks, block after block.</summary>
        public ImmutableArray<int> Columns { get; }

        /// <summary>True when the group is one block (its columns are the contiguous range at <see cref="Offset"/>).</summary>
        public bool Contiguous => Blocks.Length == 1;

        public int Offset { get; }
        public IReadOnlyList<Channel> Channels { get; }

        /// <summary>C [dim(y), K·(2l+1)] row-major: C[j, k·(2l+1) + i], rows in y's ir_mul order.</summary>
        public ImmutableArray<double> Coefficients { get; }
    }

    public sealed class OutputBlock
    {
        internal OutputBlock(int mul, int dim, IReadOnlyList<(int Group, Channel Channel)> parts, int rows, long[] weightIndex, int biasOffset)
        {
            Mul = mul;
            Dim = dim;
            Parts = parts.ToImmutableArray();
            Rows = rows;
            WeightIndex = weightIndex.ToImmutableArray();
            BiasOffset = biasOffset;
        }

        public int Mul { get; }
        public int Dim { get; }

        /// <summary>The (group, channel) slices stacked along u, in order.</summary>
        public IReadOnlyList<(int Group, Channel Channel)> Parts { get; }

        /// <summary>Σu over the parts: the contraction size of the block's matrix multiply.</summary>
        public int Rows { get; }

        /// <summary>W_o[r, w] = weight[WeightIndex[r·Mul + w]], [Rows, Mul].</summary>
        public ImmutableArray<long> WeightIndex { get; }

        /// <summary>Offset of the block's biases, or −1 when it has none.</summary>
        public int BiasOffset { get; }
    }

    private TwoStagePlan(TensorProductDescriptor d)
    {
        Descriptor = d;
        Irreps in1 = d.Input1;
        var groups = new List<Group>();
        // blocks of one irrep with the same paths (every block of a fully connected product) share a group
        string Signature(int block) => in1[block].Ir + ":" + string.Join(",", d.Paths.Where(p => p.In1 == block).Select(p => $"{p.In2}>{p.Out}"));
        foreach (string signature in Enumerable.Range(0, in1.Count).Where(i => in1[i].Mul > 0).Select(Signature).Distinct())
        {
            int[] blocks = Enumerable.Range(0, in1.Count).Where(i => in1[i].Mul > 0 && Signature(i) == signature).ToArray();
            Irrep ir = in1[blocks[0]].Ir;
            var paths = d.Paths.Where(p => p.In1 == blocks[0]).ToList();
            if (paths.Count == 0) continue;
            var channels = new List<Channel>();
            int k = 0;
            foreach (TensorProductPath p in paths)
                for (int v = 0; v < p.Mul2; v++)
                {
                    channels.Add(new Channel(p.In2, v, p.Out, p.L2, p.LOut, d.Input2.Offset(p.In2) + v, k));
                    k += 2 * p.LOut + 1;
                }
            var c = new double[d.Input2.Dim * ir.Dim * k];
            foreach (Channel ch in channels)
            {
                ImmutableArray<double> cp = d.Coefficients(paths.First(q => q.In2 == ch.In2 && q.Out == ch.Out));
                int n2 = 2 * ch.L2 + 1, n3 = 2 * ch.LOut + 1;
                int mul2 = d.Input2[ch.In2].Mul;
                for (int i = 0; i < ir.Dim; i++)
                    for (int j = 0; j < n2; j++)
                        for (int kk = 0; kk < n3; kk++)
                            c[(ch.YOffset + j * mul2) * ir.Dim * k + (ch.KOffset + kk) * ir.Dim + i] = cp[(i * n2 + j) * n3 + kk];
            }
            int[] columns = blocks.SelectMany(b => Enumerable.Range(in1.Offset(b), in1[b].Dim)).ToArray(); // each block whole, [2l+1, mul]
            groups.Add(new Group(ir, blocks, blocks.Sum(b => in1[b].Mul), k, columns, in1.Offset(blocks[0]), channels, c));
        }
        Groups = groups.ToImmutableArray();

        var outputs = new List<OutputBlock>();
        int biasOffset = 0;
        for (int o = 0; o < d.Output.Count; o++)
        {
            var parts = new List<(int, Channel)>();
            for (int g = 0; g < groups.Count; g++)
                parts.AddRange(groups[g].Channels.Where(ch => ch.Out == o).Select(ch => (g, ch)));
            int mul = d.Output[o].Mul;
            int rows = parts.Sum(part => groups[part.Item1].Mul);
            var index = new long[rows * mul];
            int row = 0;
            foreach (var (g, ch) in parts)
                foreach (int b in groups[g].Blocks)
                {
                    TensorProductPath p = d.Paths.First(q => q.In1 == b && q.In2 == ch.In2 && q.Out == o);
                    for (int u = 0; u < p.Mul1; u++, row++)
                        for (int w = 0; w < mul; w++)
                            index[row * mul + w] = p.WeightIndex(u, ch.V, w);
                }
            outputs.Add(new OutputBlock(mul, d.Output[o].Ir.Dim, parts, rows, index, d.HasBias[o] ? biasOffset : -1));
            if (d.HasBias[o]) biasOffset += mul;
        }
        Outputs = outputs.ToImmutableArray();
    }

    public TensorProductDescriptor Descriptor { get; }
    public IReadOnlyList<Group> Groups { get; }
    public IReadOnlyList<OutputBlock> Outputs { get; }

    public static TwoStagePlan For(TensorProductDescriptor descriptor) => Cache.GetValue(descriptor, d => new TwoStagePlan(d));

    private GradientPlan? _gradient;

    /// <summary>How to take this product's vector–Jacobian products (made once, on first use).</summary>
    public GradientPlan Gradient => _gradient ??= new GradientPlan(this);

    /// <summary>
    /// The vector–Jacobian products of the product, in the plan's terms. With g the gradient of the output, every channel
    /// of every group first mixes g with its weights transposed, h = g·Wᵀ ([Z, 2l_out+1, U]): one linear product
    /// (<see cref="Mixing"/>, the forward's weights under another index map) gives all of them, laid out so that a group's
    /// H is one [Z, K, U] block. Then per group, with the same Clebsch–Gordan matrix C the forward uses:
    /// ∂/∂X = (y·C)ᵀ·H ([Z, 2l+1, U], one batched matrix product), and ∂/∂y = Σ_groups vec(H·Xᵀ)·Cᵀ. The transposed
    /// matrices are <see cref="InputCoefficients"/> and <see cref="AttributeCoefficients"/>.
    /// </summary>
    public sealed class GradientPlan
    {
        internal GradientPlan(TwoStagePlan plan)
        {
            TensorProductDescriptor d = plan.Descriptor;
            var blocks = new List<MulIrrep>();
            var paths = new List<(TensorProductPath, ImmutableArray<double>)>();
            var offsets = new int[plan.Groups.Count];
            var inputC = new ImmutableArray<double>[plan.Groups.Count];
            var attributeC = new ImmutableArray<double>[plan.Groups.Count];
            int offset = 0;
            for (int g = 0; g < plan.Groups.Count; g++)
            {
                Group group = plan.Groups[g];
                offsets[g] = offset;
                foreach (Channel ch in group.Channels)
                {
                    MulIrrep source = d.Output[ch.Out];
                    int n3 = 2 * ch.LOut + 1, u = group.Mul;
                    var map = new int[source.Mul * u];
                    int column = 0;
                    foreach (int b in group.Blocks)
                    {
                        TensorProductPath p = d.Paths.First(q => q.In1 == b && q.In2 == ch.In2 && q.Out == ch.Out);
                        for (int local = 0; local < p.Mul1; local++, column++)
                            for (int w = 0; w < source.Mul; w++)
                                map[w * u + column] = p.WeightIndex(local, ch.V, w);
                    }
                    var identity = new double[n3 * n3];
                    for (int i = 0; i < n3; i++) identity[i * n3 + i] = 1;
                    paths.Add((new TensorProductPath(ch.Out, 0, blocks.Count, ch.LOut, 0, ch.LOut, source.Mul, 1, u, 0) { WeightMap = map.ToImmutableArray() }, identity.ToImmutableArray()));
                    blocks.Add(new MulIrrep(u, source.Ir));
                    offset += u * n3;
                }
                // C[j, k·n1 + i] of the forward, as (y·C)ᵀ's [j, i·K + k] and as Cᵀ [k·n1 + i, j]
                int n1 = group.Ir.Dim, k = group.K, dimY = d.Input2.Dim;
                var forInput = new double[dimY * n1 * k];
                var forAttribute = new double[k * n1 * dimY];
                for (int j = 0; j < dimY; j++)
                    for (int kk = 0; kk < k; kk++)
                        for (int i = 0; i < n1; i++)
                        {
                            double c = group.Coefficients[j * k * n1 + kk * n1 + i];
                            forInput[j * n1 * k + i * k + kk] = c;
                            forAttribute[(kk * n1 + i) * dimY + j] = c;
                        }
                inputC[g] = forInput.ToImmutableArray();
                attributeC[g] = forAttribute.ToImmutableArray();
            }
            Mixing = new TensorProductDescriptor(d.Output, new Irreps(blocks), paths, d.WeightCount);
            GroupOffsets = offsets.ToImmutableArray();
            InputCoefficients = inputC.ToImmutableArray();
            AttributeCoefficients = attributeC.ToImmutableArray();
        }

        /// <summary>g (the product's Output irreps) → H: every channel's weight mixing, a linear product on the forward's weights.</summary>
        public TensorProductDescriptor Mixing { get; }

        /// <summary>Where group g's [K, U] block starts in H.</summary>
        public ImmutableArray<int> GroupOffsets { get; }

        /// <summary>Per group, C rearranged [dim(y), (2l+1)·K]: y times it, viewed [Z, 2l+1, K], is (y·C)ᵀ.</summary>
        public ImmutableArray<ImmutableArray<double>> InputCoefficients { get; }

        /// <summary>Per group, Cᵀ [K·(2l+1), dim(y)].</summary>
        public ImmutableArray<ImmutableArray<double>> AttributeCoefficients { get; }
    }

    /// <summary>
    /// Multiply-adds per row of one way of computing a group's channels into one output block: <c>Gemm</c> in matrix
    /// products over all rows (y·C and the weight GEMMs), <c>RowWise</c> in the batched products of every row with its own
    /// small matrix, which run well below the GEMM peak.
    /// </summary>
    public readonly record struct FormCost(long Gemm, long RowWise)
    {
        public long Total => Gemm + RowWise;

        /// <summary>The cost both backends compare: a row-wise multiply-add counts as <see cref="RowWiseWeight"/> GEMM ones.</summary>
        public double Weighted => Gemm + RowWiseWeight * RowWise;
    }

    /// <summary>
    /// ONNX Runtime's batched MatMul of [Z, 5, 6] × [Z, 6, 36] runs at 5–20 GFLOP/s on this VM against 60–75 for a
    /// [23270, 72] × [72, 36] GEMM (profile of the QM9 forward, 1 thread): about 4× (Segnn.Export/README.md).
    /// </summary>
    public const double RowWiseWeight = 4;

    /// <summary>Per channel: M = y·C_channel, T = M·X, T·W_channel (n channels of the group into the block).</summary>
    public FormCost ChannelwiseCost(int group, int output)
    {
        var (g, d1, u, w, n3, n) = Shape(group, output);
        return IsLinear(g) ? new FormCost(n * n3 * u * w, 0) : new FormCost(n * (Descriptor.Input2.Dim * n3 * d1 + n3 * u * w), n * n3 * d1 * u);
    }

    /// <summary>
    /// Weights first: P = X·[W_1 | … | W_n] ([Z·(2l+1), U] × [U, n·w], one GEMM), then one batched product per row of
    /// M' = y·C' [2l_out+1, (2l+1)·n] with P viewed [(2l+1)·n, w]. The same sum in another order; it pays where the input
    /// irrep is smaller than the output's (a 0e group into 2e: 5× fewer multiply-adds) and always cuts the row-wise calls.
    /// </summary>
    public FormCost WeightsFirstCost(int group, int output)
    {
        var (_, d1, u, w, n3, n) = Shape(group, output);
        return new FormCost(d1 * u * n * w + Descriptor.Input2.Dim * n3 * d1 * n, n3 * d1 * n * w);
    }

    /// <summary>The sizes both costs read: the group's 2l+1 and U, the block's w and 2l_out+1, the group's channels into the block.</summary>
    private (Group Group, long D1, long U, long W, long N3, long N) Shape(int group, int output)
    {
        Group g = Groups[group];
        return (g, g.Ir.Dim, g.Mul, Outputs[output].Mul, Outputs[output].Dim, g.Channels.Count(ch => ch.Out == output));
    }

    /// <summary>True when training and the lowering compute the group's channels into the block weights first (never for linear groups, whose T is x).</summary>
    public bool PrefersWeightsFirst(int group, int output) =>
        !IsLinear(Groups[group]) && Groups[group].Channels.Any(ch => ch.Out == output)
        && WeightsFirstCost(group, output).Weighted <= ChannelwiseCost(group, output).Weighted;

    /// <summary>
    /// One group's channels into one output block: the first of their rows in the block's weight matrix [Rows, Mul]
    /// (<see cref="OutputBlock.WeightIndex"/>; Channels.Length × the group's Mul rows), and whether
    /// <see cref="PrefersWeightsFirst"/> computes them weights first.
    /// </summary>
    public sealed record GroupPart(int Group, ImmutableArray<Channel> Channels, int FirstRow, bool WeightsFirst);

    private ImmutableArray<GroupPart>[]? _groupParts;

    /// <summary>The output block's parts per group, in the block's row order; training and the lowering both read them.</summary>
    public IReadOnlyList<GroupPart> GroupParts(int output)
    {
        _groupParts ??= Enumerable.Range(0, Outputs.Count).Select(o =>
        {
            var parts = ImmutableArray.CreateBuilder<GroupPart>();
            int row = 0;
            foreach (IGrouping<int, (int Group, Channel Channel)> part in Outputs[o].Parts.GroupBy(q => q.Group))
            {
                var channels = part.Select(q => q.Channel).ToImmutableArray();
                parts.Add(new GroupPart(part.Key, channels, row, PrefersWeightsFirst(part.Key, o)));
                row += channels.Length * Groups[part.Key].Mul;
            }
            return parts.ToImmutable();
        }).ToArray();
        return _groupParts[output];
    }

    /// <summary>
    /// The weights-first form's C' for <paramref name="channels"/> of one group into one output block of 2l_out+1
    /// components: [dim(y), (2l_out+1)·(2l+1)·n] row-major, the channels' Clebsch–Gordan blocks side by side in P's
    /// (i, c) order, so that y·C' viewed [Z, 2l_out+1, (2l+1)·n] multiplies P [Z, (2l+1)·n, w]. Training and the lowering
    /// both read it.
    /// </summary>
    public double[] WeightsFirstCoefficients(int group, IReadOnlyList<Channel> channels, int outputDim)
    {
        Group g = Groups[group];
        int dim = g.Ir.Dim, n = channels.Count, n3 = outputDim, dimY = Descriptor.Input2.Dim, width = g.K * dim;
        var cg = new double[dimY * n3 * dim * n];
        for (int j = 0; j < dimY; j++)
            for (int c = 0; c < n; c++)
                for (int k = 0; k < n3; k++)
                    for (int i = 0; i < dim; i++)
                        cg[j * n3 * dim * n + k * dim * n + i * n + c] = g.Coefficients[j * width + (channels[c].KOffset + k) * dim + i];
        return cg;
    }

    private long _multiplyAddsPerRow = -1;

    /// <summary>
    /// Multiply-adds per row: for every group and output block the fewer of the two forms (<see cref="ChannelwiseCost"/>
    /// and <see cref="WeightsFirstCost"/>). A lower bound on either backend's arithmetic, so a time
    /// as a multiple of it never flatters the form that does more; linear groups cost their GEMMs only.
    /// </summary>
    public long MultiplyAddsPerRow
    {
        get
        {
            if (_multiplyAddsPerRow >= 0) return _multiplyAddsPerRow;
            long count = 0;
            for (int g = 0; g < Groups.Count; g++)
                for (int o = 0; o < Outputs.Count; o++)
                    if (Groups[g].Channels.Any(ch => ch.Out == o))
                        count += IsLinear(Groups[g]) ? ChannelwiseCost(g, o).Total : Math.Min(ChannelwiseCost(g, o).Total, WeightsFirstCost(g, o).Total);
            return _multiplyAddsPerRow = count;
        }
    }

    /// <summary>
    /// True when every coefficient block is an identity (the second operand is the constant 1x0e): stage 1 is then x
    /// itself, once per channel.
    /// </summary>
    public bool IsLinear(Group group)
    {
        if (Descriptor.HasInput2) return false;
        int dim = group.Ir.Dim;
        foreach (Channel ch in group.Channels)
            for (int i = 0; i < dim; i++)
                for (int kk = 0; kk < dim; kk++)
                    if (Math.Abs(group.Coefficients[(ch.KOffset + kk) * dim + i] - (i == kk ? 1 : 0)) > 1e-12) return false;
        return true;
    }

    /// <summary>The block's weight matrix [Rows, Mul] row-major, gathered from the flat weight vector (for constant folding).</summary>
    public static double[] OutputWeights(OutputBlock block, ReadOnlySpan<double> weights)
    {
        var w = new double[block.WeightIndex.Length];
        for (int i = 0; i < w.Length; i++) w[i] = weights[(int)block.WeightIndex[i]];
        return w;
    }

    /// <summary>
    /// The dense bilinear form: out = vec(x ⊗ y)·B with B [dim(x)·dim(y), dim(out)] (B[i·dim(y)+j, o], ir_mul indices), all
    /// paths and weights folded in. 85–96 % zeros for SEGNN's configurations; the alternative lowering for tiny
    /// configurations and GPUs.
    /// </summary>
    public static double[] DenseBilinear(TensorProductDescriptor d, ReadOnlySpan<double> weights)
    {
        int d1 = d.Input1.Dim, d2 = d.Input2.Dim, dOut = d.Output.Dim;
        var b = new double[d1 * d2 * dOut];
        foreach (TensorProductPath p in d.Paths)
        {
            ImmutableArray<double> c = d.Coefficients(p);
            int n1 = 2 * p.L1 + 1, n2 = 2 * p.L2 + 1, n3 = 2 * p.LOut + 1;
            for (int u = 0; u < p.Mul1; u++)
                for (int v = 0; v < p.Mul2; v++)
                    for (int w = 0; w < p.MulOut; w++)
                    {
                        double weight = weights[p.WeightIndex(u, v, w)];
                        for (int i = 0; i < n1; i++)
                            for (int j = 0; j < n2; j++)
                                for (int k = 0; k < n3; k++)
                                {
                                    double cijk = c[(i * n2 + j) * n3 + k];
                                    if (cijk == 0) continue;
                                    int row = Layout.IrMulIndex(d.Input1, p.In1, u, i) * d2 + Layout.IrMulIndex(d.Input2, p.In2, v, j);
                                    b[row * dOut + Layout.IrMulIndex(d.Output, p.Out, w, k)] += weight * cijk;
                                }
                    }
        }
        return b;
    }
}
