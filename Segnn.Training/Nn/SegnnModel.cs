using Segnn.O3;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Segnn.Nn;

/// <summary>
/// The SEGNN network (segnn.md §3): embedding, L message-passing layers, and a node head or a pooled graph head.
/// Its forward is written once against <see cref="IOps{T}"/>; module and parameter names follow the reference
/// implementation (<c>embedding_layer</c>, <c>layers.i.message_layer_1</c>, <c>pre_pool1</c>, …).
/// </summary>
public sealed class SegnnModel : nn.Module
{
    private readonly TensorProductLayer _embedding;
    private readonly ModuleList<nn.Module> _layers;
    private readonly TensorProductLayer _prePool1;
    private readonly TensorProductLayer _prePool2;
    private readonly TensorProductLayer? _postPool1;
    private readonly TensorProductLayer? _postPool2;

    public SegnnModel(ModelConfig config) : base("segnn")
    {
        Config = config.Validate();
        ScalarType dtype = config.DType.ScalarType();
        Irreps hidden = config.Hidden, attributes = config.Attributes, output = config.OutputIrreps;
        Hidden = hidden;
        _inputToIrMul = Layout.MulIrToIrMul(config.InputIrreps);
        _outputToMulIr = Layout.IrMulToMulIr(output);

        _embedding = new TensorProductLayer("embedding_layer", config.InputIrreps, attributes, hidden, gated: false, dtype);
        register_module("embedding_layer", _embedding);
        var layers = new List<nn.Module>();
        for (int i = 0; i < config.Layers; i++)
        {
            layers.Add(config.Architecture == Architecture.Segnn
                ? new SegnnLayer($"layer{i}", hidden, attributes, config.EdgeScalarIrreps, config.Norm, dtype)
                : new SeConvLayer($"layer{i}", hidden, attributes, config.EdgeScalarIrreps, config.Architecture == Architecture.SeconvNonlinear, config.Norm, dtype));
        }
        _layers = new ModuleList<nn.Module>(layers.ToArray());
        register_module("layers", _layers);

        _prePool1 = new TensorProductLayer("pre_pool1", hidden, attributes, hidden, gated: true, dtype);
        register_module("pre_pool1", _prePool1);
        if (config.GraphOutput && config.Readout == Readout.Pooled)
        {
            // P = (output × num_irreps(hidden)), simplified and sorted (108x0e for QM9)
            Irreps pooled = (output * hidden.NumIrreps).Sort().Sorted.Simplify();
            _prePool2 = new TensorProductLayer("pre_pool2", hidden, attributes, pooled, gated: false, dtype);
            _postPool1 = new TensorProductLayer("post_pool1", pooled, null, pooled, gated: true, dtype);
            _postPool2 = new TensorProductLayer("post_pool2", pooled, null, output, gated: false, dtype);
            register_module("pre_pool2", _prePool2);
            register_module("post_pool1", _postPool1);
            register_module("post_pool2", _postPool2);
        }
        else
        {
            _prePool2 = new TensorProductLayer("pre_pool2", hidden, attributes, output, gated: false, dtype);
            register_module("pre_pool2", _prePool2);
        }

        // the backends see parameters and running statistics through handles; give them their registered names
        foreach (var (name, parameter) in named_parameters()) TorchTensorHandle.Of(parameter).Name = name;
        foreach (var (name, buffer) in named_buffers()) TorchTensorHandle.Of(buffer).Name = name;
    }

    public ModelConfig Config { get; }
    public Irreps Hidden { get; }

    private readonly int[] _inputToIrMul;
    private readonly int[] _outputToMulIr;

    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Raw network output: [nodes, output.Dim] for a node task, [graphs, output.Dim] for a graph task.</summary>
    public T Forward<T>(IOps<T> ops, SegnnInputs<T> g) where T : class
    {
        // node attributes: the l = 0 component is forced to 1 (isolated nodes become (1, 0, …))
        T nodeAttributes = Config.Attributes.Dim == 1
            ? ops.OnesColumn(g.NodeAttributes)
            : ops.Concat([ops.OnesColumn(g.NodeAttributes), ops.Slice(g.NodeAttributes, 1, Config.Attributes.Dim - 1)]);
        // the network works on ir_mul blocks (see Layout); inputs and outputs keep e3nn's mul_ir
        T input = Layout.IsTrivial(Config.InputIrreps) ? g.NodeFeatures : ops.GatherColumns(g.NodeFeatures, _inputToIrMul);
        T x = _embedding.Forward(ops, input, nodeAttributes);
        foreach (nn.Module layer in _layers)
        {
            x = layer switch
            {
                SegnnLayer s => s.Forward(ops, x, g, nodeAttributes),
                SeConvLayer c => c.Forward(ops, x, g),
                _ => throw new InvalidOperationException($"unexpected layer {layer.GetType().Name}"),
            };
        }
        x = _prePool1.Forward(ops, x, nodeAttributes);
        x = _prePool2.Forward(ops, x, nodeAttributes);
        if (Config.GraphOutput && Config.Readout == Readout.NodeSum)
        {
            x = g.Graphs.Sum(ops, x); // Σ of per-node outputs: extensive
        }
        else if (Config.GraphOutput)
        {
            x = Config.Pool == Pooling.Avg ? g.Graphs.Mean(ops, x) : g.Graphs.Sum(ops, x);
            x = _postPool1!.Forward<T>(ops, x, null);
            x = _postPool2!.Forward<T>(ops, x, null);
        }
        return Layout.IsTrivial(Config.OutputIrreps) ? x : ops.GatherColumns(x, _outputToMulIr);
    }
}
