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

        TaskDefinition task = TaskDefinition.For(config);
        ScalarType dtype = config.DType == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        using var ops = new TorchOps(dtype, training: true);
        int trainCount = options.MaxTrainSamples > 0 ? Math.Min(options.MaxTrainSamples, train.Count) : train.Count;
        int stepsPerEpoch = Math.Max(1, trainCount / options.BatchSize);
        double[] columnScale = ColumnScales(config);
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
                RawGraph<Tensor> graph = batch.ToTensors(ops, config.Elements);
                Tensor prediction = task.Predict(ops, model, graph);
                Tensor loss = Loss(options.Loss, prediction, tensor(targets, prediction.shape, dtype), columnScale, dtype);
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
            var details = new Dictionary<string, double>();
            if (validate)
            {
                val = Evaluate(model, config, valid, options.BatchSize, columnScale, null).Metric;
                if (test is not null) tst = Evaluate(model, config, test, options.BatchSize, columnScale, details).Metric;
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
                BestDetails = improved ? details : state.BestDetails,
            };
            if (improved) Checkpoint.Save(bestPath, model, options, state, null);
            RunFiles.WriteMetrics(runDir, state.History);
            Checkpoint.Save(lastPath, model, options, state, optimizer);
            progress.EpochFinished(metrics, improved);
        }
        if (!File.Exists(bestPath)) Checkpoint.Save(bestPath, model, options, state, null);
        RunFiles.WriteMetrics(runDir, state.History);
        RunFiles.WritePlot(runDir, state.History, config.Task == "nbody" ? "MSE" : "standardised MAE");
        return new TrainResult(state, bestPath, lastPath, stopped);
    }

    /// <summary>Metric of a split: MSE of positions (N-body) or mean standardised MAE over targets (molecules).</summary>
    public static (double Metric, int Count) Evaluate(SegnnModel model, ModelConfig config, IGraphDataset data, int batchSize, double[]? columnScale = null, Dictionary<string, double>? details = null)
    {
        columnScale ??= ColumnScales(config);
        ScalarType dtype = config.DType == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        TaskDefinition task = TaskDefinition.For(config);
        bool wasTraining = model.training;
        model.eval();
        using var ops = new TorchOps(dtype, training: false);
        using var _ = no_grad();
        int columns = columnScale.Length;
        var absSum = new double[columns];
        double sqSum = 0;
        long rows = 0;
        try
        {
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int[] idx = Enumerable.Range(start, Math.Min(batchSize, data.Count - start)).ToArray();
                var (batch, targets) = data.Get(idx);
                using var scope = NewDisposeScope();
                Tensor prediction = task.Predict(ops, model, batch.ToTensors(ops, config.Elements)).to_type(ScalarType.Float64);
                double[] p = prediction.data<double>().ToArray();
                for (int i = 0; i < p.Length; i++)
                {
                    double d = p[i] - targets[i];
                    sqSum += d * d;
                    absSum[i % columns] += Math.Abs(d);
                }
                rows += p.Length / columns;
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        if (rows == 0) throw new InvalidOperationException($"{data.Name}: no samples to evaluate");
        if (config.Task == "nbody")
        {
            double mse = sqSum / (rows * columns);
            details?.TryAdd("mse", mse);
            return (mse, data.Count);
        }
        int c = 0;
        double standardised = 0;
        foreach (TargetSpec t in config.Targets)
        {
            int width = O3.Irreps.Parse(t.Irreps).Dim;
            double mae = Enumerable.Range(c, width).Sum(k => absSum[k]) / (rows * width);
            details?.TryAdd($"mae_{t.Name}", mae);
            standardised += mae / t.Scale;
            c += width;
        }
        return (standardised / config.Targets.Length, data.Count);
    }

    /// <summary>Per output column, the scale that standardises it (1 for N-body).</summary>
    public static double[] ColumnScales(ModelConfig config) =>
        config.Task == "nbody"
            ? [1.0, 1.0, 1.0]
            : config.Targets.SelectMany(t => Enumerable.Repeat(t.Scale, O3.Irreps.Parse(t.Irreps).Dim)).ToArray();

    private static Tensor Loss(string kind, Tensor prediction, Tensor target, double[] columnScale, ScalarType dtype)
    {
        if (kind == "mse") return nn.functional.mse_loss(prediction, target);
        Tensor inverse = tensor(columnScale.Select(s => 1.0 / s).ToArray(), [1, columnScale.Length], dtype);
        return ((prediction - target) * inverse).abs().mean();
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
