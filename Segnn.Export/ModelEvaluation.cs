using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Tasks;
using Segnn.Training;

namespace Segnn.Export;

/// <summary>
/// A model's metric on a split of its task's data, from a checkpoint (TorchSharp) or from a model file (ONNX Runtime
/// through <see cref="SegnnSession"/>): the same datasets, the same <see cref="OutputErrors"/>, the same
/// <see cref="SegnnTask.Summarize"/>, so the two print the same report.
/// </summary>
public static class ModelEvaluation
{
    public const int BatchSize = 100;

    public static EvaluationResult OfCheckpoint(Checkpoint checkpoint, string dataDir, string split)
    {
        using SegnnModel model = checkpoint.CreateModel();
        IGraphDataset data = checkpoint.Config.TaskDefinition.LoadSplit(SegnnTask.RequireDataPath(dataDir), split, checkpoint.Config);
        return Trainer.Evaluate(model, data, BatchSize);
    }

    /// <summary>The configuration a model file was exported from (its metadata keeps it).</summary>
    public static ModelConfig ConfigOf(SegnnSession session) =>
        session.Metadata.TrainingConfig is { } json ? ModelConfig.FromJson(json)
            : throw new SegnnModelException($"{session.Source}: the file does not carry its training configuration, so it cannot be evaluated on a dataset");

    /// <exception cref="SegnnModelException">The file has no training configuration.</exception>
    public static EvaluationResult OfModelFile(SegnnSession session, string dataDir, string split)
    {
        ModelConfig config = ConfigOf(session);
        SegnnTask task = config.TaskDefinition;
        IGraphDataset data = task.LoadSplit(SegnnTask.RequireDataPath(dataDir), split, config);
        if (data.Count == 0) throw new InvalidOperationException($"{data.Name}: no samples to evaluate");
        var errors = new OutputErrors();
        for (int start = 0; start < data.Count; start += BatchSize)
        {
            int[] indices = Enumerable.Range(start, Math.Min(BatchSize, data.Count - start)).ToArray();
            var (batch, targets) = data.Get(indices);
            task.AddErrors(config, errors, session.Run(batch.Build()), targets);
        }
        return task.Summarize(config, errors, data.Count);
    }
}
