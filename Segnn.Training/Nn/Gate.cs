using Segnn.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Nn;

/// <summary>
/// The gate non-linearity of SEGNN (e3nn's <c>Gate</c> with SiLU scalars and sigmoid gates, each normalised to unit second
/// moment). For hidden irreps H = [N×0e] + G it describes the pre-activation irreps simplify(N×0e + #G×0e + G) with layout
/// [N scalars | #G gates | gated blocks], and maps them to exactly H.
/// </summary>
public sealed class Gate
{
    public Gate(Irreps output)
    {
        if (output.Count == 0) throw new ArgumentException("gate output irreps are empty", nameof(output));
        Output = output;
        // the reference treats the first block as the scalars, the rest as gated
        Scalars = output[0].Mul;
        if (output[0].Ir.L != 0)
            throw new ArgumentException($"the first block of gated irreps {output} must be scalar (0e)", nameof(output));
        Irreps gated = new(output.Skip(1));
        GateCount = gated.NumIrreps;
        PlainSilu = GateCount == 0;
        PreActivation = PlainSilu ? output : (new Irreps([new MulIrrep(Scalars, output[0].Ir), new MulIrrep(GateCount, new Irrep(0, 1))]) + gated).Simplify();
        GatedDim = gated.Dim;
        Gated = gated;
    }

    public Irreps Output { get; }
    public Irreps PreActivation { get; }
    public int Scalars { get; }
    public int GateCount { get; }
    public int GatedDim { get; }

    /// <summary>True when there is nothing to gate: the reference then applies a plain SiLU without the normalisation constant.</summary>
    public bool PlainSilu { get; }

    private Irreps Gated { get; }

    public T Apply<T>(IOps<T> ops, T x) where T : class
    {
        if (PlainSilu) return ops.Silu(x);
        var parts = new List<T> { ops.Scale(ops.Silu(ops.Slice(x, 0, Scalars)), GateConstants.Silu) };
        T gates = ops.Scale(ops.Sigmoid(ops.Slice(x, Scalars, GateCount)), GateConstants.Sigmoid);
        int gate = 0, offset = Scalars + GateCount;
        foreach (MulIrrep b in Gated)
        {
            // every copy's 2l+1 components times its gate, by broadcasting the ir_mul block [rows, 2l+1, mul] with
            // [rows, 1, mul]; a column gather would do the same with a scatter in its backward, measured slower
            T features = ops.Slice(x, offset, b.Dim), g = ops.Slice(gates, gate, b.Mul);
            parts.Add(b.Ir.Dim == 1 ? ops.Mul(features, g)
                : ops.ReshapeRows(ops.Mul(ops.ReshapeRows(features, b.Ir.Dim, b.Mul), ops.ReshapeRows(g, 1, b.Mul)), b.Dim));
            gate += b.Mul;
            offset += b.Dim;
        }
        return ops.Concat(parts);
    }
}

/// <summary>
/// e3nn's <c>normalize2mom</c> constants 1/√E[f(z)²], z ~ N(0,1). e3nn estimates the moment from 10⁶ samples of
/// torch.randn with a generator seeded 0 (float64), so its constants differ from the exact integrals (1.67653, 1.84623)
/// in the 4th digit; we reproduce its estimate with the same libtorch generator, which is what trained SEGNN weights expect.
/// </summary>
public static class GateConstants
{
    private static readonly Lazy<(double Silu, double Sigmoid)> Values = new(Compute);

    public static double Silu => Values.Value.Silu;
    public static double Sigmoid => Values.Value.Sigmoid;

    private static (double, double) Compute()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using Generator generator = new(0, CPU);
        generator.manual_seed(0);
        Tensor z = randn([1_000_000], ScalarType.Float64, generator: generator);
        double silu = nn.functional.silu(z).pow(2).mean().pow(-0.5).item<double>();
        generator.manual_seed(0);
        z = randn([1_000_000], ScalarType.Float64, generator: generator);
        double sigmoid = z.sigmoid().pow(2).mean().pow(-0.5).item<double>();
        return (silu, sigmoid);
    }
}
