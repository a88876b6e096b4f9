using Segnn.Graphs;
using Segnn.Runtime.Graphs;
using Segnn.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Nn;

/// <summary>
/// The one way to run a TorchSharp model on a host batch (export parity, evaluation, benchmarks): the batch becomes
/// tensors in the model's precision, the task's full prediction runs in evaluation mode without gradients, and the
/// columns come back split into the model file's named outputs.
/// </summary>
public sealed class TorchPredictor : IDisposable
{
    private readonly TorchOps _ops;

    public TorchPredictor(SegnnModel model)
    {
        Model = model;
        Task = model.Config.TaskDefinition;
        _ops = new TorchOps(model.Config.DType, training: false);
    }

    public SegnnModel Model { get; }
    public SegnnTask Task { get; }

    /// <summary>The batch as tensors (kept by the caller's dispose scope).</summary>
    public RawGraph<Tensor> Prepare(BatchBuilder batch) => batch.ToTensors(_ops, Model.Config.Elements);

    /// <summary>The prediction tensor [rows, columns] of a prepared batch, in evaluation mode, without gradients.</summary>
    public Tensor Run(RawGraph<Tensor> graph)
    {
        bool wasTraining = Model.training;
        Model.eval();
        try
        {
            using var _ = no_grad();
            return Task.Predict(_ops, Model, graph);
        }
        finally
        {
            if (wasTraining) Model.train();
        }
    }

    /// <summary>Multiply-adds of one prediction of a prepared batch (the matrix products of the forward; see <see cref="TorchOps.MultiplyAdds"/>).</summary>
    public long MultiplyAdds(RawGraph<Tensor> graph)
    {
        using var scope = NewDisposeScope();
        _ops.ResetMultiplyAdds();
        Run(graph);
        return _ops.MultiplyAdds;
    }

    /// <summary>The prediction columns of a batch, row-major, in double precision.</summary>
    public double[] PredictColumns(BatchBuilder batch)
    {
        using var scope = NewDisposeScope();
        return Run(Prepare(batch)).to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    /// <summary>
    /// The prediction of a batch by output name, as a model file of this model names its outputs: the prediction's
    /// columns and, for energy models, the forces and stress by autograd.
    /// </summary>
    public IReadOnlyDictionary<string, double[]> Predict(BatchBuilder batch)
    {
        if (!Task.Differentiates(Model.Config)) return Task.SplitOutputs(Model.Config, PredictColumns(batch));
        using var scope = NewDisposeScope();
        bool wasTraining = Model.training;
        Model.eval();
        try
        {
            var (energy, forces, stress) = TorchForces.Compute(Model, _ops, Prepare(batch), createGraph: false);
            var result = new Dictionary<string, double[]>(Task.SplitOutputs(Model.Config, Values(energy)), StringComparer.Ordinal);
            foreach (TaskOutput o in Task.Outputs(Model.Config))
            {
                if (o.Source == OutputSource.Forces) result[o.Spec.Name] = Values(forces);
                else if (o.Source == OutputSource.Stress) result[o.Spec.Name] = Values(stress ?? throw new InvalidOperationException("the model has no stress"));
            }
            return result;
        }
        finally
        {
            if (wasTraining) Model.train();
        }
    }

    private static double[] Values(Tensor t) => t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    public void Dispose() => _ops.Dispose();
}
