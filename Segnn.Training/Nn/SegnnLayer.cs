using Segnn.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Nn;

/// <summary>
/// One SEGNN message-passing layer (segnn.md §3.2): message = two gated tensor products on [f_receiver, f_sender, e]
/// conditioned on the edge attribute; sum at the receiver; update = gated then linear tensor product on [f, m]
/// conditioned on the node attribute; residual; then the optional norm.
/// </summary>
public sealed class SegnnLayer : nn.Module
{
    private readonly TensorProductLayer _message1;
    private readonly TensorProductLayer _message2;
    private readonly TensorProductLayer _update1;
    private readonly TensorProductLayer _update2;
    private readonly InstanceNorm? _instanceNorm;
    private readonly BatchNorm? _featureBatchNorm;
    private readonly BatchNorm? _messageBatchNorm;

    public SegnnLayer(string name, Irreps hidden, Irreps attributes, Irreps edgeScalars, NormKind norm, ScalarType dtype) : base(name)
    {
        Irreps messageInput = ConcatenatedIrreps(hidden + hidden + edgeScalars);
        _message1 = new TensorProductLayer("message_layer_1", messageInput, attributes, hidden, gated: true, dtype);
        _message2 = new TensorProductLayer("message_layer_2", hidden, attributes, hidden, gated: true, dtype);
        _update1 = new TensorProductLayer("update_layer_1", ConcatenatedIrreps(hidden + hidden), attributes, hidden, gated: true, dtype);
        _update2 = new TensorProductLayer("update_layer_2", hidden, attributes, hidden, gated: false, dtype);
        register_module("message_layer_1", _message1);
        register_module("message_layer_2", _message2);
        register_module("update_layer_1", _update1);
        register_module("update_layer_2", _update2);
        if (norm == NormKind.Instance)
        {
            _instanceNorm = new InstanceNorm("feature_norm", hidden, dtype);
            register_module("feature_norm", _instanceNorm);
        }
        else if (norm == NormKind.Batch)
        {
            _featureBatchNorm = new BatchNorm("feature_norm", hidden, dtype);
            _messageBatchNorm = new BatchNorm("message_norm", hidden, dtype);
            register_module("feature_norm", _featureBatchNorm);
            register_module("message_norm", _messageBatchNorm);
        }
    }

    /// <summary>
    /// The reference simplifies concatenated irreps (it fixes the weight layout); concatenating ir_mul blocks is only that
    /// vector when no two blocks of l > 0 were merged, which holds for every SEGNN configuration (hidden irreps start with 0e).
    /// </summary>
    internal static Irreps ConcatenatedIrreps(Irreps concatenated)
    {
        Irreps simplified = concatenated.Simplify();
        if (!Layout.ConcatenationMatches(concatenated, simplified))
            throw new NotSupportedException($"concatenating {concatenated} merges non-scalar blocks; hidden irreps must start with a 0e block");
        return simplified;
    }

    public T Forward<T>(IOps<T> ops, T features, SegnnInputs<T> g, T nodeAttributes) where T : class
    {
        T receivers = ops.Rows(features, g.Receivers);
        T senders = ops.Rows(features, g.Senders);
        T input = g.EdgeScalars is null ? ops.Concat([receivers, senders]) : ops.Concat([receivers, senders, g.EdgeScalars]);
        T message = _message1.Forward(ops, input, g.EdgeAttributes);
        message = _message2.Forward(ops, message, g.EdgeAttributes);
        if (_messageBatchNorm is not null) message = _messageBatchNorm.Forward(ops, message);
        if (g.EdgeWeights is not null) message = ops.Mul(message, g.EdgeWeights);
        T aggregated = ops.SegmentSum(message, g.Receivers, g.NumNodes);

        T update = _update1.Forward(ops, ops.Concat([features, aggregated]), nodeAttributes);
        update = _update2.Forward(ops, update, nodeAttributes);
        T result = ops.Add(features, update);
        if (_instanceNorm is not null) result = _instanceNorm.Forward(ops, result, g.Graphs);
        if (_featureBatchNorm is not null) result = _featureBatchNorm.Forward(ops, result);
        return result;
    }
}

/// <summary>
/// The SEConv ablation layer (segnn.md §3.4): message = one linear tensor product ("linear") or a gated tensor product into
/// the hidden irreps followed by a linear one ("nonlinear"), conditioned on the edge attribute; sum at the receiver;
/// f ← f + Gate(m); then the norm. No update network, no node-attribute conditioning.
/// </summary>
public sealed class SeConvLayer : nn.Module
{
    private readonly TensorProductLayer? _messageGated;
    private readonly TensorProductLayer _message;
    private readonly Gate _gate;
    private readonly InstanceNorm? _instanceNorm;
    private readonly BatchNorm? _featureBatchNorm;

    public SeConvLayer(string name, Irreps hidden, Irreps attributes, Irreps edgeScalars, bool nonlinear, NormKind norm, ScalarType dtype) : base(name)
    {
        Irreps messageInput = SegnnLayer.ConcatenatedIrreps(hidden + hidden + edgeScalars);
        _gate = new Gate(hidden);
        if (nonlinear)
        {
            _messageGated = new TensorProductLayer("message_layer_1", messageInput, attributes, hidden, gated: true, dtype);
            _message = new TensorProductLayer("message_layer_2", hidden, attributes, _gate.PreActivation, gated: false, dtype);
            register_module("message_layer_1", _messageGated);
            register_module("message_layer_2", _message);
        }
        else
        {
            _message = new TensorProductLayer("message_layer", messageInput, attributes, _gate.PreActivation, gated: false, dtype);
            register_module("message_layer", _message);
        }
        if (norm == NormKind.Instance)
        {
            _instanceNorm = new InstanceNorm("feature_norm", hidden, dtype);
            register_module("feature_norm", _instanceNorm);
        }
        else if (norm == NormKind.Batch)
        {
            _featureBatchNorm = new BatchNorm("feature_norm", hidden, dtype);
            register_module("feature_norm", _featureBatchNorm);
        }
    }

    public T Forward<T>(IOps<T> ops, T features, SegnnInputs<T> g) where T : class
    {
        T receivers = ops.Rows(features, g.Receivers);
        T senders = ops.Rows(features, g.Senders);
        T input = g.EdgeScalars is null ? ops.Concat([receivers, senders]) : ops.Concat([receivers, senders, g.EdgeScalars]);
        T message = _messageGated is null ? input : _messageGated.Forward(ops, input, g.EdgeAttributes);
        message = _message.Forward(ops, message, g.EdgeAttributes);
        if (g.EdgeWeights is not null) message = ops.Mul(message, g.EdgeWeights);
        T aggregated = ops.SegmentSum(message, g.Receivers, g.NumNodes);
        T result = ops.Add(features, _gate.Apply(ops, aggregated));
        if (_instanceNorm is not null) result = _instanceNorm.Forward(ops, result, g.Graphs);
        if (_featureBatchNorm is not null) result = _featureBatchNorm.Forward(ops, result);
        return result;
    }
}
