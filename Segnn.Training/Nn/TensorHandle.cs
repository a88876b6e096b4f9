using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace Segnn.Nn;

/// <summary>
/// A model tensor (a parameter or a running statistic) as the <see cref="IOps{T}"/> backends see it: a name and values
/// owned by a module. Keeps <see cref="IOps{T}"/> free of TorchSharp types; the TorchSharp backend reaches the tensor
/// itself, the exporter only its name and values.
/// </summary>
public abstract class TensorHandle
{
    /// <summary>The registered name (<c>layers.0.message_layer_1.tp.weight</c>) once the model has named its tensors, else a hint.</summary>
    public string Name { get; internal set; } = "tensor";

    public abstract IReadOnlyList<long> Shape { get; }

    /// <summary>A copy of the values, row-major, in double precision.</summary>
    public abstract double[] ReadValues();
}

/// <summary>The handle of a TorchSharp tensor; one per tensor (<see cref="Of"/>), so names given once are seen everywhere.</summary>
internal sealed class TorchTensorHandle : TensorHandle
{
    private static readonly ConditionalWeakTable<Tensor, TorchTensorHandle> Handles = new();

    private TorchTensorHandle(Tensor tensor) => Tensor = tensor;

    public Tensor Tensor { get; }

    public override IReadOnlyList<long> Shape => Tensor.shape;

    public static TorchTensorHandle Of(Tensor tensor) => Handles.GetValue(tensor, t => new TorchTensorHandle(t));

    public override double[] ReadValues()
    {
        using var _ = no_grad();
        using Tensor values = Tensor.detach().cpu().to_type(ScalarType.Float64).contiguous();
        return values.data<double>().ToArray();
    }
}
