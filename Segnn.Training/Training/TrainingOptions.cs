using System.Text.Json.Serialization;
using Segnn.Runtime;

namespace Segnn.Training;

/// <summary>The learning-rate schedule over a run.</summary>
[JsonConverter(typeof(EnumNameJsonConverter<LearningRateSchedule>))]
public enum LearningRateSchedule
{
    Constant,

    /// <summary>×<see cref="TrainingOptions.Gamma"/> at each milestone.</summary>
    Multistep,

    /// <summary>Cosine to 0 over the run.</summary>
    Cosine,
}

/// <summary>The training loss.</summary>
[JsonConverter(typeof(EnumNameJsonConverter<LossKind>))]
public enum LossKind
{
    /// <summary>Mean squared error (N-body).</summary>
    Mse,

    /// <summary>Mean absolute error on standardised targets (QM9).</summary>
    L1,
}

/// <summary>Everything that determines a training run besides the model configuration and the data (JSON, snake_case).</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 1000;
    public int BatchSize { get; init; } = 100;
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Coupled L2 (added to the gradient before Adam), as torch.optim.Adam's weight_decay.</summary>
    public double WeightDecay { get; init; } = 1e-12;

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Milestones as fractions of the epochs (the reference QM9 schedule: 0.8 and 0.9).</summary>
    public double[] Milestones { get; init; } = [0.8, 0.9];

    public double Gamma { get; init; } = 0.1;

    /// <summary>Linear warm-up epochs at the start (0: none).</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Validate (and test) every k epochs and at the last epoch.</summary>
    public int ValidateEvery { get; init; } = 5;

    public int Seed { get; init; } = 42;
    public int Threads { get; init; } = 1;

    /// <summary>Use only the first n training samples (the paper: 3,000 N-body trajectories); 0 = all.</summary>
    public int MaxTrainSamples { get; init; }

    /// <summary>
    /// N-body only: draw each epoch's training input frame from this range of the same trajectories ("20:38"); null keeps
    /// the paper's frame 30 (see <see cref="Data.NBody.NBodyFrameAugmentation"/>).
    /// </summary>
    public string? TrainFrames { get; init; }

    public LossKind Loss { get; init; } = LossKind.Mse;

    /// <summary>Energy models: the weight of the force term (each force component over the force scale) against the energy term.</summary>
    public double ForceWeight { get; init; } = 1.0;

    /// <summary>Energy models with a stress: the weight of the stress term (each component over the stress scale).</summary>
    public double StressWeight { get; init; } = 1.0;

    /// <summary>Stop after this many seconds of training (the run ends cleanly, as after its last epoch); 0 = no limit.</summary>
    public double TimeLimitSeconds { get; init; }

    [JsonIgnore]
    public bool IsValid => Epochs > 0 && BatchSize > 0 && LearningRate > 0 && ValidateEvery > 0 && Threads > 0;

    public TrainingOptions Validate()
    {
        if (Epochs < 1) throw new ArgumentException("--epochs must be >= 1");
        if (BatchSize < 1) throw new ArgumentException("--batch-size must be >= 1");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException("--lr must be a positive number");
        if (WeightDecay < 0 || !double.IsFinite(WeightDecay)) throw new ArgumentException("--weight-decay must be >= 0");
        if (ValidateEvery < 1) throw new ArgumentException("--validate-every must be >= 1");
        if (Threads < 1) throw new ArgumentException("--threads must be >= 1");
        if (!(ForceWeight >= 0) || !(StressWeight >= 0)) throw new ArgumentException("--force-weight and --stress-weight must be >= 0");
        if (Milestones.Any(m => m <= 0 || m >= 1)) throw new ArgumentException("milestones are fractions of the run in (0, 1)");
        return this;
    }

    /// <summary>The learning rate of epoch <paramref name="epoch"/> (0-based), stepped once per epoch.</summary>
    public double LearningRateAt(int epoch)
    {
        double lr = Schedule switch
        {
            LearningRateSchedule.Multistep => LearningRate * Math.Pow(Gamma, Milestones.Count(m => epoch >= (int)Math.Floor(m * Epochs))),
            LearningRateSchedule.Cosine => LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(epoch, Epochs) / Epochs)),
            _ => LearningRate,
        };
        if (WarmupEpochs > 0 && epoch < WarmupEpochs) lr *= (epoch + 1.0) / WarmupEpochs;
        return lr;
    }
}
