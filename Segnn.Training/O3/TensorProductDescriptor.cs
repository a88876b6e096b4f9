using System.Collections.Immutable;

namespace Segnn.O3;

/// <summary>One path (instruction) of a fully connected tensor product: block In1 ⊗ block In2 → block Out, mode uvw.</summary>
/// <remarks><c>WeightOffset</c> is the start of this path's weights in the flat weight vector; the block is row-major [Mul1, Mul2, MulOut].</remarks>
public sealed record TensorProductPath(int In1, int In2, int Out, int L1, int L2, int LOut, int Mul1, int Mul2, int MulOut, int WeightOffset)
{
    public int WeightCount => Mul1 * Mul2 * MulOut;

    /// <summary>
    /// For paths of derived descriptors (<see cref="TwoStagePlan.GradientPlan.Mixing"/>): the position of
    /// every weight (u, v, w), row-major, in the flat weight vector they share with the forward product; default:
    /// contiguous from <see cref="WeightOffset"/>.
    /// </summary>
    public ImmutableArray<int> WeightMap { get; init; }

    /// <summary>Where weight (u, v, w) of this path sits in the flat weight vector.</summary>
    public int WeightIndex(int u, int v, int w) => WeightMap.IsDefault ? WeightOffset + (u * Mul2 + v) * MulOut + w : WeightMap[(u * Mul2 + v) * MulOut + w];
}

/// <summary>
/// An immutable description of SEGNN's fully connected tensor product <c>x (Input1) ⊗ y (Input2) → Output</c>:
/// the allowed paths in e3nn's instruction order, their coefficient blocks, the weight and bias layout and the fan-ins.
/// Execution backends (TorchSharp training, ONNX lowering) consume this; none of them re-derives the algebra.
/// </summary>
/// <remarks>
/// Semantics (segnn.md §1.4, e3nn 0.4.1 with SEGNN's rescale): out[w,k] of output block o =
/// Σ_{paths p into o} Σ_{u,v} W_p[u,v,w] Σ_{i,j} C_p[i,j,k] x[u,i] y[v,j] + bias (l = 0 blocks only), with
/// C_p = √(2·l_out+1)·w3j(l1,l2,l_out) and no other normalisation constant (e3nn's 1/√fan_in is cancelled by SEGNN).
/// Weights and biases are initialised U(±1/√fan_in(o)), fan_in(o) = Σ_{p into o} Mul1·Mul2.
/// </remarks>
public sealed class TensorProductDescriptor : IEquatable<TensorProductDescriptor>
{
    private readonly Dictionary<TensorProductPath, ImmutableArray<double>> _coefficients = new();

    /// <summary>Enumerates the allowed paths of <paramref name="input1"/> ⊗ <paramref name="input2"/> → <paramref name="output"/>;
    /// a null <paramref name="input2"/> means the constant <c>1x0e</c> (the layer is then an equivariant linear map).</summary>
    public TensorProductDescriptor(Irreps input1, Irreps? input2, Irreps output)
    {
        Input1 = input1 ?? throw new ArgumentNullException(nameof(input1));
        HasInput2 = input2 is not null;
        Input2 = input2 ?? Irreps.Parse("1x0e");
        Output = output ?? throw new ArgumentNullException(nameof(output));

        var paths = new List<TensorProductPath>();
        int offset = 0;
        for (int i1 = 0; i1 < Input1.Count; i1++)
            for (int i2 = 0; i2 < Input2.Count; i2++)
                for (int o = 0; o < Output.Count; o++)
                {
                    MulIrrep a = Input1[i1], b = Input2[i2], c = Output[o];
                    if (a.Mul == 0 || b.Mul == 0 || c.Mul == 0 || !Irrep.PathAllowed(a.Ir, b.Ir, c.Ir)) continue;
                    var p = new TensorProductPath(i1, i2, o, a.Ir.L, b.Ir.L, c.Ir.L, a.Mul, b.Mul, c.Mul, offset);
                    paths.Add(p);
                    offset += p.WeightCount;
                }
        Paths = paths.ToImmutableArray();
        WeightCount = offset;
        FanIn = Enumerable.Range(0, Output.Count).Select(o => paths.Where(p => p.Out == o).Sum(p => p.Mul1 * p.Mul2)).ToImmutableArray();
        // the reference adds a bias to every output block whose degree is 0 (it checks the degree only, not the parity)
        HasBias = Output.Select(b => b.Ir.L == 0 && b.Mul > 0).ToImmutableArray();
        BiasCount = Output.Where(b => b.Ir.L == 0).Sum(b => b.Mul);
        foreach (TensorProductPath p in paths)
        {
            double[] w3j = Wigner3j.Get(p.L1, p.L2, p.LOut);
            double scale = Math.Sqrt(2 * p.LOut + 1);
            _coefficients[p] = w3j.Select(v => v * scale).ToImmutableArray();
        }
    }

    /// <summary>
    /// A derived product over the same flat weight vector: explicit paths and coefficients, no biases. Equal only to
    /// itself (derived descriptors are made once, by <see cref="TwoStagePlan"/>).
    /// </summary>
    internal TensorProductDescriptor(Irreps input1, Irreps output, IReadOnlyList<(TensorProductPath Path, ImmutableArray<double> Coefficients)> paths, int weightCount)
    {
        Input1 = input1;
        HasInput2 = false;
        Input2 = Irreps.Parse("1x0e");
        Output = output;
        Paths = paths.Select(p => p.Path).ToImmutableArray();
        foreach (var (path, c) in paths) _coefficients[path] = c;
        WeightCount = weightCount;
        FanIn = Enumerable.Range(0, Output.Count).Select(o => Paths.Where(p => p.Out == o).Sum(p => p.Mul1 * p.Mul2)).ToImmutableArray();
        HasBias = Output.Select(_ => false).ToImmutableArray();
        BiasCount = 0;
        _derived = true;
    }

    private readonly bool _derived;

    public Irreps Input1 { get; }

    /// <summary>The second operand's irreps; <c>1x0e</c> when <see cref="HasInput2"/> is false.</summary>
    public Irreps Input2 { get; }

    public bool HasInput2 { get; }
    public Irreps Output { get; }
    public IReadOnlyList<TensorProductPath> Paths { get; }
    public int WeightCount { get; }
    public IReadOnlyList<int> FanIn { get; }
    public IReadOnlyList<bool> HasBias { get; }
    public int BiasCount { get; }

    /// <summary>C_p = √(2 l_out + 1)·w3j, row-major [2l1+1, 2l2+1, 2l_out+1].</summary>
    public ImmutableArray<double> Coefficients(TensorProductPath path) => _coefficients[path];

    /// <summary>Paths into output block <paramref name="output"/>, in instruction order.</summary>
    public IEnumerable<TensorProductPath> PathsInto(int output) => Paths.Where(p => p.Out == output);

    /// <summary>Bound of the uniform initialisation of the weights of paths into output block <paramref name="output"/>.</summary>
    public double InitBound(int output) => FanIn[output] == 0 ? 0 : 1 / Math.Sqrt(FanIn[output]);

    /// <summary>Offset of output block <paramref name="output"/>'s biases in the bias vector (only l = 0 blocks have biases).</summary>
    public int BiasOffset(int output)
    {
        int offset = 0;
        for (int o = 0; o < output; o++)
            if (HasBias[o]) offset += Output[o].Mul;
        return offset;
    }

    public bool Equals(TensorProductDescriptor? other) =>
        other is not null && (ReferenceEquals(this, other)
            || (!_derived && !other._derived && Input1 == other.Input1 && Input2 == other.Input2 && HasInput2 == other.HasInput2 && Output == other.Output));

    public override bool Equals(object? obj) => Equals(obj as TensorProductDescriptor);
    public override int GetHashCode() => HashCode.Combine(Input1, Input2, HasInput2, Output, _derived);
    public override string ToString() => $"{Input1} x {(HasInput2 ? Input2.ToString() : "1")} -> {Output} | {Paths.Count} paths | {WeightCount} weights";
}
