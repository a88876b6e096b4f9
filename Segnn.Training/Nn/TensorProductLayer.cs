using Segnn.O3;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Segnn.Nn;

/// <summary>
/// SEGNN's <c>O3TensorProduct</c> (no gate) and <c>O3TensorProductSwishGate</c> (with gate): a fully connected tensor
/// product with shared weights and biases on the l = 0 outputs, optionally followed by the gate.
/// The stored parameters are the effective weights (e3nn's 1/√fan_in is cancelled by SEGNN's rescale), initialised
/// U(±1/√fan_in) per output block like <c>torch.nn.Linear</c>. Parameter names follow the reference
/// (<c>tp.weight</c>, <c>biases</c>), so state dicts map one to one.
/// </summary>
public sealed class TensorProductLayer : nn.Module
{
    private readonly WeightHolder _tp;
    private readonly Parameter? _biases;

    /// <param name="name">module name.</param>
    /// <param name="input1">irreps of the features.</param>
    /// <param name="input2">irreps of the attribute; null for the constant 1x0e (a linear layer).</param>
    /// <param name="output">the layer's output irreps (for a gated layer: the irreps after the gate).</param>
    /// <param name="gated">apply SEGNN's gate: the tensor product then produces the gate's pre-activation irreps.</param>
    /// <param name="dtype">parameter precision.</param>
    public TensorProductLayer(string name, Irreps input1, Irreps? input2, Irreps output, bool gated, ScalarType dtype = ScalarType.Float32)
        : base(name)
    {
        Gate = gated ? new Gate(output) : null;
        Output = output;
        Descriptor = new TensorProductDescriptor(input1, input2, Gate?.PreActivation ?? output);
        for (int o = 0; o < Descriptor.Output.Count; o++)
            if (Descriptor.Output[o].Mul > 0 && Descriptor.FanIn[o] == 0)
                throw new ArgumentException($"{name}: output block {Descriptor.Output[o]} of {Descriptor} has no path (its fan-in would be 0)");

        var w = new double[Descriptor.WeightCount];
        var b = new double[Descriptor.BiasCount];
        using (no_grad())
        {
            foreach (TensorProductPath p in Descriptor.Paths)
            {
                double bound = Descriptor.InitBound(p.Out);
                using Tensor u = empty(p.WeightCount, ScalarType.Float64).uniform_(-bound, bound);
                u.data<double>().CopyTo(w, p.WeightOffset);
            }
            for (int o = 0; o < Descriptor.Output.Count; o++)
            {
                if (!Descriptor.HasBias[o]) continue;
                double bound = Descriptor.InitBound(o);
                using Tensor u = empty(Descriptor.Output[o].Mul, ScalarType.Float64).uniform_(-bound, bound);
                u.data<double>().CopyTo(b, Descriptor.BiasOffset(o));
            }
        }
        _tp = new WeightHolder(new Parameter(tensor(w, [w.Length], dtype)));
        register_module("tp", _tp);
        if (b.Length > 0)
        {
            _biases = new Parameter(tensor(b, [b.Length], dtype));
            register_parameter("biases", _biases);
        }
    }

    public TensorProductDescriptor Descriptor { get; }
    public Gate? Gate { get; }
    public Irreps Output { get; }
    public Parameter Weight => _tp.Weight;
    public Parameter? Biases => _biases;

    public T Forward<T>(IOps<T> ops, T x, T? y) where T : class
    {
        if (Descriptor.HasInput2 && y is null) throw new ArgumentNullException(nameof(y), $"{GetName()} needs its attribute input");
        T result = ops.TensorProduct(Descriptor, x, Descriptor.HasInput2 ? y : null,
            ops.Parameter(TorchTensorHandle.Of(_tp.Weight)), _biases is null ? null : ops.Parameter(TorchTensorHandle.Of(_biases)));
        return Gate is null ? result : Gate.Apply(ops, result);
    }

    /// <summary>The reference's inner e3nn module, kept so parameter names read <c>…tp.weight</c>.</summary>
    private sealed class WeightHolder : nn.Module
    {
        public WeightHolder(Parameter weight) : base("tp")
        {
            Weight = weight;
            register_parameter("weight", weight);
        }

        public Parameter Weight { get; }
    }
}
