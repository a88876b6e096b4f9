using System.Text.Json;
using System.Text.Json.Nodes;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Tasks;

namespace Segnn.Training;

/// <summary>Model settings a user may give for a run; null keeps the task's default (or, on resume, the run's own).</summary>
public sealed record ModelOverrides
{
    /// <summary>A model configuration JSON file replacing the task's default.</summary>
    public string? ConfigFile { get; init; }

    public int? HiddenFeatures { get; init; }
    public int? Layers { get; init; }
    public Centering? Centering { get; init; }
    public int? LMaxHidden { get; init; }
    public int? LMaxAttributes { get; init; }
    public NormKind? Norm { get; init; }
    public Pooling? Pool { get; init; }

    /// <summary>Radius-graph cutoff, Å.</summary>
    public double? Cutoff { get; init; }

    /// <summary>Target names (tasks with several).</summary>
    public IReadOnlyList<string>? Targets { get; init; }

    /// <summary>The configuration with these settings applied.</summary>
    public ModelConfig ApplyTo(ModelConfig config)
    {
        if (HiddenFeatures is int h) config = config with { HiddenFeatures = h, ExplicitHiddenIrreps = null };
        if (Layers is int l) config = config with { Layers = l };
        if (Centering is { } c) config = config with { Centering = c };
        if (LMaxHidden is int lh) config = config with { LMaxHidden = lh, ExplicitHiddenIrreps = null };
        if (LMaxAttributes is int la) config = config with { LMaxAttributes = la, ExplicitHiddenIrreps = null };
        if (Norm is { } n) config = config with { Norm = n };
        if (Pool is { } p) config = config with { Pool = p };
        if (Cutoff is double c2) config = config with { Cutoff = c2 };
        return config;
    }

    /// <summary>Each given setting that differs from the run's configuration, as "--flag given (the run has X)".</summary>
    public IEnumerable<string> Conflicts(ModelConfig run)
    {
        if (ConfigFile is not null) yield return $"--config {ConfigFile} (the run keeps the configuration it started with)";
        if (HiddenFeatures is int h && h != run.HiddenFeatures) yield return $"--hidden-features {h} (the run has {run.HiddenFeatures})";
        if (Layers is int l && l != run.Layers) yield return $"--layers {l} (the run has {run.Layers})";
        if (Centering is { } c && c != run.Centering) yield return $"--centering {EnumNames.Name(c)} (the run has {EnumNames.Name(run.Centering)})";
        if (LMaxHidden is int lh && lh != run.LMaxHidden) yield return $"--lmax-hidden {lh} (the run has {run.LMaxHidden})";
        if (LMaxAttributes is int la && la != run.LMaxAttributes) yield return $"--lmax-attr {la} (the run has {run.LMaxAttributes})";
        if (Norm is { } n && n != run.Norm) yield return $"--norm {EnumNames.Name(n)} (the run has {EnumNames.Name(run.Norm)})";
        if (Pool is { } p && p != run.Pool) yield return $"--pool {EnumNames.Name(p)} (the run has {EnumNames.Name(run.Pool)})";
        if (Cutoff is double c2 && c2 != run.Cutoff) yield return $"--cutoff {c2} (the run has {run.Cutoff})";
        if (Targets is { } t && !t.SequenceEqual(run.Targets.Select(x => x.Name)))
            yield return $"--targets {string.Join(",", t)} (the run has {string.Join(",", run.Targets.Select(x => x.Name))})";
    }
}

/// <summary>Training settings a user may give for a run; null keeps the task's default (or, on resume, the run's own).</summary>
public sealed record OptionOverrides
{
    public int? Epochs { get; init; }
    public int? BatchSize { get; init; }
    public double? LearningRate { get; init; }
    public double? WeightDecay { get; init; }
    public LearningRateSchedule? Schedule { get; init; }
    public int? WarmupEpochs { get; init; }
    public int? ValidateEvery { get; init; }
    public int? Seed { get; init; }
    public int? Threads { get; init; }
    public int? MaxTrainSamples { get; init; }
    public double? TimeLimitSeconds { get; init; }
    public string? TrainFrames { get; init; }

    public TrainingOptions ApplyTo(TrainingOptions o) => o with
    {
        Epochs = Epochs ?? o.Epochs,
        BatchSize = BatchSize ?? o.BatchSize,
        LearningRate = LearningRate ?? o.LearningRate,
        WeightDecay = WeightDecay ?? o.WeightDecay,
        Schedule = Schedule ?? o.Schedule,
        WarmupEpochs = WarmupEpochs ?? o.WarmupEpochs,
        ValidateEvery = ValidateEvery ?? o.ValidateEvery,
        Seed = Seed ?? o.Seed,
        Threads = Threads ?? o.Threads,
        MaxTrainSamples = MaxTrainSamples ?? o.MaxTrainSamples,
        TimeLimitSeconds = TimeLimitSeconds ?? o.TimeLimitSeconds,
        TrainFrames = TrainFrames ?? o.TrainFrames,
    };

    /// <summary>
    /// Settings that would change a run being resumed. A run can be extended (<c>--epochs</c> larger) and given another time
    /// limit or thread count; everything else decides which batches it sees and how it learns from them.
    /// </summary>
    public IEnumerable<string> Conflicts(TrainingOptions run, int epochsDone)
    {
        if (Epochs is int e && e < epochsDone) yield return $"--epochs {e} (the run has already completed {epochsDone} epochs)";
        if (BatchSize is int b && b != run.BatchSize) yield return $"--batch-size {b} (the run has {run.BatchSize})";
        if (LearningRate is double lr && lr != run.LearningRate) yield return $"--lr {lr} (the run has {run.LearningRate})";
        if (WeightDecay is double wd && wd != run.WeightDecay) yield return $"--weight-decay {wd} (the run has {run.WeightDecay})";
        if (Schedule is { } s && s != run.Schedule) yield return $"--schedule {EnumNames.Name(s)} (the run has {EnumNames.Name(run.Schedule)})";
        if (WarmupEpochs is int w && w != run.WarmupEpochs) yield return $"--warmup {w} (the run has {run.WarmupEpochs})";
        if (ValidateEvery is int v && v != run.ValidateEvery) yield return $"--validate-every {v} (the run has {run.ValidateEvery})";
        if (Seed is int seed && seed != run.Seed) yield return $"--seed {seed} (the run has {run.Seed})";
        if (MaxTrainSamples is int m && m != run.MaxTrainSamples) yield return $"--max-train {m} (the run has {run.MaxTrainSamples})";
        if (TrainFrames is { } f && f != run.TrainFrames) yield return $"--train-frames {f} (the run has {run.TrainFrames ?? "none"})";
    }
}

/// <summary>
/// A training run made ready: the task's defaults, the user's settings, the data and its splits, and on resume the run's
/// own configuration and options (settings that would change it are refused by name; extending it is allowed). The CLI
/// binds options into <see cref="ModelOverrides"/> and <see cref="OptionOverrides"/> and calls this.
/// </summary>
public sealed class TrainingJob
{
    private TrainingJob(SegnnTask task, ModelConfig config, TrainingOptions options, TaskData data, string runDir, bool resume)
    {
        Task = task;
        Config = config;
        Options = options;
        Data = data;
        RunDir = runDir;
        Resume = resume;
    }

    public SegnnTask Task { get; }
    public ModelConfig Config { get; }
    public TrainingOptions Options { get; }
    public TaskData Data { get; }
    public string RunDir { get; }
    public bool Resume { get; }

    /// <exception cref="ArgumentException">A setting conflicts with the run being resumed, or is invalid.</exception>
    public static TrainingJob Prepare(SegnnTask task, string dataDir, string runDir, bool resume, ModelOverrides model, OptionOverrides options)
    {
        ModelConfig config;
        TrainingOptions trainingOptions;
        string last = Path.Combine(runDir, Trainer.LastCheckpoint);
        bool resuming = resume && File.Exists(last);
        if (resuming)
        {
            Checkpoint checkpoint = Checkpoint.Load(last);
            if (checkpoint.Config.Task != task.Key)
                throw new ArgumentException($"{runDir} is a '{checkpoint.Config.Task}' run; it cannot be resumed as '{task.Key}'");
            TrainingOptions run = checkpoint.Options ?? task.DefaultOptions();
            var conflicts = model.Conflicts(checkpoint.Config).Concat(options.Conflicts(run, checkpoint.State.Epoch)).ToList();
            if (conflicts.Count > 0)
                throw new ArgumentException($"cannot resume {runDir} with {string.Join("; ", conflicts)}: a resumed run keeps its configuration and options (it may be extended with a larger --epochs, a --time-limit or --threads)");
            config = checkpoint.Config;
            trainingOptions = run with
            {
                Epochs = options.Epochs ?? run.Epochs,
                TimeLimitSeconds = options.TimeLimitSeconds ?? run.TimeLimitSeconds,
                Threads = options.Threads ?? run.Threads,
            };
        }
        else
        {
            ModelConfig start = model.ConfigFile is { } file ? ModelConfig.FromJson(File.ReadAllText(file)) : task.DefaultConfig();
            if (start.Task != task.Key)
                throw new ArgumentException($"--config {model.ConfigFile} is a '{start.Task}' configuration, not '{task.Key}'");
            config = model.ApplyTo(start);
            trainingOptions = options.ApplyTo(task.DefaultOptions());
        }
        trainingOptions.Validate();
        TaskData data = task.LoadData(new TaskDataRequest(dataDir, trainingOptions, config, model.Targets, resuming));
        return new TrainingJob(task, data.Config.Validate(), trainingOptions, data, runDir, resuming);
    }

    public TrainResult Run(ITrainingProgress progress, CancellationToken cancellationToken = default) =>
        Trainer.Run(Config, Options, Data.Train, Data.Valid, Data.Test, RunDir, Resume, progress, Data.Description, cancellationToken);

    /// <summary>The run's summary (also written to summary.json): results, timing, machine, commit, data, configuration.</summary>
    public JsonObject Summary(TrainResult result, double wallSeconds) => new()
    {
        ["task"] = Task.Key.Name,
        ["run"] = Path.GetFullPath(RunDir),
        ["epochs_completed"] = result.State.Epoch,
        ["stopped_early"] = result.Stopped,
        ["best_epoch"] = result.State.BestEpoch,
        ["best_validation"] = result.State.BestValidation,
        ["test_at_best"] = result.State.TestAtBest,
        ["test_details"] = JsonSerializer.SerializeToNode(result.State.BestDetails),
        ["training_seconds"] = Math.Round(result.State.TrainingSeconds, 1),
        ["wall_seconds_this_session"] = Math.Round(wallSeconds, 1),
        ["threads"] = Options.Threads,
        ["machine"] = Machine.Description(),
        ["commit"] = Provenance.Commit(),
        ["data"] = JsonSerializer.SerializeToNode(Data.Description),
        ["config"] = JsonNode.Parse(Config.ToJson()),
        ["options"] = JsonSerializer.SerializeToNode(Options, ModelConfig.Json),
    };
}
