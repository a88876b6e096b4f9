using System.Diagnostics;
using Segnn.Graphs;
using Segnn.Nn;
using Segnn.Tasks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Segnn.Training;

/// <summary>What the trainer reports while it runs (a progress bar on a terminal, plain lines otherwise).</summary>
public interface ITrainingProgress
{
    void RunStarted(int firstEpoch, int epochs, int stepsPerEpoch);
    void Step(int epoch, int step, double loss);
    void EpochFinished(EpochMetrics metrics, bool improved);
    void Message(string text);
}

/// <summary>The result of a training run.</summary>
public sealed record TrainResult(TrainingState State, string BestCheckpoint, string LastCheckpoint, bool Stopped);

/// <summary>
/// The training job shared by every task: Adam with coupled weight decay, a per-epoch learning-rate schedule, shuffled
/// mini-batches (drop_last, as the reference), validation and test every k epochs, best checkpoint by validation,
/// atomic checkpoints every epoch and exact resumption. Deterministic for a given seed and thread count: the shuffle of
/// epoch e depends only on (seed, e), so a resumed run replays the same batches.
/// </summary>
public static class Trainer
{
    public const string LastCheckpoint = "last.ckpt";
    public const string BestCheckpoint = "best.ckpt";

    public static TrainResult Run(ModelConfig config, TrainingOptions options, IGraphDataset train, IGraphDataset valid, IGraphDataset? test,
        string runDir, bool resume, ITrainingProgress progress, IReadOnlyDictionary<string, string>? dataDescription = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        config.Validate();
        Directory.CreateDirectory(runDir);
        // a run killed while writing a checkpoint or metrics leaves its temporary file; the next start of the run clears them
        int stale = IO.AtomicFile.RemoveStale(runDir);
        if (stale > 0) progress.Message($"removed {stale} temporary file{(stale == 1 ? "" : "s")} left by an interrupted write");
        string lastPath = Path.Combine(runDir, LastCheckpoint), bestPath = Path.Combine(runDir, BestCheckpoint);
        set_num_threads(options.Threads);

        Checkpoint? restored = null;
        if (resume)
        {
            if (!File.Exists(lastPath)) throw new FileNotFoundException($"{runDir}: nothing to resume (no {LastCheckpoint})");
            restored = Checkpoint.Load(lastPath);
            if (restored.Config.ToJson() != config.ToJson())
                throw new InvalidOperationException($"{lastPath}: the run was started with another model configuration; resume with the same options");
        }
        else if (File.Exists(lastPath))
        {
            throw new InvalidOperationException($"{runDir} already holds a run ({LastCheckpoint}); use --resume to continue it or choose another --out");
        }

        manual_seed(options.Seed);
        using SegnnModel model = restored?.CreateModel() ?? new SegnnModel(config);
        using var optimizer = optim.Adam(model.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
        restored?.LoadOptimizer(optimizer);
        TrainingState state = restored?.State ?? new TrainingState { Data = dataDescription?.ToDictionary() ?? new() };
        if (restored is not null) progress.Message($"resuming {runDir} after epoch {state.Epoch}");

        SegnnTask task = config.TaskDefinition;
        ScalarType dtype = config.DType.ScalarType();
        using var ops = new TorchOps(dtype, training: true);
        int trainCount = options.MaxTrainSamples > 0 ? Math.Min(options.MaxTrainSamples, train.Count) : train.Count;
        int stepsPerEpoch = Math.Max(1, trainCount / options.BatchSize);
        double[] columnScale = task.ColumnScales(config);
        progress.RunStarted(state.Epoch, options.Epochs, stepsPerEpoch);

        var sessionClock = Stopwatch.StartNew();
        double secondsBefore = state.TrainingSeconds;
        bool stopped = false;
        for (int epoch = state.Epoch; epoch < options.Epochs; epoch++)
        {
            if (cancellationToken.IsCancellationRequested || (options.TimeLimitSeconds > 0 && secondsBefore + sessionClock.Elapsed.TotalSeconds > options.TimeLimitSeconds))
            {
                stopped = true;
                break;
            }
            double lr = options.LearningRateAt(epoch);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            model.train();
            ops.Training = true;
            int[] order = Shuffle(trainCount, options.Seed, epoch);
            (train as IEpochAware)?.SetEpoch(epoch);
            double lossSum = 0;
            long steps = state.Steps;
            for (int s = 0; s < stepsPerEpoch && !stopped; s++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    // the partial epoch is dropped: the last checkpoint is the end of the previous one
                    stopped = true;
                    break;
                }
                int take = Math.Min(options.BatchSize, trainCount - s * options.BatchSize);
                var (batch, targets) = train.Get(new ArraySegment<int>(order, s * options.BatchSize, take));
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                Tensor loss = BatchLoss(model, ops, options, batch.ToTensors(ops, config.Elements), targets, columnScale);
                loss.backward();
                optimizer.step();
                double l = loss.to_type(ScalarType.Float64).item<double>();
                if (!double.IsFinite(l))
                    throw new InvalidOperationException($"the training loss became {l} at epoch {epoch + 1}, step {s + 1}; lower the learning rate");
                lossSum += l;
                steps++;
                progress.Step(epoch, s, l);
            }

            if (stopped) break;
            bool validate = (epoch + 1) % options.ValidateEvery == 0 || epoch + 1 == options.Epochs;
            double? val = null, tst = null;
            bool improved = false;
            IReadOnlyDictionary<string, double> details = new Dictionary<string, double>();
            if (validate)
            {
                val = Evaluate(model, valid, options.BatchSize).Metric;
                if (test is not null)
                {
                    EvaluationResult testResult = Evaluate(model, test, options.BatchSize);
                    tst = testResult.Metric;
                    details = testResult.Report;
                }
                improved = val < state.BestValidation;
            }
            var metrics = new EpochMetrics
            {
                Epoch = epoch + 1,
                LearningRate = lr,
                TrainLoss = lossSum / stepsPerEpoch,
                Validation = val,
                Test = tst,
                Seconds = secondsBefore + sessionClock.Elapsed.TotalSeconds,
            };
            var history = new List<EpochMetrics>(state.History) { metrics };
            state = state with
            {
                Epoch = epoch + 1,
                Steps = steps,
                History = history,
                TrainingSeconds = metrics.Seconds,
                BestEpoch = improved ? epoch + 1 : state.BestEpoch,
                BestValidation = improved ? val!.Value : state.BestValidation,
                TestAtBest = improved ? tst ?? double.NaN : state.TestAtBest,
                BestDetails = improved ? details.ToDictionary() : state.BestDetails,
            };
            if (improved) Checkpoint.Save(bestPath, model, options, state, null);
            RunFiles.WriteMetrics(runDir, state.History);
            Checkpoint.Save(lastPath, model, options, state, optimizer);
            progress.EpochFinished(metrics, improved);
        }
        if (!File.Exists(bestPath)) Checkpoint.Save(bestPath, model, options, state, null);
        RunFiles.WriteMetrics(runDir, state.History);
        RunFiles.WritePlot(runDir, state.History, task.MetricName);
        return new TrainResult(state, bestPath, lastPath, stopped);
    }

    /// <summary>The task's metric on a split (lower is better) and its report in physical units, through <see cref="TorchPredictor"/>.</summary>
    public static EvaluationResult Evaluate(SegnnModel model, IGraphDataset data, int batchSize)
    {
        ModelConfig config = model.Config;
        SegnnTask task = config.TaskDefinition;
        var errors = new OutputErrors();
        using var predictor = new TorchPredictor(model);
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int[] idx = Enumerable.Range(start, Math.Min(batchSize, data.Count - start)).ToArray();
            var (batch, targets) = data.Get(idx);
            task.AddErrors(config, errors, predictor.Predict(batch), targets);
        }
        if (data.Count == 0) throw new InvalidOperationException($"{data.Name}: no samples to evaluate");
        return task.Summarize(config, errors, data.Count);
    }

    /// <summary>
    /// The training loss of one batch (the one definition the trainer and the train-step benchmark share): the task's
    /// prediction against the targets, MSE or L1 on standardised columns; for energy models plus the force term (and the
    /// stress term), each component over its scale, weighted by <see cref="TrainingOptions.ForceWeight"/> and
    /// <see cref="TrainingOptions.StressWeight"/>, with forces differentiable (create_graph) so they train the weights.
    /// </summary>
    public static Tensor BatchLoss(SegnnModel model, TorchOps ops, TrainingOptions options, RawGraph<Tensor> graph, GraphTargets targets, double[] columnScale)
    {
        ModelConfig config = model.Config;
        if (config.Derivatives == EnergyDerivatives.None)
            return ColumnLoss(options.Loss, config.TaskDefinition.Predict(ops, model, graph), targets.Columns, columnScale);
        var (energy, forces, stress) = TorchForces.Compute(model, ops, graph, createGraph: true);
        Tensor loss = ColumnLoss(options.Loss, energy, targets.Columns, columnScale);
        if (targets.Forces is { } f && options.ForceWeight > 0)
            loss = loss + options.ForceWeight * MaskedL1(forces, f, targets.ForceMask, 3, config.ForceScale ?? 1);
        if (stress is not null && targets.Stress is { } st && options.StressWeight > 0 && targets.StressMask is { } m && m.Any(x => x))
            loss = loss + options.StressWeight * MaskedL1(stress, st, m, 9, config.StressScale ?? 1);
        return loss;
    }

    private static Tensor ColumnLoss(LossKind kind, Tensor prediction, double[] targets, double[] columnScale)
    {
        Tensor target = tensor(targets, prediction.shape, prediction.dtype);
        if (kind == LossKind.Mse) return nn.functional.mse_loss(prediction, target);
        Tensor inverse = tensor(columnScale.Select(s => 1.0 / s).ToArray(), [1, columnScale.Length], prediction.dtype);
        return ((prediction - target) * inverse).abs().mean();
    }

    /// <summary>Mean |prediction − target| / scale over the rows the mask keeps (all rows without a mask).</summary>
    private static Tensor MaskedL1(Tensor prediction, double[] targets, bool[]? mask, int width, double scale)
    {
        Tensor diff = (prediction - tensor(targets, prediction.shape, prediction.dtype)).abs();
        if (mask is null) return diff.mean() / scale;
        Tensor keep = tensor(mask.Select(k => k ? 1.0 : 0.0).ToArray(), [mask.Length, 1], prediction.dtype);
        double rows = Math.Max(1, mask.Count(k => k));
        return (diff * keep).sum() / (rows * width * scale);
    }

    /// <summary>The batch order of one epoch: depends only on (seed, epoch), so resumed runs replay it exactly.</summary>
    public static int[] Shuffle(int count, int seed, int epoch)
    {
        int[] order = Enumerable.Range(0, count).ToArray();
        // not HashCode.Combine: it is salted per process, and a resumed run is another process
        new Random(unchecked((seed * 1_000_003) + (epoch * 7_919) + 17)).Shuffle(order);
        return order;
    }
}
